"""An annual activity's page states the members' priority window (réinscriptions), issue 15 item 5.

The public pages know nothing of the member area: the activity reads the club's settings as
the site's chrome keeps them (``pages.site_cache``), so the rule costs no query. The clock is
set: the season 2026-2027 opens to all on 15 June 2026 at 9 h, its window of 14 days started
on 1 June 2026 at 9 h.
"""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ActivityPageFactory, StayPageFactory, club_settings

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 9, 16)


def paris(*args):
    return timezone.make_aware(datetime.datetime(*args))


OPENS = paris(2026, 6, 15, 9)
RULE = (
    "Réinscriptions : à partir du 1er\u00a0juin 2026 à 9\u00a0h, les enfants inscrits la saison 2025-2026 "
    "demandent en priorité ; ouverture à tous le 15\u00a0juin 2026 à 9\u00a0h. Les demandes sont classées par "
    "ordre d'arrivée : celles des réinscriptions d'abord ; après l'ouverture à tous, une réinscription prend son "
    "rang à son arrivée, comme toute demande."
)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: paris(2026, 6, 2, 10))


@pytest.fixture
def club(home):
    return club_settings(priority_days=14, priority_for="members")


@pytest.fixture
def judo(activity_index, club):
    return ActivityPageFactory(
        parent=activity_index,
        title="Judo",
        season="2026-2027",
        start_date=START,
        end_date=START + datetime.timedelta(days=280),
        registration_opens_at=OPENS,
    )


def rule_of(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    found = BeautifulSoup(response.content, "html.parser").select(".offer__aside .priority-rule")
    return found[0].get_text(" ", strip=True) if found else None


def test_an_activity_states_its_priority_window(client, judo):
    assert rule_of(client, judo) == RULE


def test_with_families_the_rule_names_the_siblings(client, judo, club):
    club.priority_for = "families"
    club.save()
    assert "les enfants inscrits la saison 2025-2026 et leurs frères et sœurs demandent en priorité" in rule_of(
        client, judo
    )


def test_the_rule_follows_the_clubs_settings_at_once(client, judo, club):
    assert rule_of(client, judo) == RULE  # the site's chrome cached with the window
    club.priority_days = 0
    club.save()
    assert rule_of(client, judo) is None
    club.priority_days = 7
    club.save()
    assert rule_of(client, judo).startswith("Réinscriptions : à partir du 8\u00a0juin 2026 à 9\u00a0h, ")


def test_a_stay_states_no_window(client, stay_index, club):
    stay = StayPageFactory(
        parent=stay_index,
        registration_opens_at=OPENS,
        start_date=datetime.date(2026, 7, 10),
        end_date=datetime.date(2026, 7, 17),
    )
    assert rule_of(client, stay) is None


def test_no_rule_without_an_opening_date_or_once_registration_closed(client, activity_index, club):
    always_open = ActivityPageFactory(parent=activity_index, registration_opens_at=None, start_date=START)
    closed = ActivityPageFactory(
        parent=activity_index,
        registration_opens_at=paris(2026, 5, 1, 9),
        registration_closes_at=paris(2026, 6, 1, 9),
        start_date=START,
    )
    assert rule_of(client, always_open) is None
    assert rule_of(client, closed) is None


def test_the_rule_costs_no_query(client, judo, club):
    def warm_queries():
        client.get(judo.url)  # the site's chrome, cached again after the settings were saved
        with CaptureQueriesContext(connection) as queries:
            assert client.get(judo.url).status_code == 200
        return [query["sql"] for query in queries.captured_queries]

    with_window = warm_queries()
    club.priority_days = 0
    club.save()
    without = warm_queries()
    assert len(with_window) == len(without)
    assert not any("pages_clubsettings" in sql for sql in with_window)
