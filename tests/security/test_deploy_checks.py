"""The production settings pass ``check --deploy``, and the pages carry the security headers.

``check --deploy`` runs in a subprocess on ``config.settings.production``, as
``make deploy-check`` does. The headers are asked of a sample of pages (public,
account, member area, admin) over HTTPS with the production settings' HTTPS
and cookie values, read from those settings in a subprocess.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.admin_urls import admin_url
from tests.auth import login_staff

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SECURITY_SETTINGS = (
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
)


def production_env(**extra):
    """The environment ``make deploy-check`` gives the production settings (and ``extra``)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST"))}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "check-deploy-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
        "ALLOWED_HOSTS": "www.le-po.com",
        "CSRF_TRUSTED_ORIGINS": "https://www.le-po.com",
        "ADMINS": "technique@le-po.com",
        "SITE_BASE_URL": "https://www.le-po.com",  # links in emails (check --deploy warns otherwise)
        **extra,
    }


def run_python(code, env):
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_check_deploy_is_clean_with_the_production_settings():
    result = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "System check identified no issues" in result.stdout


@pytest.fixture(scope="module")
def production_security():
    """The production settings' HTTPS, header and cookie values."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SECURITY_SETTINGS!r}}}))"
    )
    result = run_python(code, production_env())
    assert result.returncode == 0, result.stderr[-3000:]
    values = json.loads(result.stdout.strip().splitlines()[-1])
    # What the headers below rely on, in production.
    assert values["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 365 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["SECURE_SSL_REDIRECT"] and values["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SESSION_COOKIE_HTTPONLY"]
    return values


@pytest.fixture
def production_like(settings, production_security):
    for name, value in production_security.items():
        setattr(settings, name, value)
    return settings


# Browser features the site never uses: every response denies them (Permissions-Policy).
DENIED_FEATURES = (
    "camera",
    "microphone",
    "geolocation",
    "payment",
    "usb",
    "serial",
    "hid",
    "bluetooth",
    "midi",
    "display-capture",
    "interest-cohort",
    "browsing-topics",
    "accelerometer",
    "gyroscope",
    "magnetometer",
)


def assert_permissions_policy(response, where):
    header = response.get("Permissions-Policy", "")
    policy = dict(item.strip().split("=", 1) for item in header.split(",") if "=" in item)
    denied = [feature for feature in DENIED_FEATURES if policy.get(feature) == "()"]
    assert denied == list(DENIED_FEATURES), (where, header)
    assert all(allowed in ("()", "(self)") for allowed in policy.values()), (where, header)  # never another origin


def assert_security_headers(response, where):
    assert response.status_code == 200, (where, response.status_code, response.get("Location"))
    assert_permissions_policy(response, where)
    hsts = response.get("Strict-Transport-Security", "")
    assert hsts.startswith("max-age=") and int(hsts.split(";")[0].split("=")[1]) >= 31_536_000, (where, hsts)
    assert "includeSubDomains" in hsts, where
    assert response.get("X-Content-Type-Options") == "nosniff", where
    assert response.get("Referrer-Policy") == "strict-origin-when-cross-origin", where
    assert response.get("X-Frame-Options") == "DENY", where
    policy = response.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, (where, policy)
    assert "object-src 'none'" in policy, (where, policy)
    if not where.startswith("/admin/"):  # the admin's own policy allows its inline scripts
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (where, policy)


def test_security_headers_on_a_sample_of_pages(client, world, production_like):
    public = [world.stay.get_parent().url, world.activity.get_parent().url, world.stay.url, world.activity.url]
    anonymous = ["/", *public, reverse("account_login"), reverse("account_signup"), reverse("search")]
    for url in anonymous:
        assert_security_headers(client.get(url, secure=True), url)
    client.force_login(world.owner)
    for url in (reverse("memberspace:dashboard"), reverse("memberspace:child_detail", args=[world.child.pk])):
        assert_security_headers(client.get(url, secure=True), url)
    client.logout()
    login_staff(client, world.secretary)
    for url in ("/admin/", admin_url("enrollments.enrollment")):
        assert_security_headers(client.get(url, secure=True), url)


def test_the_permissions_policy_is_on_cached_pages_errors_and_redirects_too(client, world, production_like):
    production_like.PAGE_CACHE_SECONDS = 60
    url = world.stay.url
    assert client.get(url, secure=True)["X-Page-Cache"] == "miss"
    cached = client.get(url, secure=True)
    assert cached["X-Page-Cache"] == "hit"
    assert_security_headers(cached, f"{url} (from the page cache)")
    for where, response in (
        ("404", client.get("/cette-page-n-existe-pas/", secure=True)),
        ("admin, signed out", client.get("/admin/", secure=True)),
        ("plain http", client.get("/", secure=False)),
        ("health", client.get("/health/?check=database", secure=True)),
    ):
        assert response.status_code in (200, 301, 302, 404), where
        assert_permissions_policy(response, where)


def test_plain_http_is_sent_to_https(client, home, production_like):
    response = client.get("/", secure=False)
    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_the_session_cookie_is_secure_httponly_and_same_site(client, world, production_like):
    from tests.factories import PASSWORD

    response = client.post(reverse("account_login"), {"login": world.owner.email, "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
