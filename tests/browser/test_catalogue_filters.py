"""The catalogue's filters on a phone, in headless Chromium: the back button shows the whole list
with a blank form, never the previous filter's values beside an unfiltered list."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import ActivityCategoryFactory, ActivityIndexPageFactory, ActivityPageFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_back_from_a_filtered_list_shows_the_whole_list_and_a_blank_form(new_page, live_site):
    index = ActivityIndexPageFactory(parent=live_site, slug="activites")
    sport, music = ActivityCategoryFactory(name="Sport", slug="sport"), ActivityCategoryFactory(name="Musique")
    ActivityPageFactory(parent=index, title="Judo", category=sport, min_age=6, max_age=10)
    ActivityPageFactory(parent=index, title="Guitare", category=music, min_age=6, max_age=10)
    ActivityPageFactory(parent=index, title="Théâtre ados", category=music, min_age=13, max_age=17)
    page = new_page()
    page.goto("/activites/")
    expect(page.locator(".results-count")).to_have_text("3 résultats")
    page.get_by_label("Âge de l'enfant").fill("8")
    page.get_by_label("Catégorie").select_option("sport")
    page.locator("form.filters").get_by_role("button", name="Filtrer").click()
    expect(page.locator(".results-count")).to_have_text("1 résultat")
    expect(page.locator(".card__title")).to_have_text(["Judo"])

    page.go_back()
    expect(page).to_have_url(re.compile(r"/activites/$"))
    expect(page.locator(".results-count")).to_have_text("3 résultats")
    expect(page.get_by_label("Âge de l'enfant")).to_have_value("")
    expect(page.get_by_label("Catégorie")).to_have_value("")

    page.go_forward()
    expect(page.locator(".results-count")).to_have_text("1 résultat")
    expect(page.get_by_label("Âge de l'enfant")).to_have_value("8")
    expect(page.get_by_label("Catégorie")).to_have_value("sport")
