"""An offer's roster: the children enrolled, for the secretariat, as CSV or XLSX.

The roster is a dataset of plain values; ``memberspace.secretariat.spreadsheets`` writes it
(French CSV, XLSX with numbers and dates, every text made safe from formula
injection). The team on site gets the emergency contact, whether the child may
leave alone and the image rights; health information is a yes/no flag: its content
stays on the child's page, for the secretariat.
"""

import phonenumbers
import tablib
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from memberspace.enrollments.models import Enrollment
from memberspace.families.models import Guardianship
from memberspace.notifications import phones
from memberspace.secretariat import spreadsheets
from pages.models import OfferPage, age_on


def roster_enrollments(offer):
    guardianships = Guardianship.objects.select_related("parent").order_by("created_at", "pk")
    return (
        Enrollment.objects.taken()
        .filter(offer=offer)
        .select_related("child")
        .prefetch_related(Prefetch("child__guardianships", queryset=guardianships))
        .order_by("child__last_name", "child__first_name", "pk")
    )


@spreadsheets.register("roster", model=OfferPage)
def roster(offer):
    """The roster of ``offer`` as a tablib Dataset (written by ``spreadsheets.render``)."""
    enrollments = list(roster_enrollments(offer))
    guardian_columns = max([len(e.child.guardianships.all()) for e in enrollments] + [1])
    headers = [_("Nom"), _("Prénom"), _("Date de naissance"), _("Âge au début")]
    for number in range(1, guardian_columns + 1):
        headers += [_("Responsable %(n)s") % {"n": number}, _("Téléphone %(n)s") % {"n": number}]
        headers += [_("E-mail %(n)s") % {"n": number}]
    # What the team on site needs: whom to call, whether the child may leave alone, may be photographed.
    headers += [_("Personne à prévenir"), _("Téléphone d'urgence"), _("Repart seul(e)"), _("Droit à l'image")]
    headers += [_("État"), _("Référence"), _("Acompte"), _("Acompte reçu le"), _("Informations de santé")]
    dataset = tablib.Dataset(headers=headers, title=str(_("Inscrits"))[:31])
    for enrollment in enrollments:
        child = enrollment.child
        row = [
            child.last_name,
            child.first_name,
            child.birth_date,
            age_on(child.birth_date, offer.start_date),
        ]
        guardians = [guardianship.parent for guardianship in child.guardianships.all()]
        for index in range(guardian_columns):
            parent = guardians[index] if index < len(guardians) else None
            row += [parent.get_full_name(), phone(parent.phone), parent.email] if parent else ["", "", ""]
        row += [
            child.emergency_contact_name,
            phone(child.emergency_contact_phone),
            yes_no(child.may_leave_alone),
            yes_no(child.image_rights_consent),
        ]
        received = enrollment.deposit_received_at and timezone.localdate(enrollment.deposit_received_at)
        row += [
            enrollment.get_status_display(),
            enrollment.reference,
            enrollment.deposit_amount,
            received or "",
            yes_no(child.health_notes.strip()),
        ]
        dataset.append(row)
    return dataset


def yes_no(value):
    return _("oui") if value else _("non")


def filename(offer):
    """The download's name, without its extension."""
    return f"inscrits-{slugify(offer.title)[:60]}-{timezone.localdate():%Y-%m-%d}"


def phone(value):
    """A phone as dialled from France: ``06 12 34 56 78``, ``00 32 470 12 34 56``.

    Never starting with ``+``, so a spreadsheet reads it as the number it is
    and ``spreadsheets`` has no quote to add; what is not a valid number stays
    as typed (and is neutralised there like any text).
    """
    number = phones.parse(value)
    if number is None:
        return value or ""
    return phonenumbers.format_out_of_country_calling_number(number, phones.DEFAULT_REGION)
