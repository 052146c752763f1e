"""Every spreadsheet the site hands out (CSV or XLSX) is written here, and only here.

An export is a function that returns a ``tablib.Dataset`` of plain values (text,
numbers, dates), registered with ``@register(name, model=...)`` in an app's ``exports`` module; ``render()`` turns
it into a file's bytes and ``response()`` into a download. Nothing else in the
code writes CSV or XLSX (a test reads the sources to keep it so), the Wagtail
admin's own downloads are neutralised here too (``protect_wagtail_exports``),
and the injection test runs every registered export, and every admin listing
that offers a download, with attack payloads in every free-text field.

Formula injection (OWASP, "CSV Injection"): a cell whose text starts with
``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed is a formula
to Excel or LibreOffice, in a CSV as in an XLSX (openpyxl even stores a text
starting with ``=`` as a formula). Every text cell that would start so, after
any leading spaces, is written with a single quote in front: it reads as text,
the payload visible rather than run. Numbers, amounts and dates are not text:
they are written as numbers and dates in the XLSX and in the French way in
the CSV (``-12,50``, ``31/12/2027``), never prefixed. Control characters that
an XLSX cannot hold are dropped rather than failing the whole export.

The CSV is the one French spreadsheets open as they are: semicolons, a UTF-8
byte order mark, amounts with a decimal comma.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

import tablib
from django.http import HttpResponse
from django.utils.module_loading import autodiscover_modules

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# What makes a cell a formula (OWASP), with their full-width forms, which some
# spreadsheets' input methods turn into the ASCII ones.
FORMULA_STARTS = "=+-@\uff1d\uff0b\uff0d\uff20"
CONTROL_STARTS = "\t\r\n"
QUOTE = "'"
# What an XLSX cannot hold (openpyxl refuses them): C0 controls but tab, line feed and carriage return.
UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Export:
    name: str
    model: type
    build: object  # callable(instance) -> tablib.Dataset


EXPORTS = {}


def register(name, *, model):
    """Register ``build(instance) -> Dataset`` as the export ``name`` of one ``model`` instance."""

    def decorator(build):
        EXPORTS[name] = Export(name=name, model=model, build=build)
        return build

    return decorator


def registered():
    """Every registered export: those of each installed app's ``exports`` module, as Django finds admin modules."""
    autodiscover_modules("exports")
    return dict(EXPORTS)


def neutralise(text):
    """``"=HYPERLINK(…)"`` → ``"'=HYPERLINK(…)"``: a text that cannot start a formula; other texts unchanged."""
    text = UNWRITABLE.sub("", text)
    first = text[:1]
    first_seen = text.lstrip(" \u00a0")[:1]
    if (first and first in CONTROL_STARTS) or (first_seen and first_seen in FORMULA_STARTS):
        return QUOTE + text
    return text


def cell(value, file_format):
    """A dataset's value as written in ``file_format``: safe text, or a number or date."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float | Decimal):
        if file_format == "csv":
            return f"{value:.2f}".replace(".", ",") if isinstance(value, Decimal) else str(value)
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        if file_format == "csv":
            return value.strftime("%d/%m/%Y %H:%M" if isinstance(value, datetime.datetime) else "%d/%m/%Y")
        return value
    return neutralise(str(value))


def safe(dataset, file_format):
    """A copy of ``dataset`` whose every cell, headers and title included, is safe to open in a spreadsheet."""
    headers = [cell(header, file_format) for header in dataset.headers] if dataset.headers else None
    title = neutralise(str(dataset.title or ""))[:31] or None
    copy = tablib.Dataset(headers=headers, title=title)
    for row in dataset:
        copy.append([cell(value, file_format) for value in row])
    return copy


def render(dataset, file_format):
    """The bytes of ``dataset`` as a ``file_format`` file ("csv" or "xlsx"), neutralised."""
    if file_format not in FORMATS:
        raise ValueError(f"Unknown spreadsheet format {file_format!r}")
    dataset = safe(dataset, file_format)
    if file_format == "csv":
        return ("\ufeff" + dataset.export("csv", delimiter=";")).encode("utf-8")
    return dataset.export("xlsx")


def protect_wagtail_exports():
    """Neutralise the cells of the Wagtail admin's own CSV/XLSX downloads (its reports, listings, redirects).

    Wagtail's ``SpreadsheetExportMixin`` turns an XLSX formula back into text but
    writes the CSV as it is, and the site history's labels carry families' names:
    every value it writes goes through ``cell()`` too. Called once, from
    ``MemberspaceConfig.ready``.
    """
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    original = SpreadsheetExportMixin.preprocess_field_value
    if getattr(original, "neutralised", False):
        return

    def preprocess_field_value(self, field, value, export_format):
        value = original(self, field, value, export_format)
        return neutralise(value) if isinstance(value, str) else value

    preprocess_field_value.neutralised = True
    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value


def response(dataset, file_format, filename):
    """A download of ``dataset`` named ``filename`` (without its extension)."""
    download = HttpResponse(render(dataset, file_format), content_type=FORMATS[file_format])
    download["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    return download
