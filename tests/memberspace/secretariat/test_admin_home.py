"""The admin's home for the secretariat: what waits for a decision first, and none of the page editors' tools."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from tests.auth import login_staff
from tests.factories import ActivityPageFactory, EnrollmentFactory, ParentFactory, StaffFactory

pytestmark = pytest.mark.django_db

HOME = reverse("wagtailadmin_home")


@pytest.fixture
def waiting_decisions(activity_index):
    """An account to validate, and requests on 15 open offers (the fill-rate table's rows)."""
    ParentFactory(pending=True, pending_since=timezone.now() - datetime.timedelta(hours=2))
    offers = [ActivityPageFactory(parent=activity_index) for _ in range(15)]
    for offer in offers:
        EnrollmentFactory(offer=offer)
    return offers


def home_of(client, user):
    login_staff(client, user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def test_what_waits_for_a_decision_comes_before_the_fill_rates(client, secretary, waiting_decisions):
    html = home_of(client, secretary)
    accounts = html.index('id="waiting-accounts-title"')
    enrollments = html.index('id="enrollments-panel-title"')
    fill_rates = html.index('class="listing enrollments-fill"')
    assert accounts < enrollments < fill_rates
    soup = BeautifulSoup(html, "html.parser")
    assert len(soup.select("table.enrollments-fill tbody tr")) == 15


def test_the_home_stays_within_a_constant_number_of_queries(
    client, secretary, waiting_decisions, django_assert_max_num_queries
):
    login_staff(client, secretary)
    client.get(HOME)
    with django_assert_max_num_queries(40):
        client.get(HOME)


def sidebar_items(html):
    props = BeautifulSoup(html, "html.parser").select_one("#wagtail-sidebar-props").string
    return props


def has_page_search(html):
    return BeautifulSoup(html, "html.parser").select_one('form[role="search"]') is not None


def has_editor_guide_link(html):
    """The link beside the user's name on the home (Wagtail's account summary), not the sidebar's."""
    main = BeautifulSoup(html, "html.parser").select_one("main")
    return any("guide" in link.get_text().lower() for link in main.find_all("a"))


def test_the_secretariat_sees_none_of_the_page_editors_tools(client, secretary, home):
    html = home_of(client, secretary)
    assert not has_page_search(html)
    assert not has_editor_guide_link(html)
    props = sidebar_items(html)
    assert '"editor-guide"' not in props  # Wagtail's editor's guide
    assert '"name": "help"' not in props  # the « Aide » menu and its badge


@pytest.mark.parametrize("who", ["communication", "superuser"])
def test_page_editors_keep_the_page_search_and_the_help(client, editor, home, who):
    user = editor if who == "communication" else StaffFactory(is_superuser=True, email="admin@le-po.test")
    html = home_of(client, user)
    assert has_page_search(html)
    assert has_editor_guide_link(html)
    props = sidebar_items(html)
    assert '"editor-guide"' in props
    assert '"name": "help"' in props
