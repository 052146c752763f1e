"""The secretariat's daily list of the accounts waiting for validation: sent on working days only."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from memberspace.accounts import services as accounts
from memberspace.notifications.models import Notification
from tests.factories import ParentFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def paris(*args):
    return datetime.datetime(*args, tzinfo=PARIS)


def waiting_since(*dates):
    return [
        ParentFactory(pending=True, pending_since=since, first_name=name, last_name="Bernard")
        for name, since in zip(["Paul", "Sam"], dates, strict=False)
    ]


@pytest.fixture
def waiting(secretary):
    # Friday 27 November 2026 17:00 and Wednesday 25 November 2026 09:00 (before the weekend of the 28th)
    return waiting_since(paris(2026, 11, 27, 17), paris(2026, 11, 25, 9))


@pytest.mark.parametrize(
    "now",
    [
        paris(2026, 11, 28, 8),  # a Saturday
        paris(2026, 11, 29, 8),  # a Sunday
        paris(2026, 5, 1, 8),  # the 1st of May, a Friday
    ],
)
def test_no_digest_on_weekends_and_public_holidays(waiting, now):
    assert accounts.send_waiting_accounts_digest(now=now) == 0
    assert not Notification.objects.filter(kind="secretariat_waiting_accounts").exists()


def test_the_digest_goes_out_on_monday_with_the_waiting_time_in_working_hours(waiting, secretary):
    now = paris(2026, 11, 30, 8)  # Monday 30 November 2026, 08:00
    assert accounts.send_waiting_accounts_digest(now=now) == 2
    row = Notification.objects.get(kind="secretariat_waiting_accounts")
    assert row.user == secretary
    text = row.body_text
    # Paul: 7 h on Friday and 8 h on Monday, the weekend left out
    assert "Paul Bernard" in text and "en attente depuis 15 heures ouvrées" in text
    # Sam: 15 h on Wednesday, 24 h on Thursday, 24 h on Friday, 8 h on Monday
    assert "Sam Bernard" in text and "en attente depuis 71 heures ouvrées (délai de 24 h dépassé)" in text
    assert text.count("délai de 24 h dépassé") == 1
    assert "jour" not in text.replace("Bonjour", "")


def test_the_task_sends_the_digest_on_a_working_day_only(secretary, monkeypatch):
    from django.utils import timezone

    from memberspace.accounts import tasks

    # Thursday 30 April 2026 17:00 and Tuesday 28 April 2026 09:00, before the 1st of May (a Friday)
    waiting_since(paris(2026, 4, 30, 17), paris(2026, 4, 28, 9))
    monkeypatch.setattr(timezone, "now", lambda: paris(2026, 5, 1, 8).astimezone(datetime.UTC))
    assert tasks.send_waiting_accounts_digest() == 0
    monkeypatch.setattr(timezone, "now", lambda: paris(2026, 5, 4, 8).astimezone(datetime.UTC))
    assert tasks.send_waiting_accounts_digest() == 2  # Monday 4 May
    text = Notification.objects.get(kind="secretariat_waiting_accounts").body_text
    assert "Paul Bernard" in text and "en attente depuis 15 heures ouvrées" in text
