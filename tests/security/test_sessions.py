"""Sessions end when they should: a copied session cookie is worth nothing after logout or suspension."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from memberspace.accounts import services as accounts
from memberspace.privacy import services as privacy
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["db", "cached_db"])
def session_engine(request, settings):
    """Every test with the sessions in the database alone, and read through the cache as in production."""
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{request.param}"


def logged_in(user):
    """A browser signed in through allauth's login form, and its session cookie."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("memberspace:dashboard")
    return client, client.cookies[settings.SESSION_COOKIE_NAME].value


def replayed(cookie):
    """Another browser (an attacker's) sending the stolen cookie."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    return client


def is_refused(response):
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_session_cookie_works_until_logout_then_never_again(world):
    client, cookie = logged_in(world.owner)
    dashboard = reverse("memberspace:dashboard")
    assert replayed(cookie).get(dashboard).status_code == 200  # the copy works while the session lives...
    assert client.post(reverse("account_logout")).status_code == 302
    assert not Session.objects.filter(session_key=cookie).exists()
    for url in (dashboard, reverse("memberspace:child_detail", args=[world.child.pk]), reverse("memberspace:my_data")):
        assert is_refused(replayed(cookie).get(url)), url  # ...and not after the logout
    response = replayed(cookie).post(reverse("memberspace:child_edit", args=[world.child.pk]), {"first_name": "X"})
    assert is_refused(response)


def test_suspension_ends_the_parents_sessions_at_once(world):
    client, cookie = logged_in(world.owner)
    other_browser, _ = logged_in(world.owner)
    child_url = reverse("memberspace:child_detail", args=[world.child.pk])
    assert client.get(child_url).status_code == 200
    accounts.suspend(world.owner, by=world.secretary, reason="Impayés")
    for browser in (client, other_browser, replayed(cookie)):
        assert is_refused(browser.get(child_url))
        assert is_refused(browser.get(reverse("memberspace:dashboard")))
    # Signing in again does not open the member area either.
    again = Client()
    response = again.post(reverse("account_login"), {"login": world.owner.email, "password": PASSWORD})
    assert is_refused(again.get(reverse("memberspace:dashboard")))
    assert response.status_code in (200, 302)


def test_a_reinstated_parent_signs_in_again_but_the_old_cookie_stays_dead(world):
    _client, cookie = logged_in(world.owner)
    accounts.suspend(world.owner, by=world.secretary, reason="Impayés")
    assert is_refused(replayed(cookie).get(reverse("memberspace:dashboard")))
    accounts.reinstate(world.owner, by=world.secretary)
    assert is_refused(replayed(cookie).get(reverse("memberspace:dashboard")))
    client, _ = logged_in(world.owner)
    assert client.get(reverse("memberspace:dashboard")).status_code == 200


def test_a_password_change_ends_the_other_sessions(world):
    thief_cookie = logged_in(world.owner)[1]
    client, _ = logged_in(world.owner)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "un-tout-nouveau-secret-42", "password2": "un-tout-nouveau-secret-42"},
    )
    assert response.status_code == 302
    assert is_refused(replayed(thief_cookie).get(reverse("memberspace:dashboard")))
    assert client.get(reverse("memberspace:dashboard")).status_code == 200  # the one who changed it stays in


def test_an_erased_account_is_signed_out_everywhere(world):
    _client, cookie = logged_in(world.owner)
    privacy.request_erasure(world.owner)
    privacy.erase_account(world.owner, by=world.secretary)
    assert not Session.objects.filter(session_key=cookie).exists()
    assert is_refused(replayed(cookie).get(reverse("memberspace:dashboard")))
