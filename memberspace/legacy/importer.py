"""Import of the old member database's export (CSV or XLSX): ``manage.py import_legacy FILE``.

One line per child; the columns are documented in docs/legacy_import.md (their
headers are recognised whatever their case, accents or separators). The
import:

- upserts by the old database's number: running it twice changes nothing;
- reports every rejected line with its number and reason, and then writes
  nothing at all (all or nothing, per run); ``--dry-run`` writes nothing anyway;
- creates the children as "migrated", with no guardian, and keeps the legacy
  parents' names, emails, phones and address for the secretariat's matching;
- for a child already attached to an account, updates only what came from
  the old database (its contacts and past activities), never what the family
  maintains since.
"""

import csv
import datetime
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from memberspace.families.models import Child, ChildStatus, Sex
from memberspace.families.text import name_key
from memberspace.legacy.matching import bump_base_version
from memberspace.legacy.models import LegacyContact
from memberspace.legacy.signals import one_version_for_all
from memberspace.notifications import phones

COLUMNS = {
    "legacy_id": ["numero_adherent", "n_adherent", "no_adherent", "num_adherent", "numero", "id", "legacy_id"],
    "last_name": ["nom", "nom_enfant", "nom_de_l_enfant", "last_name"],
    "first_name": ["prenom", "prenom_enfant", "prenom_de_l_enfant", "first_name"],
    "birth_date": ["date_naissance", "date_de_naissance", "naissance", "ne_e_le", "birth_date"],
    "sex": ["sexe", "genre", "sex"],
    "parent1_last_name": ["parent1_nom", "nom_parent1", "responsable1_nom"],
    "parent1_first_name": ["parent1_prenom", "prenom_parent1", "responsable1_prenom"],
    "parent1_email": ["parent1_email", "parent1_mail", "email_parent1", "responsable1_email"],
    "parent1_phone": ["parent1_telephone", "parent1_tel", "telephone_parent1", "responsable1_telephone"],
    "parent2_last_name": ["parent2_nom", "nom_parent2", "responsable2_nom"],
    "parent2_first_name": ["parent2_prenom", "prenom_parent2", "responsable2_prenom"],
    "parent2_email": ["parent2_email", "parent2_mail", "email_parent2", "responsable2_email"],
    "parent2_phone": ["parent2_telephone", "parent2_tel", "telephone_parent2", "responsable2_telephone"],
    "address": ["adresse", "adresse_postale", "rue"],
    "postal_code": ["code_postal", "cp"],
    "city": ["ville", "commune"],
    "activities": ["activites", "activites_sejours", "activites_et_sejours", "historique"],
}
REQUIRED = ["legacy_id", "last_name", "first_name", "birth_date"]
DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%d/%m/%y", "%d-%m-%y", "%d%m%Y"]
SEX_VALUES = {
    "f": Sex.GIRL,
    "fille": Sex.GIRL,
    "feminin": Sex.GIRL,
    "m": Sex.BOY,
    "g": Sex.BOY,
    "garcon": Sex.BOY,
    "masculin": Sex.BOY,
    "": "",
}
OLDEST_BIRTH_YEAR = 1990
BATCH = 500


class LegacyFileError(Exception):
    """The file cannot be read at all (format, encoding, missing columns)."""


@dataclass
class ParsedRow:
    line: int
    child: dict
    contacts: list
    fingerprint: str


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list = field(default_factory=list)  # (line, legacy id, reason)
    warnings: list = field(default_factory=list)  # (line, message)
    dry_run: bool = False

    @property
    def written(self):
        return not self.dry_run and not self.rejected


# Reading


def header_key(text):
    return name_key(str(text or "")).replace(" ", "_")


def map_headers(headers):
    """Column index of each known column; raises if a required one is missing."""
    positions = {}
    keys = [header_key(header) for header in headers]
    for column, aliases in COLUMNS.items():
        for index, key in enumerate(keys):
            if key in aliases:
                positions[column] = index
                break
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        names = ", ".join(COLUMNS[column][0] for column in missing)
        raise LegacyFileError(_("Colonnes obligatoires absentes : %(names)s.") % {"names": names})
    return positions


def decode(data):
    """UTF-8 (with or without BOM), or the Windows-1252 of a French spreadsheet."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def read_rows(path):
    """``(headers, [(line number, values)])`` of a CSV or XLSX file."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises several kinds on a broken file
            raise LegacyFileError(_("Fichier XLSX illisible : %(error)s") % {"error": error}) from error
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        headers = next(rows, None) or []
        body = [
            (line, list(values))
            for line, values in enumerate(rows, start=2)
            if any(v not in (None, "") for v in values)
        ]
        workbook.close()
        return list(headers), body
    if path.suffix.lower() not in (".csv", ".txt"):
        raise LegacyFileError(_("Format non reconnu : donnez un fichier .csv ou .xlsx."))
    text = decode(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    headers = next(reader, [])
    body = [(reader.line_num, values) for values in reader if any(value.strip() for value in values)]
    return headers, body


# Parsing one line


def cell(values, positions, column):
    index = positions.get(column)
    if index is None or index >= len(values) or values[index] is None:
        return ""
    value = values[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, datetime.date | datetime.datetime) else " ".join(str(value).split())


def tidy_name(value):
    """Names typed in capitals in the old base get a usual case: "DUPONT-MARTIN" → "Dupont-Martin"."""
    return value.title() if value.isupper() else value


def parse_date(value, today):
    """The birth date of a cell, or ``ValueError`` saying why not, with the date as written.

    A four-digit year is taken as written: a date in the future is refused as such. Only a
    two-digit year ("12/03/16") has a century to choose: the one that does not put it in the future.
    """
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        parsed, written = value, value.strftime("%d/%m/%Y")
    else:
        parsed, written = None, value
        for date_format in DATE_FORMATS:
            try:
                parsed = datetime.datetime.strptime(value, date_format).date()
                break
            except ValueError:
                continue
        if parsed is None:
            raise ValueError(
                _("date de naissance illisible (« %(value)s ») : écrivez-la JJ/MM/AAAA") % {"value": value}
            )
        if "%y" in date_format and parsed > today:  # "12/03/16": the 2016 of a child, not 2116
            parsed = parsed.replace(year=parsed.year - 100)
    if parsed > today:
        raise ValueError(_("date de naissance dans le futur (%(date)s)") % {"date": written})
    if parsed.year < OLDEST_BIRTH_YEAR:
        raise ValueError(_("date de naissance invraisemblable (%(date)s)") % {"date": parsed.strftime("%d/%m/%Y")})
    return parsed


def parse_row(line, values, positions, today, warnings):
    """A ``ParsedRow``, or raises ``ValueError`` with the reason the line is rejected."""
    get = lambda column: cell(values, positions, column)  # noqa: E731
    legacy_id = str(get("legacy_id")).strip()
    if not legacy_id:
        raise ValueError(_("numéro d'adhérent manquant"))
    first_name, last_name = tidy_name(str(get("first_name"))), tidy_name(str(get("last_name")))
    if not first_name or not last_name:
        raise ValueError(_("nom ou prénom de l'enfant manquant"))
    if not get("birth_date"):
        raise ValueError(_("date de naissance manquante"))
    birth_date = parse_date(get("birth_date"), today)
    sex_value = name_key(str(get("sex")))
    if sex_value not in SEX_VALUES:
        raise ValueError(_("sexe « %(value)s » non reconnu (F ou M)") % {"value": get("sex")})

    postal_code = str(get("postal_code")).replace(" ", "")
    if postal_code.isdigit() and len(postal_code) == 4:  # a spreadsheet dropped the leading zero of 01000
        postal_code = "0" + postal_code
    address = {"address": str(get("address")), "postal_code": postal_code, "city": str(get("city"))}
    contacts = []
    for position in (1, 2):
        prefix = f"parent{position}_"
        email = str(get(prefix + "email")).lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                warnings.append((line, _("adresse e-mail « %(value)s » invalide, ignorée") % {"value": email}))
                email = ""
        raw_phone = str(get(prefix + "phone"))
        phone = phones.to_e164(raw_phone) or "" if raw_phone else ""
        if raw_phone and not phone:
            warnings.append((line, _("téléphone « %(value)s » illisible, ignoré") % {"value": raw_phone}))
        contact = {
            "position": position,
            "first_name": tidy_name(str(get(prefix + "first_name"))),
            "last_name": tidy_name(str(get(prefix + "last_name"))),
            "email": email,
            "phone": phone,
            **address,
        }
        if contact["first_name"] or contact["last_name"] or email or phone:
            contacts.append(contact)
    child = {
        "legacy_id": legacy_id,
        "first_name": first_name,
        "last_name": last_name,
        "birth_date": birth_date,
        "sex": SEX_VALUES[sex_value],
        "legacy_activities": str(get("activities")),
    }
    fingerprint = hashlib.sha256(
        json.dumps({"child": child, "contacts": contacts}, sort_keys=True, default=str).encode()
    ).hexdigest()
    return ParsedRow(line=line, child=child, contacts=contacts, fingerprint=fingerprint)


# Writing


def new_contact(child, data):
    return LegacyContact(child=child, last_name_key=name_key(data["last_name"]), **data)


def new_child(row):
    child = Child(**row.child, status=ChildStatus.MIGRATED, legacy_fingerprint=row.fingerprint)
    child.first_name_key, child.last_name_key = name_key(child.first_name), name_key(child.last_name)
    return child


def existing_children(legacy_ids):
    found = {}
    for start in range(0, len(legacy_ids), BATCH):
        chunk = legacy_ids[start : start + BATCH]
        found.update({child.legacy_id: child for child in Child.objects.filter(legacy_id__in=chunk)})
    return found


def import_file(path, *, dry_run=False, progress=None):
    """Read, check and (unless a line is rejected or ``dry_run``) write a legacy export."""
    progress = progress or (lambda iterable, **kwargs: iterable)
    headers, body = read_rows(path)
    positions = map_headers(headers)
    report = ImportReport(read=len(body), dry_run=dry_run)
    today = timezone.localdate()
    parsed, seen = [], {}
    for line, values in progress(body, desc=_("Lecture"), unit=_("ligne")):
        try:
            row = parse_row(line, values, positions, today, report.warnings)
        except ValueError as error:
            report.rejected.append((line, str(cell(values, positions, "legacy_id")), str(error)))
            continue
        if row.child["legacy_id"] in seen:
            report.rejected.append(
                (
                    line,
                    row.child["legacy_id"],
                    _("numéro déjà présent ligne %(line)s") % {"line": seen[row.child["legacy_id"]]},
                )
            )
            continue
        seen[row.child["legacy_id"]] = line
        parsed.append(row)

    existing = existing_children([row.child["legacy_id"] for row in parsed])
    to_create, to_update = [], []
    for row in parsed:
        child = existing.get(row.child["legacy_id"])
        if child is None:
            to_create.append(row)
        elif child.legacy_fingerprint == row.fingerprint:
            report.unchanged += 1
        else:
            to_update.append((child, row))
    report.created, report.updated = len(to_create), len(to_update)
    if report.rejected or dry_run:
        return report

    with transaction.atomic():
        created = []
        for start in progress(range(0, len(to_create), BATCH), desc=_("Création"), unit=_("lot")):
            created += Child.objects.bulk_create([new_child(row) for row in to_create[start : start + BATCH]])
        contacts = [
            new_contact(child, data) for child, row in zip(created, to_create, strict=True) for data in row.contacts
        ]
        for child, row in to_update:
            child.legacy_activities = row.child["legacy_activities"]
            child.legacy_fingerprint = row.fingerprint
            if child.status == ChildStatus.MIGRATED:  # not yet a family's: the old base is still its reference
                for name in ("first_name", "last_name", "birth_date", "sex"):
                    setattr(child, name, row.child[name])
                child.first_name_key, child.last_name_key = name_key(child.first_name), name_key(child.last_name)
            contacts += [new_contact(child, data) for data in row.contacts]
        fields = ["legacy_activities", "legacy_fingerprint", "first_name", "last_name", "birth_date", "sex"]
        Child.objects.bulk_update(
            [child for child, _row in to_update], fields + ["first_name_key", "last_name_key"], batch_size=BATCH
        )
        updated_ids = [child.pk for child, _row in to_update]
        with one_version_for_all():  # each contact deleted would move the version on (legacy.signals)
            for start in range(0, len(updated_ids), BATCH):
                LegacyContact.objects.filter(child_id__in=updated_ids[start : start + BATCH]).delete()
        LegacyContact.objects.bulk_create(contacts, batch_size=BATCH)
        bump_base_version()  # once for the run: the matching's suggestions are out of date
    return report
