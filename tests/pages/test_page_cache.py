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

from memberspace.models import Child, Guardianship
from memberspace.services import enrollments
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
