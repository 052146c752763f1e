"""Editors can only put each page type where it belongs."""

import pytest
from wagtail.models import Page

from activities.models import ActivityIndexPage, ActivityPage
from home.models import HomePage
from pages.models import OfferPage, StandardPage
from stays.models import StayIndexPage, StayPage
from tests.factories import ActivityPageFactory, StandardPageFactory, StayPageFactory

pytestmark = pytest.mark.django_db


def test_home_page_sits_at_the_root_only_once(home):
    root = Page.get_first_root_node()
    assert HomePage.allowed_parent_page_models() == [Page]
    assert not HomePage.can_create_at(root), "a second home page must be refused"


def test_home_page_children(home):
    assert set(HomePage.allowed_subpage_models()) == {StandardPage, ActivityIndexPage, StayIndexPage}
    assert StandardPage.can_create_at(home)
    assert ActivityIndexPage.can_create_at(home)
    assert StayIndexPage.can_create_at(home)
    assert not ActivityPage.can_create_at(home)
    assert not StayPage.can_create_at(home)


def test_one_catalogue_of_each_kind_per_home(activity_index, stay_index, home):
    assert not ActivityIndexPage.can_create_at(home)
    assert not StayIndexPage.can_create_at(home)


def test_offers_only_in_their_own_catalogue(activity_index, stay_index):
    assert ActivityPage.can_create_at(activity_index)
    assert not ActivityPage.can_create_at(stay_index)
    assert StayPage.can_create_at(stay_index)
    assert not StayPage.can_create_at(activity_index)
    assert not StandardPage.can_create_at(activity_index)
    assert not StandardPage.can_create_at(stay_index)


def test_offers_have_no_children(activity_index, stay_index):
    activity = ActivityPageFactory(parent=activity_index)
    stay = StayPageFactory(parent=stay_index)
    assert ActivityPage.allowed_subpage_models() == []
    assert StayPage.allowed_subpage_models() == []
    assert not StandardPage.can_create_at(activity)
    assert not StandardPage.can_create_at(stay)


def test_offer_page_base_is_never_created(home, activity_index, stay_index):
    assert not OfferPage.is_creatable
    for parent in (Page.get_first_root_node(), home, activity_index, stay_index):
        assert not OfferPage.can_create_at(parent)


def test_standard_pages_nest(home):
    page = StandardPageFactory(parent=home)
    assert StandardPage.can_create_at(page)
    assert not ActivityIndexPage.can_create_at(page)
