"""Bank statements: importing one, matching its credits with enrollments, and the queue « à rapprocher ».

``import_statement`` reads the file (``statements.read``), then stores and matches each
line in its own transaction, so that a line that fails loses none of the others (and is
read again by the next import of the file, its checksum never stored). A line whose
checksum is already known is stored « Déjà importée » and records nothing: the same
statement imported twice records each payment once (a conditional unique constraint
besides, for two imports at the same time).

A credit is matched with an enrollment, in this order:

1. a reference written in its text (« PO-2027-00042 », « po 2027 42 »…) naming one
   enrollment that takes a place;
2. else, the next amount due of exactly one enrollment, among those of the families whose
   guardian's name the payer's name matches.

A matched credit becomes a transfer recorded by ``services.record_payment``, by the user
who imported the statement, on the day the bank booked it. Any other credit waits in the
queue « à rapprocher », with the enrollments it could be for; the treasurer attaches it
(``attach_line``) or sets it aside (``dismiss_line``). Debits, entries not booked yet and
reversals are kept, « Ignorée ».

Locks: a line (inserted, or ``select_for_update``), then the enrollment's offer and the
enrollment (``record_payment``): the import and the queue take them in this one order.
"""

import logging
import re
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rapidfuzz import fuzz
from wagtail.log_actions import log

from memberspace import MemberspaceError
from memberspace.enrollments.models import Enrollment, EnrollmentStatus
from memberspace.families.models import Guardianship
from memberspace.families.text import name_key
from pages import formatting

from . import services, statements
from .ledger import with_ledgers
from .models import LineState, Method, StatementImport, StatementLine
from .services import PaymentRefused

logger = logging.getLogger(__name__)

# « PO-2027-00042 » as parents write it: any case, spaces, dots or dashes, zeros left out.
REFERENCE = re.compile(r"(?<![A-Z0-9])P\W{0,2}O\W{0,3}(20\d\d)\W{0,3}(\d{1,7})(?!\d)", re.IGNORECASE)
# Words of a bank's payer field that name no one.
NOT_NAMES_TEXT = (
    "m mr mrs ms mme mmes mlle monsieur madame mademoiselle ou et epoux epouse vir virement sepa inst recu emis "
    "de du des la le les from ref motif cb prlv"
)
NOT_NAMES = frozenset(NOT_NAMES_TEXT.split())
FAMILY_NAME_SCORE = 85  # each word of a guardian's family name, in the payer's name (a typo allowed)
FULL_NAME_SCORE = 90  # the payer's name against the guardian's full name (word order aside)
MAX_SUGGESTIONS = 5
PAYMENT_TEXT_LIMIT = 120  # Payment.payer_name and Payment.reference
# Enrollments that may still be waiting for money.
EXPECTING = [EnrollmentStatus.VALIDATED, EnrollmentStatus.DEPOSIT_RECEIVED]


def references_in(text):
    """The enrollment references written in ``text``, as stored (« PO-2027-00042 »), in order, once each."""
    found = (f"PO-{year}-{int(number):05d}" for year, number in REFERENCE.findall(text or ""))
    return list(dict.fromkeys(found))


def name_words(text):
    return [word for word in name_key(text).split() if word not in NOT_NAMES and not word.isdigit()]


def payer_is(payer_words, first_name, last_name):
    """Whether a payer's name (``name_words``) names this guardian: the family name at least, and nothing else."""
    family = name_key(last_name).split()
    if not payer_words or not family:
        return False
    if not all(any(fuzz.ratio(word, part) >= FAMILY_NAME_SCORE for word in payer_words) for part in family):
        return False
    return fuzz.token_set_ratio(" ".join(payer_words), name_key(f"{first_name} {last_name}")) >= FULL_NAME_SCORE


@dataclass
class Match:
    enrollment: Enrollment | None = None  # matched: record the payment
    candidates: list = field(default_factory=list)  # otherwise: what to suggest
    note: str = ""


class Families:
    """The guardians' names of the enrollments that may wait for money, read once per import."""

    def __init__(self):
        self.names = {}
        rows = Guardianship.objects.filter(child__enrollments__status__in=EXPECTING).values_list(
            "child__enrollments__id", "parent__first_name", "parent__last_name"
        )
        for enrollment_id, first_name, last_name in rows:
            self.names.setdefault(enrollment_id, []).append((first_name, last_name))

    def paid_by(self, payer_name):
        """The ids of the enrollments one of whose child's guardians ``payer_name`` names."""
        words = name_words(payer_name)
        if not words:
            return []
        return [
            enrollment_id
            for enrollment_id, names in self.names.items()
            if any(payer_is(words, first, last) for first, last in names)
        ]


def find_match(line, families):
    """What ``line`` (a credit) is for: one enrollment, or the ones it could be for and why not one."""
    by_reference = list(
        Enrollment.objects.filter(reference__in=references_in(f"{line.reference} {line.payer_name}"))
        .select_related("child", "offer")
        .order_by("pk")
    )
    if len(by_reference) == 1 and by_reference[0].takes_a_place:
        return Match(by_reference[0], note=_("Référence %(ref)s.") % {"ref": by_reference[0].reference})
    if len(by_reference) == 1:
        enrollment = by_reference[0]
        return Match(
            candidates=by_reference,
            note=_("Référence %(ref)s : inscription « %(status)s », aucun paiement n'est attendu.")
            % {"ref": enrollment.reference, "status": enrollment.get_status_display()},
        )
    if by_reference:
        return Match(candidates=by_reference, note=_("Plusieurs références d'inscription dans le libellé."))
    ids = families.paid_by(line.payer_name)
    family = with_ledgers(
        list(
            Enrollment.objects.filter(pk__in=ids, status__in=EXPECTING)
            .select_related("child", "offer")
            .order_by("offer__start_date", "pk")
        )
    )
    due = [enrollment for enrollment in family if _next_amount(enrollment) == line.amount]
    if len(due) == 1:
        return Match(due[0], note=_("Montant dû et nom du payeur."))
    if due:
        return Match(candidates=due, note=_("Plusieurs inscriptions de la famille attendent ce montant."))
    waiting = [enrollment for enrollment in family if enrollment.ledger.outstanding > 0]
    if waiting:
        return Match(
            candidates=waiting[:MAX_SUGGESTIONS],
            note=_("Famille reconnue, mais le montant ne correspond à aucun reste dû."),
        )
    return Match(note=_("Aucune référence d'inscription ni famille reconnue."))


def _next_amount(enrollment):
    due = enrollment.ledger.next_due()
    return due.amount if due else None


def _ignored_because(line):
    if not line.booked:
        return _("Opération pas encore comptabilisée par la banque.")
    if line.reversal:
        return _("Contre-passation d'une opération.")
    if line.amount < 0:
        return _("Débit : pas un paiement reçu.")
    if line.amount == 0:
        return _("Montant nul.")
    return ""


def _record(line_row, enrollment, by):
    return services.record_payment(
        enrollment,
        amount=line_row.amount,
        method=Method.TRANSFER,
        by=by,
        received_on=line_row.booked_on,
        payer_name=line_row.payer_name[:PAYMENT_TEXT_LIMIT],
        reference=line_row.reference[:PAYMENT_TEXT_LIMIT],
        again=True,  # each line is one bank entry: a statement's duplicates are told apart by their checksum
    )


# The import


def import_statement(file, *, file_format, mapping=None, by):
    """Import the statement ``file`` (an uploaded file): store its lines, record the payments it matches.

    Returns the ``StatementImport``, with its counts. Raises ``statements.StatementError``
    (nothing stored) when the file cannot be read.
    """
    data = file.read(statements.MAX_STATEMENT_BYTES + 1)
    lines = statements.read(data, file_format, mapping)
    statement = StatementImport.objects.create(
        file_name=(getattr(file, "name", "") or "")[:255], format=file_format, imported_by=by
    )
    families = Families()
    failed = 0
    for line, checksum in zip(lines, statements.checksums(lines), strict=True):
        try:
            _import_line(statement, line, checksum, families, by)
        except DatabaseError:
            # Not stored, so not known: the next import of this file reads it again.
            logger.exception("Statement %s: a line of %s not imported", statement.pk, line.booked_on)
            failed += 1
    counts = dict(statement.lines.values_list("state").annotate(n=Count("pk")))
    statement.lines_count = sum(counts.values())
    statement.matched_count = counts.get(LineState.MATCHED, 0)
    statement.to_reconcile_count = counts.get(LineState.TO_RECONCILE, 0)
    statement.ignored_count = counts.get(LineState.IGNORED, 0)
    statement.already_count = counts.get(LineState.ALREADY, 0)
    statement.save(
        update_fields=["lines_count", "matched_count", "to_reconcile_count", "ignored_count", "already_count"]
    )
    statement.failed_count = failed
    log(
        instance=statement,
        action="po.statement.import",
        user=by,
        data={"lines": statement.lines_count, "matched": statement.matched_count, "failed": failed},
    )
    return statement


def _import_line(statement, line, checksum, families, by):
    """Store one line, in its own transaction, and record the payment it matches."""
    with transaction.atomic():
        row = StatementLine(
            statement=statement,
            booked_on=line.booked_on,
            amount=line.amount,
            payer_name=line.payer_name,
            reference=line.reference,
            bank_id=line.bank_id,
            account=line.account,
            checksum=checksum,
            state=LineState.TO_RECONCILE,
        )
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # this line is known: it records nothing again
            row.state, row.note = LineState.ALREADY, _already_note(checksum)
            row.save()
            return row
        ignored = _ignored_because(line)
        if ignored:
            row.state, row.note = LineState.IGNORED, ignored
            row.save(update_fields=["state", "note"])
            return row
        match = find_match(row, families)
        row.note = match.note
        if match.enrollment is not None:
            try:
                row.payment = _record(row, match.enrollment, by)
            except MemberspaceError as error:  # refused (a date ahead, a state changed): to the queue
                row.note = str(error)[:300]
                match.candidates = [match.enrollment]
            else:
                row.state = LineState.MATCHED
        row.save(update_fields=["state", "note", "payment"])
        if match.candidates:
            row.candidates.set(match.candidates)
    return row


def _already_note(checksum):
    first = (
        StatementLine.objects.filter(checksum=checksum)
        .exclude(state=LineState.ALREADY)
        .select_related("statement")
        .first()
    )
    if first is None:
        return _("Déjà importée.")
    return _("Déjà importée le %(date)s (« %(file)s »).") % {
        "date": formatting.day_month(timezone.localdate(first.statement.imported_at)),
        "file": first.statement.file_name,
    }


def summary(statement):
    """« 12 lignes rapprochées, 3 à rapprocher, 1 déjà importée »: what became of the lines (zeros left out)."""
    failed = getattr(statement, "failed_count", 0)
    counts = [
        (
            statement.matched_count,
            ngettext("%(count)s ligne rapprochée", "%(count)s lignes rapprochées", statement.matched_count),
        ),
        (
            statement.to_reconcile_count,
            ngettext("%(count)s à rapprocher", "%(count)s à rapprocher", statement.to_reconcile_count),
        ),
        (
            statement.already_count,
            ngettext("%(count)s déjà importée", "%(count)s déjà importées", statement.already_count),
        ),
        (
            statement.ignored_count,
            ngettext("%(count)s ignorée (débit…)", "%(count)s ignorées (débits…)", statement.ignored_count),
        ),
        (
            failed,
            ngettext(
                "%(count)s non enregistrée (erreur : importez le fichier de nouveau)",
                "%(count)s non enregistrées (erreur : importez le fichier de nouveau)",
                failed,
            ),
        ),
    ]
    return ", ".join(text % {"count": count} for count, text in counts if count)


# The queue


def _lock_waiting(line):
    line = StatementLine.objects.select_for_update(of=("self",)).select_related("payment__enrollment").get(pk=line.pk)
    if line.state == LineState.MATCHED and line.payment is not None:
        raise PaymentRefused(
            _("Cette ligne est déjà rattachée à l'inscription %(ref)s : rien n'a été enregistré de plus.")
            % {"ref": line.payment.enrollment.reference}
        )
    if line.state != LineState.TO_RECONCILE:
        raise PaymentRefused(
            _("Cette ligne n'est plus à rapprocher (%(state)s).") % {"state": line.get_state_display().lower()}
        )
    return line


def attach_line(line, enrollment, *, by):
    """The treasurer says which enrollment ``line`` pays: a transfer is recorded for it, once."""
    with transaction.atomic():
        line = _lock_waiting(line)
        if line.amount <= 0:
            raise PaymentRefused(_("Seul un crédit peut être rattaché à une inscription."))
        payment = _record(line, enrollment, by)
        line.state, line.payment = LineState.MATCHED, payment
        line.note = _("Rattachée à la main.")
        line.handled_at, line.handled_by = timezone.now(), by
        line.save(update_fields=["state", "payment", "note", "handled_at", "handled_by"])
        log(instance=line, action="po.statement.attach", user=by, data={"payment": payment.pk})
    return line


def dismiss_line(line, *, by):
    """The treasurer sets ``line`` aside: not a payment for an enrollment (a grant, a donation…)."""
    with transaction.atomic():
        line = _lock_waiting(line)
        line.state = LineState.IGNORED
        line.note = _("Écartée à la main.")
        line.handled_at, line.handled_by = timezone.now(), by
        line.save(update_fields=["state", "note", "handled_at", "handled_by"])
        log(instance=line, action="po.statement.dismiss", user=by)
    return line


def enrollment_by_reference(text):
    """The enrollment whose reference ``text`` is (written as parents write it); a clear error otherwise."""
    found = references_in(text)
    enrollment = Enrollment.objects.filter(reference__in=found[:1]).select_related("child", "offer").first()
    if enrollment is None:
        raise PaymentRefused(
            _("Aucune inscription de référence « %(ref)s » (de la forme PO-2027-00042).") % {"ref": text.strip()}
        )
    return enrollment


def queue():
    """The lines waiting for the treasurer."""
    return StatementLine.objects.filter(state=LineState.TO_RECONCILE)
