"""``manage.py seed_demo`` builds the demo site once; running it again changes nothing."""

import io
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtail.permissions import policy_registry

from activities.models import ActivityCategory, ActivityIndexPage, ActivityPage, ActivitySlot
from home.models import HomePage
from memberspace.enrollments.models import Enrollment
from memberspace.management.commands.seed_demo import COMMUNICATION_GROUP, DEMO_PASSWORD, SECRETARIAT_GROUP
from pages.models import ClubSettings
from stays.models import StayIndexPage, StayPage

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "pages": sorted(Page.objects.values_list("url_path", "title", "live", "content_type__model")),
        "images": sorted(get_image_model().objects.values_list("title", "width", "height")),
        "categories": sorted(ActivityCategory.objects.values_list("slug", "name")),
        "slots": sorted(ActivitySlot.objects.values_list("activity__slug", "weekday", "start_time", "end_time")),
        "users": sorted(get_user_model().objects.values_list("email", "is_staff", "is_superuser")),
        "groups": sorted(
            (group.name, sorted(group.permissions.values_list("codename", flat=True))) for group in Group.objects.all()
        ),
        "sites": sorted(Site.objects.values_list("hostname", "root_page__url_path", "is_default_site")),
        "settings": sorted(ClubSettings.objects.values_list("iban", "cheque_payee", "phone")),
    }


@pytest.fixture
def seeded(client):
    call_command("seed_demo", stdout=io.StringIO())


def test_seed_demo_is_idempotent(seeded):
    first = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == first


def test_seed_demo_content(seeded):
    assert HomePage.objects.count() == 1
    assert Site.objects.get(is_default_site=True).root_page.specific_class is HomePage
    activities = ActivityPage.objects.live()
    assert activities.count() >= 12
    assert ActivityCategory.objects.filter(activities__in=activities).distinct().count() >= 4
    stays = StayPage.objects.live()
    assert stays.count() >= 6
    assert {"hiver", "printemps", "ete"} <= set(stays.values_list("holiday_period", flat=True))
    assert all(image.width == 1600 for image in get_image_model().objects.all())
    titles = set(Page.objects.live().values_list("title", flat=True))
    assert {"Nouveau processus espace adhérent", "Contact", "Données personnelles"} <= titles
    club = ClubSettings.for_site(Site.objects.get(is_default_site=True))
    assert club.iban and club.cheque_payee and club.privacy_page and club.contact_page
    emma = Enrollment.objects.filter(child__first_name="Emma")
    assert sorted(emma.values_list("status", flat=True)) == ["requested", "validated"]


def test_seed_demo_pages_answer(seeded, client):
    for page in Page.objects.live().filter(depth__gt=1).specific():
        assert client.get(page.url).status_code == 200, page.url


def test_seed_demo_announcement_page_has_the_six_steps(seeded, client):
    html = unescape(client.get("/nouveau-processus-espace-adherent/").content.decode())
    assert html.count('class="steps__item"') == 6
    assert "Message à l'intention du club" in html
    assert "bdd2024@le-po.com" in html


def test_seed_demo_staff_accounts_and_groups(seeded, client):
    user_model = get_user_model()
    admin = user_model.objects.get(email="admin@le-po.test")
    assert admin.is_superuser
    secretariat = user_model.objects.get(email="secretariat@le-po.test")
    communication = user_model.objects.get(email="communication@le-po.test")
    assert list(secretariat.groups.values_list("name", flat=True)) == [SECRETARIAT_GROUP]
    assert list(communication.groups.values_list("name", flat=True)) == [COMMUNICATION_GROUP]
    for user in (admin, secretariat, communication):
        assert user.check_password(DEMO_PASSWORD)
        assert user.has_perm("wagtailadmin.access_admin")
    # Communication edits pages and images; the secretariat edits the club's settings.
    image_permissions = policy_registry.get_by_type(get_image_model())
    assert image_permissions.user_has_permission(communication, "add")
    assert not image_permissions.user_has_permission(secretariat, "add")
    assert communication.has_perm("activities.change_activitycategory")
    assert not communication.has_perm("pages.change_clubsettings")
    assert secretariat.has_perm("pages.change_clubsettings")
    home = HomePage.objects.get()
    assert home.permissions_for_user(communication).can_publish_subpage()
    assert not home.permissions_for_user(secretariat).can_edit()
    # The secretariat creates the offers and sets their places, prices and payment terms.
    for catalogue in (ActivityIndexPage.objects.get(), StayIndexPage.objects.get()):
        assert catalogue.permissions_for_user(secretariat).can_add_subpage()
    assert secretariat.has_perm("pages.change_offer_terms")
    assert not communication.has_perm("pages.change_offer_terms")


def test_seed_demo_waiting_parent_has_a_household_and_a_homonym(seeded):
    from memberspace.legacy.matching import match_account

    matches = match_account(get_user_model().objects.get(email="parent.attente@exemple.fr"))
    assert sorted(str(s.child) for s in matches.suggestions) == ["Hugo Bernard", "Léa Bernard"]
    assert [s.child.legacy_id for s in matches.homonyms] == ["D003"]
