"""The two catalogues: filters in the query string, cards, pagination, query counts."""

import datetime
import html

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.models import Weekday
from tests.factories import ActivityCategoryFactory, ActivityPageFactory, StayPageFactory

pytestmark = pytest.mark.django_db


def text(response):
    return html.unescape(response.content.decode())


def card_titles(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [title.get_text(strip=True) for title in soup.select(".card__title")]


@pytest.fixture
def activities(activity_index):
    sport = ActivityCategoryFactory(name="Sport", slug="sport")
    music = ActivityCategoryFactory(name="Musique", slug="musique")
    return {
        "judo": ActivityPageFactory(
            parent=activity_index,
            title="Judo",
            category=sport,
            min_age=5,
            max_age=9,
            slots=[(Weekday.MONDAY, "17:00", "18:00")],
        ),
        "foot": ActivityPageFactory(
            parent=activity_index,
            title="Football",
            category=sport,
            min_age=8,
            max_age=12,
            slots=[(Weekday.SATURDAY, "10:00", "11:30")],
        ),
        "guitar": ActivityPageFactory(
            parent=activity_index,
            title="Guitare",
            category=music,
            min_age=9,
            max_age=17,
            slots=[(Weekday.FRIDAY, "18:00", "19:00"), (Weekday.MONDAY, "18:00", "19:00")],
        ),
    }


@pytest.fixture
def stays(stay_index):
    return {
        "ski": StayPageFactory(
            parent=stay_index,
            title="Ski",
            holiday_period="hiver",
            min_age=8,
            max_age=13,
            start_date=datetime.date(2027, 2, 13),
            end_date=datetime.date(2027, 2, 20),
        ),
        "farm": StayPageFactory(
            parent=stay_index,
            title="Ferme",
            holiday_period="printemps",
            min_age=6,
            max_age=9,
            start_date=datetime.date(2027, 4, 17),
            end_date=datetime.date(2027, 4, 22),
        ),
        "mountain": StayPageFactory(
            parent=stay_index,
            title="Pyrénées",
            holiday_period="ete",
            min_age=12,
            max_age=16,
            start_date=datetime.date(2027, 7, 24),
            end_date=datetime.date(2027, 8, 4),
        ),
    }


def test_activity_catalogue_lists_everything_unfiltered(client, activities):
    response = client.get("/activites/")
    assert response.status_code == 200
    assert card_titles(response) == ["Guitare", "Football", "Judo"]  # by category, then title
    assert "3 résultats" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"age": "6"}, {"Judo"}),
        ({"age": "9"}, {"Judo", "Football", "Guitare"}),
        ({"age": "15"}, {"Guitare"}),
        ({"categorie": "sport"}, {"Judo", "Football"}),
        ({"jour": str(Weekday.MONDAY)}, {"Judo", "Guitare"}),
        ({"jour": str(Weekday.SATURDAY), "age": "8"}, {"Football"}),
        ({"categorie": "musique", "jour": str(Weekday.SATURDAY)}, set()),
    ],
)
def test_activity_filters_narrow_the_list(client, activities, query, expected):
    response = client.get("/activites/", query)
    titles = card_titles(response)
    assert set(titles) == expected
    assert len(titles) == len(set(titles)), "an activity with two matching slots is listed once"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"age": "abc"}, "Indiquez un âge en années, par exemple 8."),
        ({"age": "-3"}, "supérieure ou égale à 3"),
        ({"age": "99999999999999999999"}, "inférieure ou égale à 17"),
        ({"categorie": "inconnue"}, "Cette catégorie n'existe pas."),
        ({"jour": "9"}, "Choisissez un jour de la semaine dans la liste."),
        ({"jour": "lundi"}, "Choisissez un jour de la semaine dans la liste."),
    ],
)
def test_a_bad_filter_value_gives_the_unfiltered_list_and_a_message(client, activities, query, message):
    response = client.get("/activites/", query)
    assert response.status_code == 200
    assert set(card_titles(response)) == {"Judo", "Football", "Guitare"}
    assert message in text(response)


def test_a_bad_filter_does_not_cancel_the_good_ones(client, activities):
    response = client.get("/activites/", {"age": "abc", "categorie": "musique"})
    assert card_titles(response) == ["Guitare"]


def test_empty_result_message(client, activities):
    response = client.get("/activites/", {"categorie": "musique", "age": "5"})
    assert card_titles(response) == []
    assert "Aucune activité ne correspond à ces critères" in text(response)
    assert "Voir toute la liste" in text(response)


def test_cards_show_ages_slot_price_deposit_and_registration_state(client, activity_index):
    ActivityPageFactory(parent=activity_index, title="Ouvert", capacity=12)
    ActivityPageFactory(parent=activity_index, title="Bientôt", not_yet_open=True)
    ActivityPageFactory(parent=activity_index, title="Fermé", closed=True)
    soup = BeautifulSoup(client.get("/activites/").content, "html.parser")
    cards = {
        card.select_one(".card__title").get_text(strip=True): card.get_text(" ", strip=True)
        for card in soup.select(".card")
    }
    assert "12 places disponibles" in cards["Ouvert"]
    assert "Ouverture le" in cards["Bientôt"]
    assert "Inscriptions fermées" in cards["Fermé"]
    for text in cards.values():
        assert "de 6 à 10 ans" in text
        assert "Mercredi de 14\u00a0h à 15\u00a0h\u00a030" in text
        assert "450\u00a0€" in text
        assert "acompte 150\u00a0€" in text


def test_past_offers_are_not_listed(client, activity_index):
    ActivityPageFactory(
        parent=activity_index,
        title="Saison passée",
        start_date=datetime.date(2020, 9, 1),
        end_date=datetime.date(2021, 6, 30),
    )
    ActivityPageFactory(parent=activity_index, title="Saison en cours")
    assert card_titles(client.get("/activites/")) == ["Saison en cours"]


def test_unpublished_offers_are_not_listed(client, activity_index):
    ActivityPageFactory(parent=activity_index, title="Brouillon", live=False)
    assert card_titles(client.get("/activites/")) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Ski", "Ferme", "Pyrénées"]),
        ({"age": "8"}, ["Ski", "Ferme"]),
        ({"periode": "hiver"}, ["Ski"]),
        ({"periode": "ete", "age": "12"}, ["Pyrénées"]),
        ({"mois": "2027-08"}, ["Pyrénées"]),  # a stay across two months is found in both
        ({"mois": "2027-07"}, ["Pyrénées"]),
        ({"mois": "2027-04"}, ["Ferme"]),
    ],
)
def test_stay_filters(client, stays, query, expected):
    assert card_titles(client.get("/po-vacances/", query)) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"periode": "automne"}, "Choisissez une période de vacances dans la liste."),
        ({"mois": "2027-13"}, "Aucun séjour n'est proposé ce mois-là"),
        ({"mois": "2030-01"}, "Aucun séjour n'est proposé ce mois-là"),
        ({"age": "huit"}, "Indiquez un âge en années"),
    ],
)
def test_stay_bad_filters_are_ignored_with_a_message(client, stays, query, message):
    response = client.get("/po-vacances/", query)
    assert response.status_code == 200
    assert card_titles(response) == ["Ski", "Ferme", "Pyrénées"]
    assert message in text(response)


def test_stay_month_choices_come_from_the_stays(client, stays):
    soup = BeautifulSoup(client.get("/po-vacances/").content, "html.parser")
    months = [option["value"] for option in soup.select("select[name=mois] option") if option["value"]]
    assert months == ["2027-02", "2027-04", "2027-07", "2027-08"]


def test_stay_cards_show_dates_the_french_way(client, stays):
    page = text(client.get("/po-vacances/"))
    assert "Du 13 au 20\u00a0février 2027" in page
    assert "Du 24\u00a0juillet au 4\u00a0août 2027" in page


def test_pagination_keeps_the_filters(client, activity_index, settings):
    settings.CATALOGUE_PAGE_SIZE = 2
    judo = ActivityCategoryFactory()  # one category: the cards in title order (the factory's names sort as text)
    for number in range(5):
        ActivityPageFactory(parent=activity_index, title=f"Activité {number}", min_age=6, max_age=10, category=judo)
    ActivityPageFactory(parent=activity_index, title="Pour les grands", min_age=14, max_age=17)
    response = client.get("/activites/", {"age": "7"})
    assert card_titles(response) == ["Activité 0", "Activité 1"]
    assert "?age=7&amp;page=2" in response.content.decode()
    assert card_titles(client.get("/activites/", {"age": "7", "page": "3"})) == ["Activité 4"]
    # A page number out of range shows the last page, one that is no number the first: not an error.
    for past_the_end in ("99", "9" * 40):
        response = client.get("/activites/", {"age": "7", "page": past_the_end})
        assert card_titles(response) == ["Activité 4"]
        assert "5 résultats" in response.content.decode()
    for page, shown in (("abc", "first"), ("2.5", "first"), ("0", "last"), ("-1", "last")):  # as Django's paginator
        response = client.get("/activites/", {"age": "7", "page": page})
        assert card_titles(response) == {"first": ["Activité 0", "Activité 1"], "last": ["Activité 4"]}[shown]


def test_a_catalogue_page_reads_its_offers_and_their_total_in_one_query(client, activity_index, settings):
    settings.CATALOGUE_PAGE_SIZE = 2
    judo = ActivityCategoryFactory()
    for number in range(5):
        ActivityPageFactory(parent=activity_index, title=f"Activité {number}", category=judo)
    client.get("/activites/", {"page": "2"})
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/activites/", {"page": "2"})
    assert card_titles(response) == ["Activité 2", "Activité 3"]
    assert "5 résultats" in response.content.decode()
    offer_queries = [q["sql"] for q in queries if "activities_activitypage" in q["sql"]]
    assert len(offer_queries) == 1, offer_queries


def count_queries(client, url, cold_cache=False):
    client.get(url)  # warm: renditions generated, caches filled
    if cold_cache:
        cache.clear()  # as after a restart: cards and site rendered again, in constant queries too
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("kind", ["activities", "stays"])
def test_catalogue_query_count_does_not_grow_with_the_offers(client, activity_index, stay_index, kind):
    factory, parent, url = {
        "activities": (ActivityPageFactory, activity_index, "/activites/"),
        "stays": (StayPageFactory, stay_index, "/po-vacances/"),
    }[kind]
    for _ in range(5):
        factory(parent=parent, with_image=True)
    with_5 = count_queries(client, url)
    cold_5 = count_queries(client, url, cold_cache=True)
    for _ in range(55):
        factory(parent=parent, with_image=True)
    with_60 = count_queries(client, url)
    cold_60 = count_queries(client, url, cold_cache=True)
    assert with_5 == with_60
    assert cold_5 == cold_60
    assert with_60 <= cold_60 <= 15
    # Filters and later pages cost the same, but for the filter form's choices (kept whole for the
    # unfiltered page only).
    assert count_queries(client, url + "?age=8&page=2") <= with_60 + 1


def test_home_and_offer_pages_query_counts_are_constant(client, home, activity_index, stay_index):
    from home.models import HomeFeaturedActivity

    activities = [ActivityPageFactory(parent=activity_index, with_image=True) for _ in range(3)]
    for order, activity in enumerate(activities):
        HomeFeaturedActivity.objects.create(page=home, activity=activity, sort_order=order)
    stays = [StayPageFactory(parent=stay_index, with_image=True) for _ in range(4)]
    assert count_queries(client, "/") <= 15
    # Cards missing from the cache: their offers are read whole, one more query per list of cards.
    assert count_queries(client, "/", cold_cache=True) <= 17
    for offer in (activities[0], stays[0]):
        assert count_queries(client, offer.url) <= 12
        assert count_queries(client, offer.url, cold_cache=True) <= 12


def category_slugs(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [option["value"] for option in soup.select("select[name=categorie] option") if option["value"]]


def test_the_unfiltered_filter_form_is_kept_until_a_category_or_a_page_changes(client, activities):
    client.get("/activites/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/activites/")
    assert category_slugs(response) == ["musique", "sport"]
    assert not [q["sql"] for q in queries if 'FROM "activities_activitycategory"' in q["sql"]]
    chess = ActivityCategoryFactory(name="Danse", slug="danse")
    assert category_slugs(client.get("/activites/")) == ["danse", "musique", "sport"]
    chess.delete()
    assert category_slugs(client.get("/activites/")) == ["musique", "sport"]
    music = activities["guitar"].category
    music.name = "Éveil musical"
    music.save()
    assert "Éveil musical" in text(client.get("/activites/"))


def test_a_filtered_visit_shows_its_own_values_and_leaves_the_kept_form_blank(client, activities):
    client.get("/activites/")
    soup = BeautifulSoup(client.get("/activites/", {"age": "8", "categorie": "sport"}).content, "html.parser")
    assert soup.select_one("input[name=age]")["value"] == "8"
    assert soup.select_one("select[name=categorie] option[selected]")["value"] == "sport"
    assert soup.select_one(".filters__actions a").get_text(strip=True) == "Tout afficher"
    soup = BeautifulSoup(client.get("/activites/").content, "html.parser")
    assert not soup.select_one("input[name=age]").has_attr("value")
    assert soup.select_one("select[name=categorie] option[selected]")["value"] == ""
    assert soup.select_one(".filters__actions a") is None


def test_a_release_that_changes_the_filter_templates_shows_the_new_form_at_once(client, activities, monkeypatch):
    def category_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/activites/").status_code == 200
        return [q["sql"] for q in queries if 'FROM "activities_activitycategory"' in q["sql"]]

    monkeypatch.setattr("pages.catalogue.template_fingerprint", lambda *names: "release-1")
    category_queries()
    assert not category_queries()  # kept
    monkeypatch.setattr("pages.catalogue.template_fingerprint", lambda *names: "release-2")
    assert category_queries()  # rendered again from the new templates
