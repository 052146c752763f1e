"""Offer cards are cached, and never stale: every change they show makes a new key."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.utils import timezone

from activities.models import ActivityPage
from pages.cards import render_offer_cards
from tests.factories import ActivityPageFactory, ImageFactory

pytestmark = pytest.mark.django_db


def card_text(client, url="/activites/"):
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    return [card.get_text(" ", strip=True) for card in soup.select(".card")]


def test_cards_are_served_from_the_cache(activity_index, django_assert_num_queries):
    offer = ActivityPageFactory(parent=activity_index, title="Judo", with_image=True)
    first = render_offer_cards(ActivityPage.card_queryset().filter(pk=offer.pk))
    offers = list(ActivityPage.card_queryset().filter(pk=offer.pk))
    with django_assert_num_queries(0):  # no slot, image or rendition query for a cached card
        again = render_offer_cards(offers)
    assert again == first


def test_offers_read_for_their_keys_only_are_read_whole_once_for_the_missing_cards(
    activity_index, django_assert_num_queries
):
    offers = [ActivityPageFactory(parent=activity_index, with_image=True, capacity=9) for _ in range(3)]
    pks = [offer.pk for offer in offers]
    whole = render_offer_cards(ActivityPage.card_queryset().filter(pk__in=pks).order_by("pk"))
    cache.clear()
    keys_only = list(ActivityPage.card_key_queryset().filter(pk__in=pks).order_by("pk"))
    assert all("intro" in offer.get_deferred_fields() for offer in keys_only)
    # The offers read whole, their slots, their images' renditions, and Wagtail's site paths for
    # their links (gone with the cache): four queries for the three cards.
    with django_assert_num_queries(4):
        rendered = render_offer_cards(keys_only)
    assert rendered == whole
    assert "9 places disponibles" in rendered[0]
    with django_assert_num_queries(0):
        assert render_offer_cards(keys_only) == whole


def test_a_republished_offer_shows_its_new_content(client, activity_index):
    offer = ActivityPageFactory(parent=activity_index, title="Judo", place="Dojo")
    assert "Dojo" in card_text(client)[0]
    offer.place = "Gymnase Jean-Moulin"
    offer.save_revision().publish()
    assert "Gymnase Jean-Moulin" in card_text(client)[0]


def test_the_registration_state_follows_the_clock(client, activity_index, monkeypatch):
    opens = timezone.now() + datetime.timedelta(hours=1)
    ActivityPageFactory(parent=activity_index, registration_opens_at=opens, capacity=7)
    assert "Ouverture le" in card_text(client)[0]
    later = timezone.now() + datetime.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "7 places disponibles" in card_text(client)[0]


def test_a_replaced_image_file_shows(client, activity_index):
    image = ImageFactory()
    ActivityPageFactory(parent=activity_index, image=image)
    old_src = BeautifulSoup(client.get("/activites/").content, "html.parser").select_one(".card img")["src"]
    # What Wagtail's image editor does when an editor uploads a new file.
    image.file = ImageFactory.build().file
    image.save()
    image.renditions.all().delete()
    new_src = BeautifulSoup(client.get("/activites/").content, "html.parser").select_one(".card img")["src"]
    assert new_src != old_src


def test_a_renamed_category_shows(client, activity_index):
    offer = ActivityPageFactory(parent=activity_index)
    card_text(client)
    offer.category.name = "Arts du cirque"
    offer.category.save()
    assert "Arts du cirque" in card_text(client)[0]
