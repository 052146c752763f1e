"""The editors' side: every page type, the club settings and the categories open in the admin."""

import pytest
from django.urls import reverse

from tests.auth import login_staff
from tests.factories import ActivityPageFactory, StandardPageFactory, StayPageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    return login_staff(client, UserFactory(is_superuser=True, is_staff=True))


def test_every_page_type_opens_in_the_editor(admin_client, home, activity_index, stay_index):
    pages = [
        home,
        activity_index,
        stay_index,
        StandardPageFactory(parent=home),
        ActivityPageFactory(parent=activity_index),
        StayPageFactory(parent=stay_index),
    ]
    for page in pages:
        response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
        assert response.status_code == 200, page


@pytest.mark.parametrize(
    ("app", "model", "parent"),
    [
        ("activities", "activitypage", "activity_index"),
        ("stays", "staypage", "stay_index"),
        ("pages", "standardpage", "home"),
    ],
)
def test_add_forms_open(admin_client, request, app, model, parent):
    parent_page = request.getfixturevalue(parent)
    response = admin_client.get(reverse("wagtailadmin_pages:add", args=[app, model, parent_page.pk]))
    assert response.status_code == 200


def test_offer_base_page_cannot_be_added(admin_client, activity_index):
    response = admin_client.get(reverse("wagtailadmin_pages:add", args=["pages", "offerpage", activity_index.pk]))
    # Wagtail answers "permission denied" by sending the editor back to the dashboard.
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_club_settings_and_categories_open(admin_client, home):
    site = home.get_site()
    assert admin_client.get(reverse("wagtailsettings:edit", args=["pages", "clubsettings", site.pk])).status_code == 200
    assert admin_client.get(reverse("wagtailsnippets_activities_activitycategory:list")).status_code == 200


def test_club_settings_refuse_a_wrong_iban(admin_client, home):
    site = home.get_site()
    url = reverse("wagtailsettings:edit", args=["pages", "clubsettings", site.pk])
    response = admin_client.post(
        url, {"contact_email": "bdd2024@le-po.com", "deposit_due_days": "15", "iban": "FR76 1234"}
    )
    assert response.status_code == 200
    assert "Cet IBAN n" in response.content.decode()
