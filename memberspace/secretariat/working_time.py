"""The secretariat's working time: the club promises a decision « jusqu'à 24 h hors week-end ».

Time counts on working days only, in Paris: weekends and French public holidays
(the ``holidays`` package, metropolitan France) are left out. Hours are real
hours: the days of a change of clock are Sundays, left out anyway, but an
interval given in UTC is converted before it is cut into local days.
"""

import datetime
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

PARIS = ZoneInfo("Europe/Paris")
# « jusqu'à 24 h hors week-end »: the delay the sign-up announcement promises.
PROMISE = datetime.timedelta(hours=24)


@cache
def _public_holidays():
    # Expands to any year asked for (``years`` grows on each lookup).
    return holidays.country_holidays("FR")


def is_working_day(day):
    """Whether ``day`` (a date) is neither a Saturday, a Sunday nor a French public holiday."""
    return day.weekday() < 5 and day not in _public_holidays()


def _midnight(day):
    return datetime.datetime.combine(day, datetime.time(), tzinfo=PARIS)


def between(start, end):
    """The working time from ``start`` to ``end`` (aware datetimes), a timedelta; zero if ``end`` comes first."""
    if end <= start:
        return datetime.timedelta(0)
    total = datetime.timedelta(0)
    day = start.astimezone(PARIS).date()
    last = end.astimezone(PARIS).date()
    while day <= last:
        if is_working_day(day):
            # Subtracting aware datetimes of different offsets counts real elapsed time.
            total += min(end, _midnight(day + datetime.timedelta(days=1))) - max(start, _midnight(day))
        day += datetime.timedelta(days=1)
    return total


def waited(since, now=None):
    """The working time since ``since`` (until ``now``, by default the current time)."""
    return between(since, now or timezone.now())


def past_promise(since, now=None):
    """Whether something waiting since ``since`` has waited longer than the promised 24 working hours."""
    return waited(since, now) > PROMISE


def in_words(delta):
    """« 30 heures ouvrées »: whole hours, rounded down."""
    count = int(delta // datetime.timedelta(hours=1))
    if count < 1:
        return _("moins d'une heure ouvrée")
    return ngettext("%(count)s heure ouvrée", "%(count)s heures ouvrées", count) % {"count": count}
