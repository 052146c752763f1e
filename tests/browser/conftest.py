"""Headless Chromium (Debian's package) driven by Playwright, against a live server.

The browser tests run in CI (.ci/run installs chromium); without a browser
they fail with a message saying how to install it, they are never skipped.
"""

import os
import shutil

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser(monkeypatch):
    """Chromium for one test: Playwright's sync API keeps an event loop running in this
    thread while it is open, which Django's ORM would take for an async context. The ORM
    calls of the test beside it are safe (no coroutine touches them): allowed for this
    test only, and the loop is gone once the test ends."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's package (apt-get install chromium).")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # The ORM calls made beside Playwright ran in its context, on connections of their
        # own: close them, or PostgreSQL keeps them and refuses to drop the test database.
        connections.close_all()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page (a phone-sized one by default) on the live server; all are closed after the test."""
    contexts = []

    def open_page(viewport=PHONE):
        context = browser.new_context(viewport=viewport, base_url=live_server.url, locale="fr-FR")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def live_site(live_server, settings):
    """The site's home page and the club's settings, for pages served by the live server."""
    from django.core.cache import cache

    from tests.conftest import fresh_site

    home = fresh_site("localhost")
    settings.SITE_BASE_URL = live_server.url
    cache.clear()
    return home
