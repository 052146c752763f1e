"""Every page type renders, in French, with the site's chrome."""

import html as html_lib

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from pages.models import ClubSettings
from tests.factories import ActivityPageFactory, StandardPageFactory, StayPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_pages(home, activity_index, stay_index):
    return {
        "home": home,
        "standard": StandardPageFactory(parent=home, title="Le club", show_in_menus=True),
        "activity_index": activity_index,
        "stay_index": stay_index,
        "activity": ActivityPageFactory(parent=activity_index, title="Judo", with_image=True),
        "stay": StayPageFactory(parent=stay_index, title="Ski à Morzine", with_image=True),
    }


@pytest.mark.parametrize("kind", ["home", "standard", "activity_index", "stay_index", "activity", "stay"])
def test_every_page_type_renders_in_french(client, site_pages, kind):
    page = site_pages[kind]
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Aller au contenu" in html  # skip link
    assert '<main id="contenu"' in html
    assert "Menu principal" in html
    assert "Nous contacter" in html


def test_offer_pages_show_practical_details(client, site_pages):
    html = client.get(site_pages["stay"].url).content.decode()
    assert "Ski à Morzine" in html
    assert "450\u00a0€" in html  # price
    assert "150\u00a0€" in html  # deposit
    assert "de 6 à 10 ans" in html
    assert "20 places disponibles" in html
    html = client.get(site_pages["activity"].url).content.decode()
    assert "Mercredi de 14\u00a0h à 15\u00a0h\u00a030" in html
    assert "Créneaux de la saison 2026-2027" in html


def test_menu_comes_from_the_page_tree_and_follows_publishing(client, site_pages):
    html = client.get("/").content.decode()
    assert 'href="/activites/"' in html
    assert 'href="/le-club/"' in html
    site_pages["standard"].unpublish()
    html = client.get("/").content.decode()
    assert 'href="/le-club/"' not in html
    new_page = StandardPageFactory(parent=site_pages["home"], title="Contact", show_in_menus=True, live=False)
    new_page.save_revision().publish()
    assert 'href="/contact/"' in client.get("/").content.decode()


def test_site_menu_and_footer_cost_no_query_once_cached(client, site_pages):
    client.get("/le-club/")
    assert cache.get("po:site-cache"), "the site, menu and footer are cached after the first view"
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/le-club/").status_code == 200
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "wagtailcore_site" not in sql
    assert 'AND "wagtailcore_page"."show_in_menus"' not in sql
    assert "pages_clubsettings" not in sql


def test_site_cache_follows_site_changes(client, site_pages):
    client.get("/")
    site = site_pages["home"].get_site()
    site.site_name = "Autre"
    site.hostname = "ailleurs.example"
    site.is_default_site = False
    site.save()
    # The only site no longer answers for testserver: the cache must not say otherwise.
    assert client.get("/").status_code == 404


def test_footer_shows_club_settings(client, site_pages):
    club = ClubSettings.for_site(site_pages["home"].get_site())
    club.phone = "01 23 45 67 89"
    club.privacy_page = site_pages["standard"]
    club.save()
    html = client.get("/").content.decode()
    assert "01 23 45 67 89" in html
    assert "bdd2024@le-po.com" in html
    assert 'href="/le-club/"' in html


def test_french_404(client, home):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html
    assert '<html lang="fr">' in html


def test_500_page_is_french_and_standalone(client):
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "Une erreur est survenue" in html
    assert "bdd2024@le-po.com" in html


def test_search(client, site_pages):
    response = client.get("/recherche/", {"q": "Morzine"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ski à Morzine" in html
    assert "1 résultat pour « Morzine »" in html
    response = client.get("/recherche/", {"q": "xyzzy"})
    assert "Aucune page ne contient ces mots" in html_lib.unescape(response.content.decode())
    assert client.get("/recherche/").status_code == 200


@pytest.mark.parametrize("query", ['"Ski à Morzine"', '"Morzine', 'Morzine"', 'Ski "à Morzine'])
def test_search_with_quotes(client, site_pages, query):
    """Quoted words are a phrase; a quote left open is no error (SQLite's full-text search refuses it raw)."""
    response = client.get("/recherche/", {"q": query})
    assert response.status_code == 200
    assert "Ski à Morzine" in response.content.decode()


def test_search_phrase_needs_all_its_words(client, site_pages):
    """Unquoted, either word finds a page; quoted, the page must hold the phrase."""
    assert "Ski à Morzine" in client.get("/recherche/", {"q": "Morzine judo"}).content.decode()
    response = client.get("/recherche/", {"q": '"Morzine judo"'})
    assert response.status_code == 200
    assert "Aucune page ne contient ces mots" in html_lib.unescape(response.content.decode())


def test_sitemap_lists_live_pages(client, site_pages):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    assert "/po-vacances/ski-a-morzine/" in xml
    assert "/activites/judo/" in xml


def test_robots_txt(client, home):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Disallow: /admin/" in body
    assert "Disallow: /espace-adherent/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_wagtail_placeholder_page_is_gone(home):
    assert list(Page.get_first_root_node().get_children().specific()) == [home]


def test_private_pages_stay_private_with_the_privacy_shortcut(client, site_pages):
    from wagtail.models import PageViewRestriction

    page = site_pages["standard"]
    assert client.get(page.url).status_code == 200  # no restriction anywhere: the shortcut is cached
    restriction = PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(page.url)
    assert response.status_code == 302
    assert "login" in response["Location"]
    # The restriction covers the page's descendants too.
    child = StandardPageFactory(parent=page, title="Sous-page")
    assert client.get(child.url).status_code == 302
    restriction.delete()
    assert client.get(page.url).status_code == 200
