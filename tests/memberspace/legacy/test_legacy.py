"""The old database's import: CSV (UTF-8 or Windows-1252) and XLSX, upserts, all or nothing."""

import datetime
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from memberspace.families.models import Child, ChildStatus, Guardianship
from memberspace.legacy.importer import import_file
from memberspace.legacy.models import LegacyContact
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "legacy_sample.csv"


def run(path, *args):
    output = io.StringIO()
    call_command("import_legacy", str(path), "--no-progress", *args, stdout=output)
    return output.getvalue()


def snapshot():
    return sorted(
        Child.objects.values_list(
            "legacy_id", "first_name", "last_name", "birth_date", "sex", "status", "legacy_fingerprint"
        )
    ), sorted(LegacyContact.objects.values_list("child__legacy_id", "position", "email", "phone", "postal_code"))


def test_the_sample_imports(db):
    output = run(SAMPLE)
    assert "12 ligne(s) lue(s)" in output
    assert "Enfants : 12 ont été créé(s), 0 mis à jour, 0 inchangé(s), 0 ligne(s) refusée(s)." in output
    assert "Avertissement ligne 6 : téléphone « 06 1 2 » illisible, ignoré" in output
    assert Child.objects.filter(status=ChildStatus.MIGRATED).count() == 12
    assert not Guardianship.objects.exists()  # migrated children have no guardian
    lea = Child.objects.get(legacy_id="1001")
    assert (lea.first_name, lea.last_name, lea.birth_date, lea.sex) == (
        "Léa",
        "Dupont",
        datetime.date(2016, 3, 12),
        "F",
    )
    assert "Ski à Morzine" in lea.legacy_activities
    contacts = list(lea.legacy_contacts.values_list("first_name", "last_name", "email", "phone"))
    assert contacts == [
        ("Marie", "Dupont", "marie.dupont@exemple.fr", "+33612345678"),
        ("Pierre", "Dupont", "", "+33698765432"),
    ]
    # Formats of the old base: 3/4/15, 28.02.2017, "G", "féminin", a postal code that lost its leading zero.
    assert Child.objects.get(legacy_id="1005").birth_date == datetime.date(2015, 4, 3)
    assert Child.objects.get(legacy_id="1007").birth_date == datetime.date(2017, 2, 28)
    assert Child.objects.get(legacy_id="1003").sex == "M"
    assert Child.objects.get(legacy_id="1011").sex == "F"
    assert LegacyContact.objects.filter(child__legacy_id="1003").first().postal_code == "01000"
    assert Child.objects.get(legacy_id="1005").last_name == "Nguyen-Leroy"  # capitals tidied


def test_importing_twice_changes_nothing(db):
    run(SAMPLE)
    before = snapshot()
    output = run(SAMPLE)
    assert "0 ont été créé(s), 0 mis à jour, 12 inchangé(s)" in output
    assert snapshot() == before


def test_dry_run_writes_nothing(db):
    output = run(SAMPLE, "--dry-run")
    assert "12 seraient créé(s)" in output and "rien n'a été écrit" in output
    assert not Child.objects.exists()


def test_a_broken_row_is_reported_and_nothing_of_the_run_is_written(db, tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("05/09/2014", "31/02/2014")  # line 4: no such date
    lines[8] = lines[8].replace("1008;Petit;Chloé", "1008;;Chloé")  # line 9: no family name
    lines.append(lines[1])  # line 14: the same number again
    broken = tmp_path / "casse.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = io.StringIO()
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_legacy", str(broken), "--no-progress", stdout=output)
    report = output.getvalue()
    assert "Refusée ligne 4 (n° 1003) : date de naissance illisible (« 31/02/2014 »)" in report
    assert "Refusée ligne 9 (n° 1008) : nom ou prénom de l'enfant manquant" in report
    assert "Refusée ligne 14 (n° 1001) : numéro déjà présent ligne 2" in report
    assert not Child.objects.exists()


def test_windows_1252_csv_from_a_french_spreadsheet(db, tmp_path):
    path = tmp_path / "export-excel.csv"
    path.write_bytes(SAMPLE.read_text(encoding="utf-8").replace("\n", "\r\n").encode("cp1252"))
    run(path)
    assert Child.objects.get(legacy_id="1001").first_name == "Léa"
    assert Child.objects.get(legacy_id="1006").first_name == "Côme"


def test_comma_separated_utf8_with_bom(db, tmp_path):
    import csv

    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path = tmp_path / "virgules.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    run(path)
    assert Child.objects.count() == 12


def test_xlsx(db, tmp_path):
    import csv

    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(rows[0])
    for row in rows[1:]:
        values = list(row)
        values[0] = int(values[0])  # numbers as numbers
        if values[0] == 1001:
            values[3] = datetime.datetime(2016, 3, 12)  # a real date cell
        if values[0] == 1003:
            values[14] = 1000  # the postal code as a number, leading zero lost
        sheet.append(values)
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    output = run(path)
    assert "12 ont été créé(s)" in output
    assert Child.objects.get(legacy_id="1001").birth_date == datetime.date(2016, 3, 12)
    assert LegacyContact.objects.filter(child__legacy_id="1003").first().postal_code == "01000"


def test_a_changed_line_updates_and_an_attached_child_keeps_its_familys_details(db, tmp_path):
    run(SAMPLE)
    hugo = Child.objects.get(legacy_id="1002")
    hugo.first_name = "Hugo-Paul"  # the family corrected it since
    hugo.status = ChildStatus.ACTIVE
    hugo.save()
    Guardianship.objects.create(child=hugo, parent=UserFactory(), relationship="mere")
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace("Multisports 2024-2025", "Multisports 2024-2025, Judo 2025-2026")
    text = text.replace("1004;Martin;Emma", "1004;Martin;Emmy")
    changed = tmp_path / "v2.csv"
    changed.write_text(text, encoding="utf-8")
    output = run(changed)
    assert "0 ont été créé(s), 2 mis à jour, 10 inchangé(s)" in output
    hugo.refresh_from_db()
    assert hugo.first_name == "Hugo-Paul" and "Judo 2025-2026" in hugo.legacy_activities
    assert hugo.status == ChildStatus.ACTIVE
    assert Child.objects.get(legacy_id="1004").first_name == "Emmy"  # still migrated: the old base rules


def test_missing_columns_and_unknown_formats_are_explained(db, tmp_path):
    path = tmp_path / "mauvais.csv"
    path.write_text("nom;prenom\nDupont;Léa\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Colonnes obligatoires absentes : numero_adherent, date_naissance"):
        run(path)
    other = tmp_path / "export.ods"
    shutil.copy(SAMPLE, other)
    with pytest.raises(CommandError, match="Format non reconnu"):
        run(other)


def test_import_file_reports_counts(db):
    report = import_file(SAMPLE)
    assert (report.read, report.created, report.updated, report.unchanged) == (12, 12, 0, 0)
    assert report.written


def test_a_birth_date_in_the_future_is_refused_as_such_with_the_date_as_written(db, tmp_path):
    """« 01/01/2030 » is a date in the future, not 1930 (issue 13, item 7); a two-digit year takes the past century."""
    next_year = timezone.localdate().year + 1
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines[11] = lines[11].replace(lines[11].split(";")[3], f"01/01/{next_year}")  # line 12
    lines[4] = lines[4].replace(lines[4].split(";")[3], f"{next_year}-06-15")  # line 5
    broken = tmp_path / "futur.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = io.StringIO()
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_legacy", str(broken), "--no-progress", stdout=output)
    report = output.getvalue()
    assert f"ligne 12 (n° {lines[11].split(';')[0]}) : date de naissance dans le futur (01/01/{next_year})" in report
    assert f"ligne 5 (n° {lines[4].split(';')[0]}) : date de naissance dans le futur ({next_year}-06-15)" in report
    assert "invraisemblable" not in report
    assert not Child.objects.exists()


@pytest.mark.parametrize(
    ("written", "expected"),
    [("12/03/16", datetime.date(2016, 3, 12)), ("3/4/15", datetime.date(2015, 4, 3))],
)
def test_a_two_digit_year_is_read_in_the_century_that_puts_it_in_the_past(written, expected):
    from memberspace.legacy.importer import parse_date

    assert parse_date(written, datetime.date(2026, 11, 27)) == expected


def test_a_two_digit_year_in_the_future_this_century_is_read_a_century_earlier(db):
    from memberspace.legacy.importer import parse_date

    with pytest.raises(ValueError, match=r"invraisemblable \(01/12/1926\)"):
        parse_date("01/12/26", datetime.date(2026, 11, 27))


def test_an_import_computes_the_waiting_accounts_suggestions_once(db):
    """After an import, the pending accounts' stored suggestions are computed; their pages only read them."""
    from memberspace.accounts.models import AccountStatus
    from memberspace.legacy.models import AccountSuggestions
    from memberspace.legacy.stored import account_signature

    waiting = UserFactory(account_status=AccountStatus.PENDING, club_message="", phone="", postal_code="")
    UserFactory(account_status=AccountStatus.VALIDATED, club_message="", phone="", postal_code="")
    output = run(SAMPLE)
    assert "Suggestions recalculées pour 1 compte(s) en attente de validation." in output
    stored = AccountSuggestions.objects.get()
    assert stored.account_id == waiting.pk and stored.signature == account_signature(waiting)
    assert "Suggestions recalculées" not in run(SAMPLE)  # nothing changed: nothing to compute


@pytest.mark.parametrize("changed", [1, 12])
def test_a_reimport_moves_the_base_version_on_once_however_many_lines_changed(db, tmp_path, changed):
    """Each changed line's old contacts are deleted: the version is moved on once for the run, not per contact."""
    run(SAMPLE)
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    for number in range(1, changed + 1):
        lines[number] += ", Théâtre 2026-2027"
    second = tmp_path / "second.csv"
    second.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with CaptureQueriesContext(connection) as queries:
        output = run(second)
    assert f"{changed} mis à jour" in output
    bumps = [query["sql"] for query in queries if "legacy_baseversion" in query["sql"] and "UPDATE" in query["sql"]]
    assert len(bumps) == 1
