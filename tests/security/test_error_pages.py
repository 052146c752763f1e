"""Errors answer in French, in the site's look (issue 11, « errors not in French »).

- a request Django cannot read (a bad host, too many fields, too big a form): the French 400 page;
- a form refused for its CSRF token (a tab opened before logging out and in again): a French page
  that keeps what was typed and offers to send it again, never carrying it out itself;
- re-authentication asks for the password (or the second factor), never a code by email.
"""

from html import unescape

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from memberspace.notifications.models import Notification
from tests.auth import give_totp
from tests.factories import PASSWORD, ParentFactory

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"
FRENCH_400 = "Le site n'a pas pu lire cette demande"
EXPIRED = "Ce formulaire a expiré"
PROFILE = {
    "first_name": "Claire",
    "last_name": "Durand <script>alert(1)</script>",
    "street": "3 rue du Port",
    "postal_code": "69001",
    "city": "Lyon",
    "notification_preference": "email",
}


def page_text(response):
    return unescape(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


# 400


def assert_french_400(response):
    assert response.status_code == 400
    html = response.content.decode()
    assert FRENCH_400 in unescape(html)
    assert '<html lang="fr">' in html and "/static/css/site.css" in html
    assert "Bad Request" not in html


def test_a_bad_host_gets_the_french_400_page(client, home):
    assert_french_400(client.get("/", HTTP_HOST="pirate.example"))


def test_too_many_fields_get_the_french_400_page(client, home, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    body = "&".join(f"champ{number}=x" for number in range(101))
    response = client.post(reverse("account_signup"), body, content_type="application/x-www-form-urlencoded")
    assert_french_400(response)


def test_too_big_a_form_gets_the_french_400_page(client, home, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = "club_message=" + "x" * 20_000
    response = client.post(reverse("account_signup"), body, content_type="application/x-www-form-urlencoded")
    assert_french_400(response)


# CSRF


@pytest.fixture
def stale_form():
    """A parent's profile form, opened in a tab before logging out and in again."""
    parent = ParentFactory(first_name="Claire", last_name="Durand", city="Paris")
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)
    page = client.get(reverse("memberspace:profile"))
    token = BeautifulSoup(page.content, "html.parser").find("input", {"name": "csrfmiddlewaretoken"})["value"]
    client.logout()
    client.force_login(parent)  # a new session: the old tab's token is no longer valid
    return parent, client, token


def test_a_stale_form_gets_a_french_page_that_keeps_what_was_typed(stale_form):
    parent, client, token = stale_form
    response = client.post(
        reverse("memberspace:profile"), {**PROFILE, "csrfmiddlewaretoken": token}, HTTP_ORIGIN=ORIGIN
    )
    assert response.status_code == 403
    assert EXPIRED in page_text(response)
    parent.refresh_from_db()
    assert (parent.last_name, parent.city) == ("Durand", "Paris")  # nothing was carried out
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html  # what was typed is escaped
    soup = BeautifulSoup(html, "html.parser")
    assert "Durand <script>alert(1)</script>" in [li.get_text() for li in soup.select(".kept-values li")]
    form = soup.find("form", {"action": reverse("memberspace:profile")})
    fresh = form.find("input", {"name": "csrfmiddlewaretoken"})["value"]
    assert fresh != token
    resent = {tag["name"]: tag["value"] for tag in form.find_all("input", {"type": "hidden"})}
    assert {name: resent[name] for name in PROFILE} == PROFILE

    # Sending it again goes through the profile view, with the new token.
    response = client.post(reverse("memberspace:profile"), resent, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 302
    parent.refresh_from_db()
    assert (parent.last_name, parent.city) == ("Durand <script>alert(1)</script>", "Lyon")


def test_a_form_forged_by_another_site_is_neither_offered_again_nor_shown(stale_form):
    """A ready-made form of ours, with a valid token, would turn a forged request into one click."""
    parent, client, token = stale_form
    headers_tried = (
        {"HTTP_ORIGIN": "https://pirate.example"},
        {"HTTP_REFERER": "https://pirate.example/piege/"},
        {},  # no Origin nor Referer: nothing says it came from the site
    )
    for headers in headers_tried:
        response = client.post(reverse("memberspace:profile"), {**PROFILE, "csrfmiddlewaretoken": token}, **headers)
        assert response.status_code == 403 and EXPIRED in page_text(response)
        soup = BeautifulSoup(response.content, "html.parser")
        assert soup.find("form", {"action": reverse("memberspace:profile")}) is None
        assert not soup.select(".kept-values li") and "Lyon" not in page_text(response)
    parent.refresh_from_db()
    assert parent.city == "Paris"


def test_passwords_and_codes_are_never_written_back(home):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("account_login"))
    response = client.post(
        reverse("account_login"),
        {"login": "claire@exemple.fr", "password": "Mon-secret-2026", "code": "123456", "csrfmiddlewaretoken": "x"},
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "claire@exemple.fr" in html
    assert "Mon-secret-2026" not in html and "123456" not in html


def test_the_csrf_page_is_the_projects(settings):
    assert settings.CSRF_FAILURE_VIEW == "config.views.csrf_failure"


# Re-authentication


def test_reauthentication_asks_for_the_password_in_french_and_offers_no_code(client, home):
    client.force_login(ParentFactory())
    response = client.get(reverse("account_reauthenticate"))
    assert response.status_code == 200
    text = page_text(response)
    assert "Confirmez que c'est bien vous" in text and "Mot de passe" in text
    for english in ("Recipient", "Confirm Access", "Alternative options", "Send me", "Envoyez-moi un code"):
        assert english not in text
    assert reverse("account_request_reauthentication_code") not in response.content.decode()


def test_the_code_path_is_closed(client, home):
    parent = ParentFactory()
    client.force_login(parent)
    assert client.get(reverse("account_request_reauthentication_code")).status_code == 403
    response = client.post(reverse("account_request_reauthentication_code"), {"email": parent.email})
    assert response.status_code == 403
    assert client.get(reverse("account_confirm_reauthentication_code")).status_code == 403
    assert not Notification.objects.filter(address=parent.email).exists()


def test_a_wrong_password_does_not_reauthenticate_and_the_right_one_does(client, home, settings):
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    parent = ParentFactory()
    client.force_login(parent)
    response = client.post(reverse("account_reauthenticate"), {"password": "pas-le-bon"})
    assert response.status_code == 200 and "incorrect" in page_text(response).lower()
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def test_with_a_second_factor_the_alternative_is_said_in_french(client, home):
    parent = ParentFactory()
    give_totp(parent)
    client.force_login(parent)
    response = client.get(reverse("account_reauthenticate"))
    text = page_text(response)
    assert "Utiliser votre application d'authentification ou un code de secours" in text
    assert "Envoyez-moi un code" not in text
