"""Behind a proxy, allauth's rate limits count each visitor's own address.

The proxy (REMOTE_ADDR 10.0.0.2) appends the address it saw to X-Forwarded-For;
whatever the visitor wrote there himself comes before it. With
ALLAUTH_TRUSTED_PROXY_COUNT = 1, allauth takes the last entry.
"""

import pytest

from tests.deploy import run_python

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


@pytest.fixture
def signup_limit(settings):
    """Sign-up is limited per address (20 an hour in the settings; 2 here, for a short test)."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}


def sign_up_from(client, forwarded_for=None, **headers):
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post("/compte/signup/", {}, REMOTE_ADDR=PROXY, **headers).status_code


def test_each_visitor_has_his_own_bucket_behind_one_proxy(client, settings, signup_limit):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    # The visitor at 203.0.113.7 forges a different first entry each time: it is ignored.
    assert sign_up_from(client, "1.1.1.1, 203.0.113.7") == 200
    assert sign_up_from(client, "2.2.2.2, 203.0.113.7") == 200
    assert sign_up_from(client, "3.3.3.3, 203.0.113.7") == 429
    # Another visitor, through the same proxy, is not held back by the first one.
    assert sign_up_from(client, "203.0.113.8") == 200


def test_two_proxies_count_from_the_right(client, settings, signup_limit):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2  # a CDN, then the local proxy: "visitor, cdn"
    assert sign_up_from(client, "9.9.9.9, 203.0.113.7, 198.51.100.1") == 200
    assert sign_up_from(client, "203.0.113.7, 198.51.100.1") == 200
    assert sign_up_from(client, "203.0.113.7, 198.51.100.2") == 429  # same visitor, another CDN node
    assert sign_up_from(client, "203.0.113.8, 198.51.100.1") == 200


def test_a_header_set_by_the_proxy_can_name_the_visitor(client, settings, signup_limit):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    assert sign_up_from(client, HTTP_X_REAL_IP="203.0.113.7") == 200
    assert sign_up_from(client, HTTP_X_REAL_IP="203.0.113.7") == 200
    assert sign_up_from(client, HTTP_X_REAL_IP="203.0.113.7") == 429
    assert sign_up_from(client, HTTP_X_REAL_IP="203.0.113.8") == 200


def test_without_the_setting_every_visitor_shares_the_proxys_bucket(client, signup_limit):
    """What the setting prevents: the proxy's address is everyone's."""
    assert sign_up_from(client, "203.0.113.7") == 200
    assert sign_up_from(client, "203.0.113.8") == 200
    assert sign_up_from(client, "203.0.113.9") == 429


def test_production_behind_a_proxy_must_say_how_to_find_the_visitor():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_PROXY_SSL_HEADER, s.ALLAUTH_TRUSTED_PROXY_COUNT]))"
    )
    result = run_python(code, {"SECURE_PROXY_SSL_HEADER_ENABLED": "true"})
    assert result.returncode != 0
    assert "set TRUSTED_PROXY_COUNT" in result.stderr
    result = run_python(code, {"SECURE_PROXY_SSL_HEADER_ENABLED": "true", "TRUSTED_PROXY_COUNT": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[["HTTP_X_FORWARDED_PROTO", "https"], 1]'
