import pytest
from django.core.cache import cache
from wagtail.models import Page, Site

from tests.factories import (
    ActivityIndexPageFactory,
    HomePageFactory,
    StayIndexPageFactory,
)


@pytest.fixture(autouse=True)
def _clear_cache():
    """The cache outlives a test's transaction: start every test with an empty one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _sms_outbox():
    from memberspace.notifications import sms

    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def sms_outbox(_sms_outbox):
    return _sms_outbox


@pytest.fixture(autouse=True)
def _payment_calls():
    """The in-memory payment backend's calls and checkouts, empty for every test."""
    from memberspace.payments import backends

    backends.calls.clear()
    backends.checkouts.clear()
    yield backends.calls
    backends.calls.clear()
    backends.checkouts.clear()


@pytest.fixture
def payment_calls(_payment_calls):
    return _payment_calls


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, and Django's SMTP backend pointed at it."""
    from tests.servers import SmtpServer

    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def home(db):
    """The home page, root of the default site (Wagtail's placeholder page removed); in a transactional
    test too, after another one's flush."""
    root = wagtail_roots()
    home = HomePageFactory(parent=root)
    Site.objects.all().delete()
    Site.objects.create(hostname="testserver", port=80, root_page=home, is_default_site=True, site_name="Le PO")
    for page in root.get_children().exclude(pk=home.pk):
        page.delete()
    return home


def wagtail_roots():
    """What Wagtail's migrations create (locale, root collection, root page), made again if a flush removed it.

    A transactional test ends with a flush; the next test, or the next run on a
    database kept by ``--reuse-db`` (``make test-fast``), finds none of it.
    """
    from wagtail.models import Collection, Locale

    Locale.objects.get_or_create(language_code="fr")
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    return Page.get_first_root_node() or Page.add_root(title="Root", slug="root")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with Wagtail's roots back if a previous run's last test flushed them."""
    with django_db_blocker.unblock():
        wagtail_roots()


def fresh_site(hostname):
    """The home page of a new default site, in a database a transactional test may have flushed."""
    root = wagtail_roots()
    home = HomePageFactory(parent=root)
    Site.objects.all().delete()
    Site.objects.create(hostname=hostname, port=80, root_page=home, is_default_site=True, site_name="Le PO")
    return home


@pytest.fixture
def transactional_home(transactional_db):
    """``home`` for tests whose threads or processes need what the test wrote committed."""
    return fresh_site("testserver")


@pytest.fixture
def activity_index(home):
    return ActivityIndexPageFactory(parent=home)


@pytest.fixture
def stay_index(home):
    return StayIndexPageFactory(parent=home)


@pytest.fixture
def roles(db):
    from wagtail.models import Collection

    from config.roles import setup_roles

    if not Collection.objects.exists():  # a transactional test flushed what Wagtail's migrations created
        Collection.add_root(name="Root")
    return setup_roles()


@pytest.fixture
def secretary(roles):
    from tests.factories import StaffFactory

    return StaffFactory(
        email="secretariat@le-po.test", first_name="Sophie", last_name="Secrétaire", groups=["Secrétariat"]
    )


@pytest.fixture
def editor(roles):
    from tests.factories import StaffFactory

    return StaffFactory(
        email="communication@le-po.test", first_name="Camille", last_name="Com", groups=["Communication"]
    )
