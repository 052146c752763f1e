"""Failed logins lock a source out of an account, never the account itself (issue 11, « login locking »).

Five bad passwords used to lock an account for everyone, the secretariat included,
even with the right password: an anonymous visitor could keep the staff out with one
request a minute. The limits now count the source and the account together, with a
much higher bound per account (memberspace/accounts/login_limits.py; docs/deployment.md).
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from memberspace.notifications.models import Notification
from tests.auth import give_totp, totp_code
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
STAFF_OFFICE = "198.51.100.10"
PROXY = "10.0.0.2"


@pytest.fixture
def staff(secretary):
    EmailAddress.objects.create(user=secretary, email=secretary.email, verified=True, primary=True)
    give_totp(secretary)
    return secretary


def attempt(client, email, password, address):
    """A login from ``address``: True when the password step passed (on to the second factor)."""
    response = client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address)
    return response.status_code == 302 and response["Location"] == reverse("mfa_authenticate"), response


def locked(response):
    return "Trop de tentatives de connexion" in response.content.decode()


def test_bad_passwords_from_one_source_do_not_lock_the_staff_out_elsewhere(staff):
    attacker = Client()
    for _ in range(5):
        passed, response = attempt(attacker, staff.email, "mauvais-mot-de-passe", ATTACKER)
        assert not passed and not locked(response)
    # The attacker's source is locked out of the account, even with the right password.
    passed, response = attempt(attacker, staff.email, PASSWORD, ATTACKER)
    assert not passed and locked(response)
    # The secretariat, from its office, signs in (then gives its second factor).
    office = Client()
    passed, _response = attempt(office, staff.email, PASSWORD, STAFF_OFFICE)
    assert passed
    response = office.post(reverse("mfa_authenticate"), {"code": totp_code(give_totp(staff))}, REMOTE_ADDR=STAFF_OFFICE)
    assert response.status_code == 302 and office.session.get("_auth_user_id") == str(staff.pk)
    # And the attacker is still locked out.
    passed, response = attempt(attacker, staff.email, PASSWORD, ATTACKER)
    assert not passed and locked(response)


def test_behind_the_proxy_the_source_is_the_visitor(staff, settings):
    """With the trusted proxy set, each visitor behind it has his own count (tests/deploy/test_proxy.py)."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    attacker, office = Client(), Client()
    for _ in range(5):
        attacker.post(
            reverse("account_login"),
            {"login": staff.email, "password": "mauvais"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=ATTACKER,
        )
    response = office.post(
        reverse("account_login"),
        {"login": staff.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=STAFF_OFFICE,
    )
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")


def test_a_source_is_bounded_over_a_day_too(staff, settings):
    """Five tries every five minutes would be 1 440 a day: the same source and account get 30."""
    fast = {"login": "100/m/ip", "login_failed": "100/m/ip,100/m/key"}  # only the daily bound left
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, **fast}
    client = Client()
    for _ in range(30):
        _passed, response = attempt(client, staff.email, "mauvais", ATTACKER)
        assert not locked(response)
    passed, response = attempt(client, staff.email, PASSWORD, ATTACKER)
    assert not passed and locked(response)
    assert attempt(Client(), staff.email, PASSWORD, STAFF_OFFICE)[0]


def test_guessing_spread_over_many_sources_is_bounded_per_account_and_a_reset_reopens_it(staff, settings):
    """300 failures a day per account whatever the source; the password reset is the way back in."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed_account": "12/d/key"}
    for source in range(4):  # four sources, three failures each: none of them locked by itself
        client = Client()
        for _ in range(3):
            assert not locked(attempt(client, staff.email, "mauvais", f"192.0.2.{source + 1}")[1])
    passed, response = attempt(Client(), staff.email, PASSWORD, STAFF_OFFICE)
    assert not passed and locked(response)
    assert "Mot de passe oublié" in response.content.decode()

    # The password reset (the link in the email) clears the account's count.
    office = Client()
    office.post(reverse("account_reset_password"), {"email": staff.email}, REMOTE_ADDR=STAFF_OFFICE)
    row = Notification.objects.get(address=staff.email, kind="compte/password_reset_key")
    path = re.search(r"/compte/password/reset/key/\S+/", row.body_text).group(0)
    response = office.get(path, REMOTE_ADDR=STAFF_OFFICE)
    new_password = "Un-nouveau-mot-de-passe-2026"
    response = office.post(
        response["Location"], {"password1": new_password, "password2": new_password}, REMOTE_ADDR=STAFF_OFFICE
    )
    assert response.status_code == 302
    assert attempt(Client(), staff.email, new_password, STAFF_OFFICE)[0]


def test_a_successful_login_does_not_reset_the_count_of_the_source(staff):
    """allauth's own rule, kept: a right password takes back its own attempt only."""
    client = Client()
    for _ in range(4):
        attempt(client, staff.email, "mauvais", ATTACKER)
    assert attempt(Client(), staff.email, PASSWORD, ATTACKER)[0]
    _passed, response = attempt(Client(), staff.email, "mauvais", ATTACKER)
    assert not locked(response)
    passed, response = attempt(Client(), staff.email, PASSWORD, ATTACKER)
    assert not passed and locked(response)
