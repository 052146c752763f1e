"""An offer page on a phone (issue 13, item 14): one French time format, a call to action kept in sight."""

import datetime
import re

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from pages import formatting
from tests import dates
from tests.factories import ActivityPageFactory, StayPageFactory

pytestmark = pytest.mark.django_db

# « 09h00 », « 20h00 », « 9:00 »: the ways a time must no longer be written.
OTHER_TIME_FORMATS = re.compile(r"\b\d{1,2}(h\d{2}|:\d{2})\b")


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def page_text(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.mark.parametrize("kind", ["activity", "stay"])
def test_an_offer_page_writes_every_time_the_french_way(client, activity_index, stay_index, kind):
    opens, closes = (
        at(dates.today() - datetime.timedelta(days=10), 9),
        at(dates.today() + datetime.timedelta(days=20), 20, 30),
    )
    if kind == "activity":
        offer = ActivityPageFactory(parent=activity_index, registration_opens_at=opens, registration_closes_at=closes)
    else:
        offer = StayPageFactory(parent=stay_index, registration_opens_at=opens, registration_closes_at=closes)
    text = page_text(client.get(offer.url))
    assert not OTHER_TIME_FORMATS.search(text), OTHER_TIME_FORMATS.search(text)
    assert f"Ouverture des inscriptions {formatting.date_and_time(opens)}" in text
    assert f"Clôture des inscriptions {formatting.date_and_time(closes)}" in text
    assert "à 9\u00a0h" in text and "à 20\u00a0h\u00a030" in text


def test_date_and_time_is_the_day_then_the_time_of_day():
    assert formatting.date_and_time(at(datetime.date(2026, 6, 16), 9)) == "16\u00a0juin 2026 à 9\u00a0h"
    assert formatting.date_and_time(at(datetime.date(2027, 7, 1), 20, 5)) == "1er\u00a0juillet 2027 à 20\u00a0h\u00a005"


def test_an_offer_page_keeps_its_call_to_action_in_sight_on_a_phone(client, stay_index):
    offer = StayPageFactory(parent=stay_index)
    page = BeautifulSoup(client.get(offer.url).content, "html.parser")
    request_url = f"/espace-adherent/inscriptions/demande/?offre={offer.pk}"
    # A bar that sticks to the bottom of a phone's screen (site.css), outside the « En pratique »
    # box at the page's end: the request is one tap away from the first screen on.
    bar = page.find(class_="offer__cta-bar")
    assert bar is not None and bar.find_parent("aside") is None
    assert bar.find("a", href=request_url).get_text(strip=True) == "Demander l'inscription"
    # It says where registration stands, like the box.
    assert offer.registration_label in bar.get_text(" ", strip=True)
