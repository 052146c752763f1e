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


@pytest.fixture
def home(db):
    """The home page, root of the default site (Wagtail's placeholder page removed)."""
    root = Page.get_first_root_node()
    home = HomePageFactory(parent=root)
    Site.objects.all().delete()
    Site.objects.create(hostname="testserver", port=80, root_page=home, is_default_site=True, site_name="Le PO")
    for page in root.get_children().exclude(pk=home.pk):
        page.delete()
    return home


@pytest.fixture
def activity_index(home):
    return ActivityIndexPageFactory(parent=home)


@pytest.fixture
def stay_index(home):
    return StayIndexPageFactory(parent=home)
