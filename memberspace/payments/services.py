"""Recording money: one function per change, each under the enrollment's locks.

Every function here locks the enrollment's offer, then the enrollment
(``enrollments.services.lock_for_payment``), so that the payments of one enrollment
are recorded one at a time, each reading those before it; it then writes its row,
logs it on the enrollment's history, lets the enrollment's state follow the money
(``_follow_money``) and tells the guardians, on commit.

Online payments: ``start_online_payment`` opens a checkout for exactly what is due
(the amount never comes from the browser); only ``sync_checkout`` records what the
provider says was paid, after reading the checkout back from its API. A notification
from the provider is only a hint of which checkout to read (``handle_notification``):
replayed, forged or duplicated, it records nothing the API does not confirm, and a
provider's payment is recorded once (a database constraint besides).
"""

import datetime
import json
import logging
import re
from decimal import Decimal

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from memberspace import MemberspaceError
from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import TAKEN_STATUSES, Enrollment, EnrollmentStatus
from memberspace.families.services import children as children_service
from memberspace.notifications.services import notify
from pages import formatting
from pages.models import ClubSettings

from . import backends
from .ledger import DEPOSIT, ledger_for, with_ledgers
from .models import DueReminder, Method, Payer, Payment, PaymentState, Refund

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999.99")
# The same payment recorded again this soon is taken for a double entry (``record_payment``'s ``again``).
SAME_PAYMENT_WINDOW = datetime.timedelta(minutes=30)
# An online checkout opened this recently for the same amount is offered again (a double click).
REUSE_CHECKOUT_SECONDS = 15 * 60
# The provider's state of a payment that brought the money in (HelloAsso's; the in-memory backend's too).
AUTHORIZED = "Authorized"
REFUSED_STATES = {"Refused", "Canceled", "Abandoned", "Error"}


class PaymentRefused(MemberspaceError):
    """A payment, a refund or a checkout the rules refuse (translated, shown to the user)."""


CHECKOUT_ID = re.compile(r"[0-9]{1,18}")
# The provider's notifications read a payment's checkout back at most once in this many seconds, and all
# payments' checkouts at most NOTIFICATION_READS times in that interval (anyone can post a notification).
NOTIFICATION_READ_SECONDS = 10
NOTIFICATION_READS = 30
AMOUNT = re.compile(r"(?P<units>\d{1,6})(?:[.,](?P<cents>\d{1,2}))?")


def money(value):
    """``value`` as euros to the cent, positive (« 120 », « 120,50 », « 1 250 € »); a clear error otherwise.

    Only digits, one decimal comma or point and at most two decimals: no exponent, no
    thousands separator other than spaces (« 1,000 » is refused, not read as 1 €).
    """
    text = str(value).strip().removesuffix("€").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    match = AMOUNT.fullmatch(text)
    if match is None:
        if re.fullmatch(r"\d+[.,]\d{3,}", text):
            raise PaymentRefused(_("Montant invalide : un nombre d'euros positif, au centime près."))
        raise PaymentRefused(_("Montant invalide : indiquez un nombre d'euros, par exemple 120 ou 120,50."))
    amount = Decimal(f"{match['units']}.{(match['cents'] or '0').ljust(2, '0')}")
    if not CENT <= amount <= MAX_AMOUNT:
        raise PaymentRefused(_("Montant invalide : un nombre d'euros positif, au centime près."))
    return amount


def _cents(amount):
    return int(amount * 100)


def _euros(cents):
    return (Decimal(cents) / 100).quantize(CENT)


def _describe(enrollment):
    return {"child": enrollment.child, "offer": enrollment.offer.title, "ref": enrollment.reference}


def _follow_money(enrollment, by):
    """Move ``enrollment``'s state to what its ledger now says (a place taken only); returns the ledger."""
    ledger = ledger_for(enrollment, ClubSettings.current())
    if enrollment.status not in TAKEN_STATUSES:
        return ledger
    target = ledger.target_status()
    if target == enrollment.status:
        return ledger
    if target == EnrollmentStatus.PAID:
        enrollments.settle(enrollment, by=by)
    elif target == EnrollmentStatus.DEPOSIT_RECEIVED and enrollment.status == EnrollmentStatus.VALIDATED:
        enrollments.record_deposit(enrollment, by=by)
    else:  # less than the state said: a refund, a correction
        enrollments.reopen_payment(enrollment, by=by, deposit_covered=ledger.deposit_covered)
    return ledger


def received_context(enrollment, payment, ledger):
    """What the message « Paiement reçu » says: the money, and what remains to pay, by when."""
    due = ledger.next_due()
    return {
        "cancelled": ledger.cancelled or enrollment.status not in TAKEN_STATUSES,
        "enrollment": enrollment,
        "child": enrollment.child,
        "offer": enrollment.offer,
        "amount": formatting.euros(payment.amount),
        "method": payment.get_method_display(),
        "settled": ledger.settled,
        "deposit_covered": ledger.deposit_covered,
        "outstanding": formatting.euros(due.amount) if due else "",
        "due_date": formatting.day_month(due.due_date) if due and due.due_date else "",
    }


def _tell_guardians(enrollment, payment, ledger):
    """Each guardian hears of the money received, and of what remains, on their chosen channels."""
    context = received_context(enrollment, payment, ledger)
    for guardian in children_service.informed_guardians(enrollment.child):
        notify(guardian, "payment_received", context)


def _review_reason(enrollment, ledger):
    if enrollment.status == EnrollmentStatus.CANCELLED:
        return _("Reçu pour une inscription annulée : à rembourser ou à rattacher à une autre inscription.")
    if enrollment.status not in TAKEN_STATUSES:
        return _("Reçu pour une inscription qui n'est pas validée.")
    if ledger.to_refund > 0:
        return _("Plus que le prix : %(amount)s à rembourser.") % {"amount": formatting.euros(ledger.to_refund)}
    return ""


# The secretariat's records


def record_payment(
    enrollment,
    *,
    amount,
    method,
    by,
    received_on=None,
    payer=Payer.FAMILY,
    payer_name="",
    reference="",
    cash_on=None,
    note="",
    again=False,
):
    """Record money the secretariat received for ``enrollment``; a cheque with ``cash_on`` is held until then.

    The same payment (method, amount, reference) recorded for the enrollment within
    ``SAME_PAYMENT_WINDOW`` is refused unless ``again``: a double click, or the cheque
    entered by two people, records it once.
    """
    amount = money(amount)
    if method == Method.ONLINE:
        raise PaymentRefused(_("Un paiement en ligne est enregistré par HelloAsso, pas à la main."))
    if method not in Method.values or payer not in Payer.values:
        raise PaymentRefused(_("Moyen de paiement ou payeur inconnu."))
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today:
        raise PaymentRefused(_("La date de réception ne peut pas être dans le futur."))
    if cash_on is not None and method not in (Method.CHEQUE, Method.ANCV):
        raise PaymentRefused(_("Seul un chèque (ou des chèques-vacances) peut être encaissé plus tard."))
    with transaction.atomic():
        enrollment = enrollments.lock_for_payment(enrollment)
        if enrollment.status not in (*TAKEN_STATUSES, EnrollmentStatus.CANCELLED):
            raise PaymentRefused(
                _("L'inscription %(ref)s n'est pas validée : aucun paiement n'est attendu.") % _describe(enrollment)
            )
        same = Payment.objects.filter(
            enrollment=enrollment,
            amount=amount,
            method=method,
            reference=reference.strip(),
            recorded_at__gte=timezone.now() - SAME_PAYMENT_WINDOW,
        )
        if not again and same.exists():
            raise PaymentRefused(
                _(
                    "Un paiement identique (%(amount)s, %(method)s) vient d'être enregistré pour %(ref)s. "
                    "S'il s'agit bien d'un second paiement, cochez « Enregistrer quand même »."
                )
                % {
                    "amount": formatting.euros(amount),
                    "method": Method(method).label.lower(),
                    "ref": enrollment.reference,
                }
            )
        payment = Payment.objects.create(
            enrollment=enrollment,
            amount=amount,
            method=method,
            payer=payer,
            payer_name=payer_name.strip(),
            reference=reference.strip(),
            state=PaymentState.HELD if cash_on and cash_on > today else PaymentState.RECEIVED,
            received_on=received_on,
            cash_on=cash_on,
            note=note.strip(),
            recorded_by=by,
        )
        ledger = _follow_money(enrollment, by)
        reason = _review_reason(enrollment, ledger)
        if reason:
            Payment.objects.filter(pk=payment.pk).update(review_reason=reason)
        log(
            instance=enrollment,
            action="po.payment.record",
            user=by,
            data={"payment": payment.pk, "amount": str(amount), "method": method},
        )
        _tell_guardians(enrollment, payment, ledger)
    return payment


def cash_cheque(payment, *, by, cashed_on=None):
    """A cheque held for later was cashed: it is received money now (it counted already)."""
    with transaction.atomic():
        enrollments.lock_for_payment(payment.enrollment)
        updated = Payment.objects.filter(pk=payment.pk, state=PaymentState.HELD).update(
            state=PaymentState.RECEIVED, cash_on=cashed_on or timezone.localdate()
        )
        if not updated:
            raise PaymentRefused(_("Ce chèque n'est pas en attente d'encaissement."))
        log(instance=payment.enrollment, action="po.payment.cash", user=by, data={"payment": payment.pk})
    payment.refresh_from_db()
    return payment


def record_refund(enrollment, *, amount, method, reason, by, refunded_on=None):
    """Record money given back for ``enrollment``: never more than it received (net of refunds)."""
    amount = money(amount)
    reason = (reason or "").strip()
    if not reason:
        raise PaymentRefused(_("Indiquez le motif du remboursement."))
    if method not in Method.values:
        raise PaymentRefused(_("Moyen de remboursement inconnu."))
    refunded_on = refunded_on or timezone.localdate()
    if refunded_on > timezone.localdate():
        raise PaymentRefused(_("La date du remboursement ne peut pas être dans le futur."))
    with transaction.atomic():
        enrollment = enrollments.lock_for_payment(enrollment)
        ledger = ledger_for(enrollment, ClubSettings.current())
        if amount > ledger.paid:
            raise PaymentRefused(
                _("Impossible de rembourser %(amount)s : %(paid)s seulement ont été payés pour %(ref)s.")
                % {
                    "amount": formatting.euros(amount),
                    "paid": formatting.euros(ledger.paid),
                    "ref": enrollment.reference,
                }
            )
        refund = Refund.objects.create(
            enrollment=enrollment, amount=amount, method=method, reason=reason, refunded_on=refunded_on, recorded_by=by
        )
        _follow_money(enrollment, by)
        log(
            instance=enrollment,
            action="po.payment.refund",
            user=by,
            data={"refund": refund.pk, "amount": str(amount), "method": method},
        )
    return refund


def mark_reviewed(payment, *, by):
    """The secretariat looked at a payment of its queue (refunded it, attached it elsewhere…)."""
    updated = (
        Payment.objects.filter(pk=payment.pk, reviewed_at__isnull=True)
        .exclude(review_reason="")
        .update(reviewed_at=timezone.now(), reviewed_by=by)
    )
    if updated:
        log(instance=payment.enrollment, action="po.payment.review", user=by, data={"payment": payment.pk})
    return bool(updated)


# Online payment


def start_online_payment(enrollment, *, kind, by, urls):
    """Open a checkout for what ``kind`` (``ledger.DEPOSIT`` or ``EVERYTHING``) stands for now; its URL.

    ``urls(payment)`` gives the ``back_url``, ``error_url`` and ``return_url`` of the
    payment. The amount is worked out here from the ledger. A checkout opened for the
    same amount within ``REUSE_CHECKOUT_SECONDS`` is given again (a double click, a
    parent back from the provider's page): one checkout, one payment. The provider is
    called under the enrollment's lock, so two clicks at once open one checkout; the
    offer is not locked (no state changes here): the families paying for the same stay
    at the same time wait for nobody but themselves.
    """
    backend = backends.get_backend()
    with transaction.atomic():
        # The enrollment's row only (``of``: not the child's nor the offer's, which a join would lock too).
        enrollment = (
            Enrollment.objects.select_for_update(of=("self",)).select_related("child", "offer").get(pk=enrollment.pk)
        )
        if enrollment.status not in TAKEN_STATUSES:
            raise PaymentRefused(_("Cette inscription n'attend pas de paiement."))
        ledger = ledger_for(enrollment, ClubSettings.current())
        amount = ledger.amount_for(kind)
        if amount is None:
            raise PaymentRefused(_("Il n'y a rien à régler en ligne pour cette inscription."))
        recent = timezone.now() - datetime.timedelta(seconds=REUSE_CHECKOUT_SECONDS)
        opened = (
            Payment.objects.filter(
                enrollment=enrollment,
                state=PaymentState.PENDING,
                amount=amount,
                provider=backend.name,
                recorded_at__gte=recent,
            )
            .exclude(checkout_url="")
            .order_by("-recorded_at")
            .first()
        )
        if opened is not None:
            return opened
        payment = Payment.objects.create(
            enrollment=enrollment,
            amount=amount,
            method=Method.ONLINE,
            state=PaymentState.PENDING,
            provider=backend.name,
            recorded_by=None,
            note=_("Ouvert par %(name)s") % {"name": by.get_full_name()},
        )
        item = _("Acompte") if kind == DEPOSIT else _("Paiement")
        try:
            checkout = backend.start_checkout(
                amount_cents=_cents(amount),
                item_name=f"{item} {enrollment.reference} – {enrollment.child.first_name} – {enrollment.offer.title}"[
                    :250
                ],
                payer={"first_name": by.first_name, "last_name": by.last_name, "email": by.email},
                metadata={"payment": payment.pk, "enrollment": enrollment.reference},
                **urls(payment),
            )
        except backends.PaymentError as error:
            logger.warning("Checkout for payment %s not opened: %s", payment.pk, error)
            raise PaymentRefused(
                _(
                    "Le paiement en ligne est indisponible pour le moment : rien n'a été débité. "
                    "Réessayez dans quelques minutes, ou réglez par virement ou par chèque."
                )
            ) from None
        payment.checkout_id, payment.checkout_url = str(checkout.id), checkout.redirect_url
        payment.save(update_fields=["checkout_id", "checkout_url"])
        log(
            instance=enrollment,
            action="po.payment.checkout",
            user=by,
            data={"payment": payment.pk, "amount": str(amount), "checkout": payment.checkout_id},
        )
    return payment


def sync_checkout(payment):
    """Read ``payment``'s checkout back from the provider and record what it says was paid.

    The only way an online payment is recorded. Reading is done before taking the
    locks (a slow provider holds no one up); what is read is then applied under them,
    skipping the provider's payments already recorded. Returns the payment, fresh.
    Raises ``backends.PaymentError`` when the provider cannot be read.
    """
    backend = backends.get_backend()
    fetched = backend.fetch_checkout(payment.checkout_id)
    if _metadata_payment(fetched.metadata) != payment.pk:
        logger.error("Checkout %s does not carry payment %s in its metadata: ignored.", payment.checkout_id, payment.pk)
        Payment.objects.filter(pk=payment.pk, review_reason="").update(
            review_reason=_("HelloAsso ne rattache pas ce paiement en ligne à cette inscription : à vérifier.")
        )
        return payment
    with transaction.atomic():
        enrollment = enrollments.lock_for_payment(payment.enrollment)
        payment = Payment.objects.get(pk=payment.pk)
        authorized = [found for found in fetched.payments if found.state == AUTHORIZED]
        known = set(
            Payment.objects.filter(
                provider=payment.provider, provider_payment_id__in=[str(found.id) for found in authorized]
            ).values_list("provider_payment_id", flat=True)
        )
        recorded = []
        for found in authorized:
            if str(found.id) in known:
                continue
            row = _record_online(payment, found, enrollment)
            if row is not None:
                recorded.append(row)
            payment = Payment.objects.get(pk=payment.pk)
        if not recorded and payment.state == PaymentState.PENDING and _refused(fetched):
            payment.state = PaymentState.FAILED
            payment.save(update_fields=["state"])
        if recorded:
            ledger = _follow_money(enrollment, None)
            for row in recorded:
                reason = _review_reason(enrollment, ledger)
                if row.amount != row.expected and not reason:
                    reason = _("Montant payé (%(paid)s) différent du montant demandé (%(asked)s).") % {
                        "paid": formatting.euros(row.amount),
                        "asked": formatting.euros(row.expected),
                    }
                if reason:
                    Payment.objects.filter(pk=row.pk).update(review_reason=reason)
                _tell_guardians(enrollment, row, ledger)
    return Payment.objects.get(pk=payment.pk)


def _record_online(payment, found, enrollment):
    """Record the provider's payment ``found``: on the checkout's pending row, or a row of its own."""
    cents = found.amount_cents
    if found.tip_cents and cents - found.tip_cents == _cents(payment.amount):
        cents -= found.tip_cents  # the payer's contribution to HelloAsso, counted in its amount: not the club's
    amount = _euros(cents)
    received_on = timezone.localdate(found.paid_at) if found.paid_at else timezone.localdate()
    expected = payment.amount
    if payment.state in (PaymentState.PENDING, PaymentState.FAILED) and not payment.provider_payment_id:
        row = payment  # refused, then paid on the same checkout: the same row
        row.amount, row.state, row.received_on = amount, PaymentState.RECEIVED, received_on
        row.provider_payment_id = str(found.id)
        row.save(update_fields=["amount", "state", "received_on", "provider_payment_id"])
    else:  # a second payment on one checkout (never seen: recorded rather than lost)
        try:
            with transaction.atomic():
                row = Payment.objects.create(
                    enrollment=enrollment,
                    amount=amount,
                    method=Method.ONLINE,
                    state=PaymentState.RECEIVED,
                    received_on=received_on,
                    provider=payment.provider,
                    checkout_id=payment.checkout_id,
                    provider_payment_id=str(found.id),
                )
        except IntegrityError:  # recorded meanwhile by another path
            return None
    log(
        instance=enrollment,
        action="po.payment.online",
        data={"payment": row.pk, "amount": str(amount), "checkout": payment.checkout_id},
    )
    row.expected = expected
    return row


def _refused(fetched):
    return any(found.state in REFUSED_STATES for found in fetched.payments)


def _metadata_payment(metadata):
    """The payment's number our metadata carries (an int of at most 18 digits), else None."""
    found = metadata.get("payment") if isinstance(metadata, dict) else None
    if isinstance(found, bool) or not isinstance(found, int | str) or not CHECKOUT_ID.fullmatch(str(found)):
        return None
    return int(found)


def handle_notification(body):
    """A notification from the provider: find the checkout it names, and read that checkout back.

    Nothing in ``body`` is trusted but the checkout's number, used to find a payment we
    opened. Returns the payment synced, or None when the body names none of ours.
    Raises ``backends.PaymentError`` when the provider could not be read (to be retried).
    """
    try:
        data = json.loads(body)
    except (TypeError, ValueError, RecursionError):  # not JSON, a number too big, nested too deep
        return None
    online = Payment.objects.filter(provider=backends.get_backend().name, method=Method.ONLINE).exclude(checkout_id="")
    checkout_id = _checkout_id(data)
    if checkout_id is not None:
        online = online.filter(checkout_id=checkout_id)
    else:  # a payment's notification may name only our metadata
        payment_id = _metadata_payment(data.get("metadata") if isinstance(data, dict) else None)
        if payment_id is None:
            return None
        online = online.filter(pk=payment_id)
    payment = online.select_related("enrollment").order_by("pk").first()
    if payment is None:
        logger.info("Notification naming no checkout of ours (%s): ignored.", checkout_id)
        return None
    if payment.state == PaymentState.RECEIVED:
        return payment  # recorded already (a replay, the other event of the pair): nothing to read again
    # Anyone can post a notification naming our payments' numbers, and each read is a call to HelloAsso:
    # one read per payment per NOTIFICATION_READ_SECONDS, NOTIFICATION_READS for all payments. One beyond
    # reads nothing: the read of a moment ago, the parent's return and the quarter-hourly read-back
    # (sync_open_checkouts) record it.
    key = f"payments:notification-read:{payment.pk}"
    if not cache.add(key, True, NOTIFICATION_READ_SECONDS):
        logger.info(
            "Notification for payment %s within %s s of the last read: not read again.",
            payment.pk,
            NOTIFICATION_READ_SECONDS,
        )
        return payment
    if not _notification_read_allowed():
        logger.warning(
            "Notification for payment %s: %s checkouts read on notifications in %s s already; not read now.",
            payment.pk,
            NOTIFICATION_READS,
            NOTIFICATION_READ_SECONDS,
        )
        cache.delete(key)  # the next notification for it, once the interval is over, reads
        return payment
    try:
        return sync_checkout(payment)
    except backends.PaymentError:
        cache.delete(key)  # not read: the provider's next sending reads
        raise


def _notification_read_allowed():
    """Whether the notifications' reads of all payments, in the current interval, are under NOTIFICATION_READS."""
    if NOTIFICATION_READ_SECONDS <= 0:
        return True
    key = "payments:notification-reads"
    cache.add(key, 0, NOTIFICATION_READ_SECONDS)  # the interval starts with its first read
    try:
        return cache.incr(key) <= NOTIFICATION_READS
    except ValueError:  # the interval ended between the two calls
        return True


def _checkout_id(data):
    """The checkout a notification names: an order's ``checkoutIntentId``, or a payment's order's."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), dict):
        return None
    found = data["data"].get("checkoutIntentId")
    if found is None and isinstance(data["data"].get("order"), dict):
        found = data["data"]["order"].get("checkoutIntentId")
    if isinstance(found, bool) or not isinstance(found, int | str) or not CHECKOUT_ID.fullmatch(str(found)):
        return None
    return str(int(found))


# How long an open checkout is read back (a notification lost, a tab closed); older, it is abandoned.
CHECKOUT_LIFETIME = datetime.timedelta(days=3)


def sync_open_checkouts(now=None):
    """Read back every checkout still open, so that a payment whose notification was lost is recorded anyway.

    Run every quarter of an hour (config/schedules.py). A checkout open longer than
    ``CHECKOUT_LIFETIME`` is marked abandoned (failed): it is read back a last time
    first, so money paid at the last minute is not missed. Returns
    ``(read, recorded, abandoned)``; a provider that cannot be read is tried again at
    the next run.
    """
    now = now or timezone.now()
    read = recorded = abandoned = 0
    open_checkouts = Payment.objects.filter(state=PaymentState.PENDING, method=Method.ONLINE).exclude(checkout_id="")
    for payment in open_checkouts.select_related("enrollment").order_by("recorded_at", "pk"):
        try:
            payment = sync_checkout(payment)
        except backends.PaymentError as error:
            logger.warning("Checkout of payment %s not read back: %s", payment.pk, error)
            continue
        read += 1
        if payment.state == PaymentState.RECEIVED:
            recorded += 1
        elif payment.state == PaymentState.PENDING and payment.recorded_at < now - CHECKOUT_LIFETIME:
            abandoned += Payment.objects.filter(pk=payment.pk, state=PaymentState.PENDING).update(
                state=PaymentState.FAILED
            )
    return read, recorded, abandoned


def queue():
    """The payments the secretariat must look at (money for a place released, more than due…)."""
    return Payment.objects.to_review().select_related("enrollment__child", "enrollment__offer")


# Reminders before a due date


def enrollments_due_on(day):
    """The places taken whose deposit or balance falls due on ``day`` and is not paid, each with its ``ledger``."""
    candidates = list(
        Enrollment.objects.filter(status__in=[EnrollmentStatus.VALIDATED, EnrollmentStatus.DEPOSIT_RECEIVED])
        .filter(Q(deposit_due_date=day) | Q(balance_due_date=day))
        .select_related("child", "offer")
        .in_arrival_order()
    )
    with_ledgers(candidates)
    return [enrollment for enrollment in candidates if (due := enrollment.ledger.next_due()) and due.due_date == day]


def due_soon_context(enrollment, due):
    """What the reminder « À régler avant le … » says: the deposit or the balance, how much, by when."""
    return {
        "enrollment": enrollment,
        "child": enrollment.child,
        "offer": enrollment.offer,
        "deposit": due.kind == DEPOSIT,
        "amount": formatting.euros(due.amount),
        "due_date": formatting.day_month(due.due_date),
    }


def send_due_reminders(today=None):
    """Remind every guardian, on their chosen channels, of what falls due in ``payment_reminder_days`` days.

    Run daily (config/schedules.py), by hand at times: runs may overlap. A reminder is
    claimed by a row unique per enrollment, amount's kind and date, so each due is
    reminded once whatever the runs. Returns how many enrollments were reminded.
    """
    days = ClubSettings.current().payment_reminder_days
    if not days:
        return 0
    day = (today or timezone.localdate()) + datetime.timedelta(days=days)
    reminded = 0
    for enrollment in enrollments_due_on(day):
        due = enrollment.ledger.next_due()
        with transaction.atomic():
            _, claimed = DueReminder.objects.get_or_create(enrollment=enrollment, kind=due.kind, due_date=due.due_date)
            if not claimed:
                continue
            context = due_soon_context(enrollment, due)
            for guardian in children_service.informed_guardians(enrollment.child):
                notify(guardian, "payment_due_soon", context)
        reminded += 1
    return reminded
