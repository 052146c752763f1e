"""The whole-page cache for anonymous visitors: what it keeps, what it never keeps, when it forgets."""

import datetime
import time
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from memberspace.enrollments import services as enrollments
from memberspace.families.models import Child, Guardianship
from pages import page_cache
from pages.page_cache import GENERATION_KEY, AnonymousPageCacheMiddleware, local_pages, page_key
from tests.factories import StayPageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60
    local_pages.reset()
    yield
    local_pages.reset()


def text(response):
    return unescape(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


@pytest.fixture
def stay(stay_index, client):
    start = timezone.localdate() + datetime.timedelta(days=60)
    stay = StayPageFactory(parent=stay_index, title="Voile", capacity=2, start_date=start, end_date=start)
    client.get("/")  # the club's settings are created on the first visit (which starts a new generation)
    return stay


def test_an_anonymous_visitor_gets_the_kept_page_without_a_query(client, stay):
    first = client.get(stay.url)
    assert first["X-Page-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = client.get(stay.url)
    assert second["X-Page-Cache"] == "hit" and len(queries) == 0
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert second["X-Content-Type-Options"] == "nosniff"


def test_a_page_is_kept_one_minute_at_most(client, stay):
    client.get(stay.url)
    key = cache.make_key(page_key(RequestFactory().get(stay.url)))
    expires_in = cache._expire_info[key] - time.time()  # LocMemCache's own record of the timeout
    assert 55 < expires_in <= 60


def test_publishing_a_change_shows_at_once(client, stay):
    client.get(stay.url)
    stay.intro = "Nouveau programme : trois jours de plus."
    stay.save_revision().publish()
    response = client.get(stay.url)
    assert response["X-Page-Cache"] == "miss" and "Nouveau programme" in text(response)


def test_a_validated_enrollment_updates_the_places_left_at_once(
    client, stay, secretary, django_capture_on_commit_callbacks
):
    assert "2 places disponibles" in text(client.get(stay.get_parent().url))
    assert "2 places disponibles" in text(client.get(stay.url))
    parent = UserFactory(account_status="validated")
    EmailAddress.objects.create(user=parent, email=parent.email, verified=True, primary=True)
    child = Child.objects.create(first_name="Léa", last_name="Martin", birth_date=stay.start_date.replace(year=2018))
    Guardianship.objects.create(child=child, parent=parent, relationship="mere")
    (request,) = enrollments.request_enrollments(parent, offer=stay, children=[child])
    assert "2 places disponibles" in text(client.get(stay.url))  # a request takes no place
    with django_capture_on_commit_callbacks(execute=True):  # the page cache forgets once the change is committed
        enrollments.validate(request, by=secretary)
    assert "1 place disponible" in text(client.get(stay.url))
    assert "1 place disponible" in text(client.get(stay.get_parent().url))
    with django_capture_on_commit_callbacks(execute=True):
        enrollments.cancel_by_staff(request, by=secretary)
    assert "2 places disponibles" in text(client.get(stay.url))


def test_a_signed_in_visitor_is_never_served_nor_kept(client, stay):
    parent = UserFactory(account_status="validated", first_name="Claire")
    client.get(stay.url)  # kept for anonymous visitors
    client.force_login(parent)
    response = client.get(stay.url)
    assert "X-Page-Cache" not in response and "Mon espace adhérent" in text(response)
    client.get(stay.url)
    client.logout()
    anonymous = client.get(stay.url)
    assert anonymous["X-Page-Cache"] == "hit" and "Mon espace adhérent" not in text(anonymous)


def test_the_member_area_and_accounts_pages_are_never_kept(client, home):
    for url in ("/compte/login/", "/compte/signup/", "/espace-adherent/"):
        client.get(url)
        assert "X-Page-Cache" not in client.get(url), url


def test_errors_and_query_strings(client, stay):
    assert "X-Page-Cache" not in client.get("/pas-de-page-ici/")
    catalogue = stay.get_parent().url
    client.get(catalogue, {"age": "8"})
    assert client.get(catalogue, {"age": "8"})["X-Page-Cache"] == "hit"
    assert client.get(catalogue, {"age": "12"})["X-Page-Cache"] == "miss"


def test_a_page_holding_a_csrf_token_or_setting_a_cookie_is_not_kept(rf, settings):
    def with_form(request):
        return HttpResponse(f"<form>{get_token(request)}</form>")

    def with_cookie(request):
        response = HttpResponse("bonjour")
        response.set_cookie("choix", "1")
        return response

    for view in (with_form, with_cookie):
        middleware = AnonymousPageCacheMiddleware(view)
        middleware(rf.get("/une-page/"))
        assert "X-Page-Cache" not in middleware(rf.get("/une-page/"))


def test_an_unknown_host_is_refused_before_the_cache(client, stay):
    client.get(stay.url)
    assert client.get(stay.url, HTTP_HOST="pirate.example").status_code == 400


def test_a_process_serves_from_its_memory_and_asks_the_shared_cache_once_a_second(client, stay, settings):
    settings.PAGE_CACHE_LOCAL_SECONDS = 0.5
    client.get(stay.url)
    cache.clear()  # the shared cache forgot everything: this process's copy still answers...
    assert client.get(stay.url)["X-Page-Cache"] == "hit"
    time.sleep(0.6)  # ...until it asks the shared cache again
    assert client.get(stay.url)["X-Page-Cache"] == "miss"


def test_another_processs_invalidation_reaches_this_one_within_the_delay(client, stay, settings):
    settings.PAGE_CACHE_LOCAL_SECONDS = 0.5
    client.get(stay.url)
    cache.set(GENERATION_KEY, "another process published a page", None)
    assert client.get(stay.url)["X-Page-Cache"] == "hit"
    time.sleep(0.6)
    assert client.get(stay.url)["X-Page-Cache"] == "miss"


def test_this_processs_invalidation_is_seen_at_once(client, stay, settings):
    settings.PAGE_CACHE_LOCAL_SECONDS = 60
    client.get(stay.url)
    assert client.get(stay.url)["X-Page-Cache"] == "hit"
    stay.intro = "Départ avancé d'une heure."
    stay.save_revision().publish()
    response = client.get(stay.url)
    assert response["X-Page-Cache"] == "miss" and "Départ avancé" in text(response)


def test_a_process_keeps_a_bounded_number_of_pages(client, stay, settings, monkeypatch):
    settings.PAGE_CACHE_LOCAL_SECONDS = 60
    monkeypatch.setattr(page_cache, "LOCAL_PAGES", 2)
    catalogue = stay.get_parent().url
    for age in ("6", "7", "8"):
        client.get(catalogue, {"age": age})
    assert len(local_pages.pages) == 2
    assert client.get(catalogue, {"age": "8"})["X-Page-Cache"] == "hit"


# Keys by the parameters a page reads (issue 11, finding 11): junk in the query string cannot fill the cache.


def kept_pages():
    """The pages in the shared cache (LocMemCache's own store, keys as the backend writes them)."""
    return sorted(key for key in cache._cache if ":po:page:" in key)


@pytest.fixture
def catalogue(stay, stay_index, settings):
    """Two stays, one for 6–10 year-olds and one for 12–15, one per page of the catalogue."""
    settings.CATALOGUE_PAGE_SIZE = 1
    StayPageFactory(parent=stay_index, title="Camp ados", min_age=12, max_age=15, start_date=stay.start_date)
    return stay_index.url


def test_a_thousand_junk_parameters_add_at_most_one_cache_entry(client, catalogue):
    plain = client.get(catalogue)
    before = kept_pages()
    for number in range(1000):
        junk = {"utm_source": f"lettre-{number}"} if number % 2 else {f"x{number}": "1", "fbclid": str(number)}
        response = client.get(catalogue, junk)
        assert response.status_code == 200
    assert len(kept_pages()) <= len(before) + 1
    # The junk is ignored, not echoed: the page is the plain one, pagination links included.
    assert response["X-Page-Cache"] == "hit" and response.content == plain.content
    assert b"fbclid" not in response.content and b"utm_source" not in response.content


def test_known_parameters_with_values_the_page_does_not_accept_are_not_kept(client, catalogue, home):
    client.get(catalogue)
    client.get("/")
    before = kept_pages()
    asked = [(catalogue, {"age": f"x{number}"}) for number in range(200)]
    asked += [(catalogue, {"age": "0" * number + "8"}) for number in range(1, 50)]  # 08, 008…: 8 written otherwise
    asked += [(catalogue, {"age": " 8"}), (catalogue, {"periode": "jamais"}), (catalogue, {"mois": "1999-01"})]
    asked += [(catalogue, {"page": str(number)}) for number in (0, 3, 99, 10**9)] + [(catalogue, {"page": "deux"})]
    asked += [("/", {"age": str(number)}) for number in range(100)]  # a parameter the home page does not read
    asked += [("/recherche/", {"q": f"voile {number}"}) for number in range(100)]  # free text
    asked += [(catalogue, {"age": ["8", "9"]})]  # given twice
    for url, query in asked:
        assert client.get(url, query).status_code == 200, (url, query)
    assert kept_pages() == before
    invalid = client.get(catalogue, {"age": "x7"})
    assert "X-Page-Cache" not in invalid and "Indiquez un âge en années" in text(invalid)  # shown back, not kept


def test_distinct_filters_and_pages_still_get_distinct_pages(client, catalogue):
    young, teens = client.get(catalogue, {"age": "8"}), client.get(catalogue, {"age": "13"})
    assert young["X-Page-Cache"] == teens["X-Page-Cache"] == "miss"
    assert "Voile" in text(young) and "Camp ados" not in text(young)
    assert "Camp ados" in text(teens) and "Voile" not in text(teens)
    first, second = client.get(catalogue, {"page": "1"}), client.get(catalogue, {"page": "2"})
    assert first.content != second.content and "Camp ados" in text(first) and "Voile" in text(second)
    # The same filter, whatever comes with it and in whatever order, is the same kept page.
    again = client.get(f"{catalogue}?utm_medium=lettre&page=1&age=8&gclid=zz")
    alone = client.get(f"{catalogue}?age=8&page=1")
    assert again["X-Page-Cache"] == "miss" and alone["X-Page-Cache"] == "hit"
    assert alone.content == again.content and b"gclid" not in again.content and b"utm_medium" not in again.content
    assert client.get(catalogue, {"age": "8"})["X-Page-Cache"] == "hit"


def test_a_view_that_does_not_say_what_it_reads_is_not_kept_with_a_query(client, home):
    client.get("/robots.txt")
    before = kept_pages()
    for number in range(20):
        response = client.get("/robots.txt", {"v": str(number)})
        assert response.status_code == 200 and "X-Page-Cache" not in response
    assert kept_pages() == before


def test_the_parameters_kept_are_those_the_page_types_read():
    from activities.models import ActivityIndexPage
    from stays.models import StayIndexPage

    assert set(page_cache.page_parameters()) == {"age", "categorie", "jour", "periode", "mois", "page"}
    assert set(ActivityIndexPage.query_parameters()) == {"age", "categorie", "jour", "page"}
    assert set(StayIndexPage.query_parameters()) == {"age", "periode", "mois", "page"}
