"""Dates the tests reckon from today, read when a test runs rather than when its module is imported.

A module-level ``TODAY = timezone.localdate()`` is read once, at collection. A run that crosses
midnight in Paris (23:00 UTC in winter) then compares the day before with the day the code under test
reads, and fails for no fault of the code: CI did, on the night of the 28th of November 2026.
"""

import datetime

from django.utils import timezone


def today():
    """The club's today (Europe/Paris), the one the code under test reads."""
    return timezone.localdate()


def offer_start():
    """When the tests' offers start: sixty days from today, later than every delay the club sets."""
    return today() + datetime.timedelta(days=60)


def years_before(day, years):
    """The same day ``years`` earlier; the 29th of February becomes the 28th in a year without one."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def eight_years_old():
    """The birth date of a child who turned eight ten days ago."""
    return years_before(today(), 8) - datetime.timedelta(days=10)
