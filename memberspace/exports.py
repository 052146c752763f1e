"""An offer's roster: the children enrolled, for the secretariat, as CSV or XLSX (tablib).

The CSV is the one French spreadsheets open as they are: semicolons, a UTF-8
byte order mark, amounts with a decimal comma. The XLSX keeps amounts and
dates as numbers and dates. Health information is a yes/no flag: its content
stays on the child's page.
"""

import tablib
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from memberspace import phones
from memberspace.models import Enrollment, Guardianship
from pages.models import age_on

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def roster_enrollments(offer):
    guardianships = Guardianship.objects.select_related("parent").order_by("created_at", "pk")
    return (
        Enrollment.objects.taken()
        .filter(offer=offer)
        .select_related("child")
        .prefetch_related(Prefetch("child__guardianships", queryset=guardianships))
        .order_by("child__last_name", "child__first_name", "pk")
    )


def roster(offer, file_format):
    """The roster of ``offer`` as a tablib Dataset laid out for ``file_format`` ("csv" or "xlsx")."""
    enrollments = list(roster_enrollments(offer))
    guardian_columns = max([len(e.child.guardianships.all()) for e in enrollments] + [1])
    headers = [_("Nom"), _("Prénom"), _("Date de naissance"), _("Âge au début")]
    for number in range(1, guardian_columns + 1):
        headers += [_("Responsable %(n)s") % {"n": number}, _("Téléphone %(n)s") % {"n": number}]
        headers += [_("E-mail %(n)s") % {"n": number}]
    headers += [_("État"), _("Référence"), _("Acompte"), _("Acompte reçu le"), _("Informations de santé")]
    dataset = tablib.Dataset(headers=headers, title=str(_("Inscrits"))[:31])
    as_text = file_format == "csv"
    for enrollment in enrollments:
        child = enrollment.child
        row = [
            child.last_name,
            child.first_name,
            _date(child.birth_date, as_text),
            age_on(child.birth_date, offer.start_date),
        ]
        guardians = [guardianship.parent for guardianship in child.guardianships.all()]
        for index in range(guardian_columns):
            parent = guardians[index] if index < len(guardians) else None
            row += [parent.get_full_name(), phones.display(parent.phone), parent.email] if parent else ["", "", ""]
        received = enrollment.deposit_received_at and timezone.localdate(enrollment.deposit_received_at)
        row += [
            enrollment.get_status_display(),
            enrollment.reference,
            _amount(enrollment.deposit_amount, as_text),
            _date(received, as_text) if received else "",
            _("oui") if child.health_notes.strip() else _("non"),
        ]
        dataset.append(row)
    return dataset


def export(dataset, file_format):
    """The file's bytes."""
    if file_format == "csv":
        return ("\ufeff" + dataset.export("csv", delimiter=";")).encode("utf-8")
    return dataset.export("xlsx")


def filename(offer, file_format):
    return f"inscrits-{slugify(offer.title)[:60]}-{timezone.localdate():%Y-%m-%d}.{file_format}"


def _date(value, as_text):
    return value.strftime("%d/%m/%Y") if as_text and value else value


def _amount(value, as_text):
    if value is None:
        return ""
    return f"{value:.2f}".replace(".", ",") if as_text else value
