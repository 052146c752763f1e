"""French formatting of money, dates and ages, shared by templates, emails and exports."""

from decimal import Decimal

from django.utils import formats, timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

NBSP = "\u00a0"


def euros(amount):
    """``Decimal("1250")`` → ``"1 250 €"``; ``Decimal("12.5")`` → ``"12,50 €"``."""
    if amount is None or amount == "":
        return ""
    amount = Decimal(amount)
    decimals = 0 if amount == amount.to_integral_value() else 2
    number = formats.number_format(amount, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    return f"{number}{NBSP}€"


def day_month(day, with_year=True):
    """``date(2027, 7, 1)`` → ``"1er juillet 2027"``."""
    text = format_date(day, "F Y" if with_year else "F")
    number = _("1er") if day.day == 1 else str(day.day)
    return f"{number}{NBSP}{text}"


def date_range(start, end):
    """``"du 12 au 19 juillet 2027"``, ``"du 28 juillet au 5 août 2027"``, ``"le 3 mars 2027"``."""
    if not start or not end:
        return ""
    if start == end:
        return _("le %(day)s") % {"day": day_month(start)}
    if (start.year, start.month) == (end.year, end.month):
        first = _("1er") if start.day == 1 else str(start.day)
    elif start.year == end.year:
        first = day_month(start, with_year=False)
    else:
        first = day_month(start)
    return _("du %(start)s au %(end)s") % {"start": first, "end": day_month(end)}


def age_range(min_age, max_age):
    if min_age == max_age:
        return ngettext("%(age)d an", "%(age)d ans", min_age) % {"age": min_age}
    return _("de %(min)d à %(max)d ans") % {"min": min_age, "max": max_age}


def time_of_day(value):
    """``time(14, 30)`` → ``"14 h 30"``, ``time(9, 0)`` → ``"9 h"`` (French typography)."""
    if value.minute:
        return f"{value.hour}{NBSP}h{NBSP}{value.minute:02d}"
    return f"{value.hour}{NBSP}h"


def date_and_time(value):
    """An aware datetime, in the club's time zone: ``"16 juin 2026 à 9 h"``, ``"1er juillet 2027 à 20 h 30"``."""
    if not value:
        return ""
    value = timezone.localtime(value)
    return _("%(day)s à %(time)s") % {"day": day_month(value.date()), "time": time_of_day(value.time())}


def ordinal(number, feminine=False):
    """``1`` → ``"1er"`` (``"1re"`` for a feminine noun), ``57`` → ``"57e"``."""
    if number == 1:
        return _("1re") if feminine else _("1er")
    return _("%(number)se") % {"number": number}


def names_list(names):
    """``["Léa", "Hugo", "Tom"]`` → ``"Léa, Hugo et Tom"``."""
    names = [str(name) for name in names]
    if len(names) < 2:
        return "".join(names)
    return _("%(names)s et %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


def email_address(address):
    """An e-mail address as HTML that wraps at its « @ » if it must, never mid-word (``.email-address``)."""
    local, at, domain = (address or "").rpartition("@")
    if not at:
        return format_html('<span class="email-address">{}</span>', address or "—")
    return format_html('<span class="email-address">{}<wbr>@{}</span>', local, domain)
