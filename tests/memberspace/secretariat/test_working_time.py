"""The secretariat's promise, « jusqu'à 24 h hors week-end »: waiting time counted in working hours."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from memberspace.secretariat import working_time

PARIS = ZoneInfo("Europe/Paris")


def paris(*args):
    return datetime.datetime(*args, tzinfo=PARIS)


def hours(delta):
    return delta / datetime.timedelta(hours=1)


def test_a_weekday_counts_every_hour():
    # Tuesday 10:00 → Wednesday 16:00, 2026-11-24/25
    assert hours(working_time.between(paris(2026, 11, 24, 10), paris(2026, 11, 25, 16))) == 30


def test_a_weekend_does_not_count():
    # Friday 27 November 2026, 18:00 → Monday 30 November, 10:00: 6 h on Friday, 10 h on Monday
    assert hours(working_time.between(paris(2026, 11, 27, 18), paris(2026, 11, 30, 10))) == 16


def test_a_sign_up_on_saturday_starts_counting_on_monday():
    assert hours(working_time.between(paris(2026, 11, 28, 9), paris(2026, 11, 30, 9))) == 9


def test_the_14th_of_july_does_not_count():
    # Monday 13 July 2026, 12:00 → Wednesday 15 July, 12:00: the 14th (a Tuesday) is a public holiday
    assert hours(working_time.between(paris(2026, 7, 13, 12), paris(2026, 7, 15, 12))) == 24


def test_easter_monday_does_not_count():
    # Friday 3 April 2026, 12:00 → Tuesday 7 April, 12:00: the weekend, then Easter Monday (6 April)
    assert hours(working_time.between(paris(2026, 4, 3, 12), paris(2026, 4, 7, 12))) == 24


def test_the_change_to_summer_time_is_counted_in_real_hours():
    # Summer time starts on Sunday 29 March 2026; Friday 12:00 → Monday 12:00 are 24 working hours,
    # whereas the calendar's 71 real hours less two 24-hour days would make 23.
    assert hours(working_time.between(paris(2026, 3, 27, 12), paris(2026, 3, 30, 12))) == 24
    # and the same in UTC, as the database gives them
    utc = datetime.UTC
    start = paris(2026, 3, 27, 12).astimezone(utc)
    end = paris(2026, 3, 30, 12).astimezone(utc)
    assert hours(working_time.between(start, end)) == 24


def test_the_change_back_to_winter_time_is_counted_in_real_hours():
    # Winter time starts on Sunday 25 October 2026
    assert hours(working_time.between(paris(2026, 10, 23, 12), paris(2026, 10, 26, 12))) == 24


def test_an_end_before_the_start_is_no_time():
    assert working_time.between(paris(2026, 11, 25, 12), paris(2026, 11, 24, 12)) == datetime.timedelta(0)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (datetime.date(2026, 11, 27), True),  # a Friday
        (datetime.date(2026, 11, 28), False),  # a Saturday
        (datetime.date(2026, 11, 29), False),  # a Sunday
        (datetime.date(2026, 11, 30), True),  # a Monday
        (datetime.date(2026, 5, 1), False),  # Fête du travail, a Friday
        (datetime.date(2026, 7, 14), False),
        (datetime.date(2026, 4, 6), False),  # lundi de Pâques
        (datetime.date(2027, 3, 29), False),  # lundi de Pâques 2027: years beyond the current one are known
    ],
)
def test_working_days(day, working):
    assert working_time.is_working_day(day) is working


def test_past_the_promise_after_24_working_hours():
    # Friday 27 November 2026, 17:00: 24 working hours later is Monday 30 November, 17:00
    since = paris(2026, 11, 27, 17)
    assert not working_time.past_promise(since, now=paris(2026, 11, 30, 16, 59))
    assert working_time.past_promise(since, now=paris(2026, 11, 30, 17, 1))


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (datetime.timedelta(minutes=20), "moins d'une heure ouvrée"),
        (datetime.timedelta(hours=1, minutes=50), "1 heure ouvrée"),
        (datetime.timedelta(hours=30), "30 heures ouvrées"),
    ],
)
def test_working_time_in_words(delta, text):
    assert working_time.in_words(delta) == text
