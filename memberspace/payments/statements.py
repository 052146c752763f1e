"""Reading a bank statement file: CAMT.053, OFX, or CSV with the treasurer's column mapping.

Each reader turns the file's bytes into ``Line`` rows (a signed amount: credits are
positive) or raises ``StatementError`` with a French message saying what is wrong and,
when it can, where (« Ligne 7 : montant illisible « 12,5,0 » »). Nothing here touches
the database: ``reconciliation.import_statement`` stores and matches what is read.

The files come from a browser: they are refused past ``MAX_STATEMENT_BYTES``, and XML is
read without a DTD (a document declaring one is refused before parsing; pycamt's lxml
parser besides resolves no entity and opens no network connection). OFX 1 is SGML,
read by ofxtools' own tokenizer, which expands no entity either. A CSV cell is kept as
the text it is (« =cmd|… » stays that text, never evaluated).
"""

import csv
import datetime
import hashlib
import io
import logging
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree
from ofxtools.Parser import OFXTree
from pycamt.parser import Camt053ParseError, Camt053Parser

from memberspace import MemberspaceError
from memberspace.families.text import name_key

from .models import StatementFormat

logger = logging.getLogger(__name__)

MAX_STATEMENT_BYTES = 2 * 1024 * 1024  # a year of a club's account is a few hundred kilobytes
MAX_LINES = 5000
MAX_AMOUNT = Decimal("99999999.99")
CENT = Decimal("0.01")
SAMPLE_CHARS = 40  # of a cell quoted in an error message


class StatementError(MemberspaceError):
    """A statement file that cannot be read (translated, shown to the treasurer)."""


@dataclass(frozen=True)
class Line:
    booked_on: datetime.date
    amount: Decimal  # positive: money in (a credit); negative: a debit
    payer_name: str = ""
    reference: str = ""
    bank_id: str = ""
    account: str = ""
    booked: bool = True  # False: an entry the bank has not booked yet (pending, information)
    reversal: bool = False  # the bank taking back an earlier entry (a transfer returned)


def _sample(value):
    value = " ".join(str(value).split())
    return value if len(value) <= SAMPLE_CHARS else value[: SAMPLE_CHARS - 1] + "…"


def _clean(value, limit):
    """A text of the file as stored: whitespace collapsed, cut to ``limit``; never interpreted."""
    return " ".join(str(value or "").split())[:limit]


def read(data, statement_format, mapping=None):
    """The lines of the statement ``data`` (bytes) in ``statement_format``; ``mapping`` for a CSV."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise StatementError(
            _("Fichier trop volumineux : %(size)s Mo au plus.") % {"size": MAX_STATEMENT_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise StatementError(_("Le fichier est vide."))
    if statement_format == StatementFormat.CAMT053:
        lines = read_camt053(data)
    elif statement_format == StatementFormat.OFX:
        lines = read_ofx(data)
    elif statement_format == StatementFormat.CSV:
        lines = read_csv(data, mapping)
    else:
        raise StatementError(_("Format de relevé inconnu."))
    if not lines:
        raise StatementError(_("Aucune opération trouvée dans ce fichier : est-ce bien un relevé au format choisi ?"))
    if len(lines) > MAX_LINES:
        raise StatementError(_("Trop d'opérations : %(max)s au plus par fichier.") % {"max": MAX_LINES})
    return lines


def checksums(lines):
    """The checksum of each line, in order: the same line of the same statement always gets the same one.

    Two identical lines in one file (the same family paying twice the same day with the
    same text) are told apart by their rank among the identical ones, so both are kept;
    the same file read again gives the same ranks, hence the same checksums.
    """
    seen = Counter()
    sums = []
    for line in lines:
        key = "\x1f".join(
            [
                re.sub(r"\s+", "", line.account).upper(),
                line.booked_on.isoformat(),
                str(line.amount.quantize(CENT)),
                name_key(line.payer_name),
                name_key(line.reference),
                line.bank_id.strip(),
            ]
        )
        seen[key] += 1
        sums.append(hashlib.sha256(f"{key}\x1f{seen[key]}".encode()).hexdigest())
    return sums


def parse_amount(text):
    """« 1 234,56 », « -12.50 », « +150,00 € », « 1.234,56 » → Decimal; ValueError otherwise."""
    value = str(text).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("€", "")
    value = value.replace("EUR", "")
    if "," in value and "." in value:  # the last one separates the cents
        thousands = "." if value.rfind(",") > value.rfind(".") else ","
        value = value.replace(thousands, "")
    value = value.replace(",", ".")
    if not re.fullmatch(r"[+-]?\d+(\.\d{1,2})?", value):
        raise ValueError(text)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(text) from None
    if abs(amount) > MAX_AMOUNT:
        raise ValueError(text)
    return amount.quantize(CENT)


DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d")


def parse_date(text):
    value = str(text).strip()[:10]
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, date_format).date()  # noqa: DTZ007 (a day, no time)
        except ValueError:
            continue
    raise ValueError(text)


# CAMT.053 (ISO 20022), read by pycamt


def read_camt053(data):
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise StatementError(_("Ce fichier XML déclare une DTD ou des entités : un relevé CAMT.053 n'en a pas."))
    try:
        parser = Camt053Parser(data)
        if parser.version == "unknown" and "camt.05" not in str(parser.tree.tag):
            raise StatementError(_("Ce fichier XML n'est pas un relevé CAMT.053 (balise « Document » attendue)."))
        entries = parser.get_transactions()
    except etree.XMLSyntaxError as error:
        raise StatementError(_("Fichier XML illisible (%(error)s).") % {"error": _sample(error)}) from None
    except Camt053ParseError:
        raise StatementError(_("Aucun relevé (« Stmt ») dans ce fichier CAMT.053.")) from None
    except (AttributeError, TypeError, ValueError) as error:  # a document of another shape
        logger.info("CAMT.053 not read: %r", error)
        raise StatementError(_("Ce fichier XML n'a pas la forme d'un relevé CAMT.053.")) from None
    return [_camt_line(number, entry) for number, entry in enumerate(entries, start=1)]


def _camt_line(number, entry):
    try:
        amount = parse_amount(entry.get("Amount") or "")
        booked_on = parse_date(entry.get("BookingDate") or entry.get("ValueDate") or "")
    except ValueError:
        raise StatementError(
            _("Opération n° %(number)s : montant ou date illisible (« %(amount)s », « %(date)s »).")
            % {
                "number": number,
                "amount": _sample(entry.get("Amount") or ""),
                "date": _sample(entry.get("BookingDate") or ""),
            }
        ) from None
    if entry.get("CreditDebitIndicator") == "DBIT":
        amount = -abs(amount)
    reversal = str(entry.get("ReversalIndicator") or "").lower() == "true"
    texts = [
        entry.get("RemittanceInformationFull") or entry.get("RemittanceInformation"),
        entry.get("AdditionalRemittanceInformation"),
        entry.get("AdditionalEntryInformation"),
    ]
    end_to_end = entry.get("EndToEndId")
    if end_to_end and end_to_end != "NOTPROVIDED":
        texts.append(end_to_end)
    payer = entry.get("DebtorName") if amount > 0 else entry.get("CreditorName")
    return Line(
        booked_on=booked_on,
        amount=amount,
        payer_name=_clean(payer, 200),
        reference=_clean(" ".join(dict.fromkeys(text for text in texts if text)), 500),
        bank_id=_clean(entry.get("TransactionID"), 100),
        account=_clean(entry.get("AccountIBAN"), 50),
        booked=(entry.get("Status") or "BOOK") == "BOOK",
        reversal=reversal,
    )


# OFX (1.x SGML and 2.x XML), read by ofxtools


def read_ofx(data):
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise StatementError(_("Ce fichier déclare une DTD ou des entités : un relevé OFX n'en a pas."))
    try:
        tree = OFXTree()
        tree.parse(io.BytesIO(data))
        ofx = tree.convert()
        statements = list(ofx.statements)
    except Exception as error:  # noqa: BLE001 (ofxtools raises many kinds on a garbled file; none may become a 500)
        logger.info("OFX not read: %r", error)
        raise StatementError(
            _("Fichier OFX illisible : vérifiez qu'il s'agit bien du relevé exporté par la banque au format OFX.")
        ) from None
    lines = []
    for statement in statements:
        account = getattr(getattr(statement, "account", None), "acctid", "") or ""
        for transaction in statement.transactions:
            amount = Decimal(transaction.trnamt).quantize(CENT)
            texts = [transaction.name, transaction.memo]
            lines.append(
                Line(
                    booked_on=timezone.localtime(transaction.dtposted).date(),
                    amount=amount,
                    payer_name=_clean(transaction.name if amount > 0 else "", 200),
                    reference=_clean(" ".join(text for text in texts if text), 500),
                    bank_id=_clean(transaction.fitid, 100),
                    account=_clean(account, 50),
                )
            )
    return lines


# CSV, with the treasurer's mapping of its columns


@dataclass(frozen=True)
class CsvMapping:
    """Which column holds what: a column's title as in the file's first row, or its number (1 = the first).

    ``amount`` for one signed column; or ``credit`` (and ``debit``) for two columns.
    """

    date: str
    amount: str = ""
    credit: str = ""
    debit: str = ""
    payer: str = ""
    reference: str = ""

    def columns(self):
        return {name: value.strip() for name, value in vars(self).items() if value and value.strip()}


FIELD_LABELS = {
    "date": "date",
    "amount": "montant",
    "credit": "crédit",
    "debit": "débit",
    "payer": "émetteur",
    "reference": "libellé",
}
HEADER_SEARCH_ROWS = 30


def _decode(data):
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementError(_("Encodage du fichier non reconnu : enregistrez-le en UTF-8 ou en Windows-1252."))


def _dialect(text):
    sample = text[:8192]
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        return ";"  # French banks' default


def read_csv(data, mapping):
    if mapping is None or not mapping.date or not (mapping.amount or mapping.credit or mapping.debit):
        raise StatementError(_("Indiquez au moins les colonnes de la date et du montant (ou du crédit)."))
    if b"\x00" in data:
        raise StatementError(_("Ce fichier n'est pas un fichier texte CSV (un fichier Excel ? exportez-le en CSV)."))
    text = _decode(data)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text)))
    except csv.Error as error:
        raise StatementError(_("Fichier CSV illisible (%(error)s).") % {"error": _sample(error)}) from None
    columns, start = _locate(rows, mapping.columns())
    lines = []
    for number, row in enumerate(rows[start:], start=start + 1):
        line = _csv_line(number, row, columns)
        if line is not None:
            lines.append(line)
    return lines


def _locate(rows, wanted):
    """``{field: column index}`` and the index of the first data row."""
    by_number = {name: int(value) - 1 for name, value in wanted.items() if value.isdigit() and int(value) > 0}
    by_title = {name: name_key(value) for name, value in wanted.items() if name not in by_number}
    if not by_title:
        # Numbers only: the data start at the first row whose date is a date (titles, account lines before it).
        for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            if _cell(row, by_number["date"]) and _is_date(_cell(row, by_number["date"])):
                return by_number, index
        raise StatementError(
            _("Aucune date lisible dans la colonne %(column)s des %(rows)s premières lignes.")
            % {"column": by_number["date"] + 1, "rows": HEADER_SEARCH_ROWS}
        )
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        titles = [name_key(cell) for cell in row]
        if all(title in titles for title in by_title.values()):
            return {**by_number, **{name: titles.index(title) for name, title in by_title.items()}}, index + 1
    first = next((row for row in rows if any(cell.strip() for cell in row)), [])
    found = {name_key(cell) for cell in first}
    missing = [name for name, title in by_title.items() if title not in found] or list(by_title)
    raise StatementError(
        _("Colonne(s) introuvable(s) : %(missing)s. Titres lus sur la première ligne : %(titles)s.")
        % {
            "missing": ", ".join(f"« {wanted[name]} » ({FIELD_LABELS[name]})" for name in missing),
            "titles": ", ".join(f"« {_sample(cell)} »" for cell in first[:12]) or "—",
        }
    )


def _cell(row, index):
    return row[index].strip() if index is not None and index < len(row) else ""


def _is_date(value):
    try:
        parse_date(value)
    except ValueError:
        return False
    return True


def _csv_line(number, row, columns):
    """One row as a ``Line``; None for a row without a date (a blank line, a total, a balance)."""
    date_text = _cell(row, columns["date"])
    if not date_text:
        return None
    try:
        booked_on = parse_date(date_text)
    except ValueError:
        raise StatementError(
            _("Ligne %(number)s : date illisible « %(value)s » (attendu : 31/01/2027).")
            % {"number": number, "value": _sample(date_text)}
        ) from None
    amount = _csv_amount(number, row, columns)
    if amount is None:
        return None
    return Line(
        booked_on=booked_on,
        amount=amount,
        payer_name=_clean(_cell(row, columns.get("payer")), 200),
        reference=_clean(_cell(row, columns.get("reference")), 500),
    )


def _csv_amount(number, row, columns):
    """The row's signed amount; None when its amount cells are all empty."""

    def amount_of(field):
        value = _cell(row, columns.get(field))
        if not value:
            return None
        try:
            return parse_amount(value)
        except ValueError:
            raise StatementError(
                _("Ligne %(number)s : montant illisible « %(value)s » (colonne %(column)s).")
                % {"number": number, "value": _sample(value), "column": FIELD_LABELS[field]}
            ) from None

    if "amount" in columns:
        return amount_of("amount")
    credit, debit = amount_of("credit"), amount_of("debit")
    if credit:
        return abs(credit)
    if debit:
        return -abs(debit)
    return credit if credit is not None else debit
