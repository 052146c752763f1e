"""Enfants in the admin, and attaching migrated children from a parent's account page."""

import datetime
from html import unescape

import pytest
from bs4 import BeautifulSoup

from memberspace.accounts.models import AccountStatus, ParentAccount
from memberspace.families.admin import AgeFilter
from memberspace.families.models import Child, ChildStatus, Guardianship
from memberspace.families.services import children as children_service
from memberspace.notifications.models import Notification
from tests.admin_urls import admin_url
from tests.auth import login_staff
from tests.factories import ChildFactory, LegacyContactFactory, ParentFactory

pytestmark = pytest.mark.django_db

CHILDREN = admin_url("families.child")


def rows(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [row.get_text(" ", strip=True) for row in soup.select("table.listing tbody tr")]


@pytest.fixture
def family(home):
    parent = ParentFactory(
        email="marie.dupont@exemple.fr",
        first_name="Marie",
        last_name="Dupont",
        club_message="Mes enfants Léa et Hugo Dupont sont déjà au PO.",
        postal_code="75005",
    )
    old_base = {"migrated": True, "last_name": "Dupont", "legacy_activities": ""}
    lea = ChildFactory(
        **old_base, first_name="Léa", birth_date=datetime.date(2016, 3, 12), legacy_id="1001", health_notes="Asthme"
    )
    LegacyContactFactory(child=lea, first_name="Marie", email="marie.dupont@exemple.fr", postal_code="75005")
    hugo = ChildFactory(**old_base, first_name="Hugo", birth_date=datetime.date(2018, 7, 1), legacy_id="1002")
    other = ChildFactory(
        migrated=True, first_name="Noah", last_name="Roux", birth_date=datetime.date(2012, 1, 1), legacy_id="1010"
    )
    return {"parent": parent, "lea": lea, "hugo": hugo, "other": other}


def test_the_account_page_suggests_the_familys_children(client, secretary, family):
    login_staff(client, secretary)
    html = client.get(admin_url("accounts.parentaccount", "inspect", family["parent"].pk)).content.decode()
    soup = BeautifulSoup(html, "html.parser")
    suggested_rows = soup.select("#suggestions ~ section.legacy-household tbody tr")  # one table per household
    suggested = [row.select("td")[0].get_text(strip=True) for row in suggested_rows]
    assert set(suggested) == {"Léa Dupont", "Hugo Dupont"}
    assert "Noah Roux" not in suggested
    assert "adresse e-mail du compte chez un parent de l" in html and "prénom et nom écrits par le parent" in html


def test_one_click_attaches_a_child_and_the_parent_finds_it(
    client, secretary, family, django_capture_on_commit_callbacks
):
    login_staff(client, secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            admin_url("accounts.parentaccount", "attach_child", family["parent"].pk),
            {"child": family["lea"].pk, "relationship": "mere"},
        )
    assert response["Location"] == admin_url("accounts.parentaccount", "inspect", family["parent"].pk)
    family["lea"].refresh_from_db()
    assert family["lea"].status == ChildStatus.ACTIVE
    assert Guardianship.objects.get(child=family["lea"]).parent == family["parent"]
    assert Notification.objects.filter(kind="child_attached", user=family["parent"]).exists()
    history = client.get(admin_url("families.child", "history", family["lea"].pk)).content.decode()
    assert "Responsable rattaché" in history
    # The parent finds the child on the dashboard.
    client.force_login(family["parent"])
    assert "Léa Dupont" in client.get("/espace-adherent/").content.decode()
    # Attached, it is no longer suggested.
    login_staff(client, secretary)
    html = client.get(admin_url("accounts.parentaccount", "inspect", family["parent"].pk)).content.decode()
    soup = BeautifulSoup(html, "html.parser")
    suggested_rows = soup.select("#suggestions ~ section.legacy-household tbody tr")  # one table per household
    assert [row.select("td")[0].get_text(strip=True) for row in suggested_rows] == ["Hugo Dupont"]


def test_children_listing_filters_and_search(client, secretary, family):
    login_staff(client, secretary)
    Guardianship.objects.create(child=family["hugo"], parent=family["parent"], relationship="mere")
    assert len(rows(client.get(CHILDREN))) == 3
    assert [r.split(" ")[0:2] for r in rows(client.get(CHILDREN, {"responsables": "avec"}))] == [["Hugo", "Dupont"]]
    assert len(rows(client.get(CHILDREN, {"responsables": "sans"}))) == 2
    assert len(rows(client.get(CHILDREN, {"status": "migrated"}))) == 3
    assert len(rows(client.get(CHILDREN, {"q": "dupont"}))) == 2
    assert len(rows(client.get(CHILDREN, {"q": "1010"}))) == 1  # legacy number
    assert len(rows(client.get(CHILDREN, {"q": "2016"}))) == 1  # birth year
    for child in (family["lea"], family["hugo"], family["other"]):
        bracket = next(key for key, (low, high) in AgeFilter.BRACKETS.items() if low <= child.age <= high)
        listed = rows(client.get(CHILDREN, {"age": bracket}))
        assert any(str(child) in row for row in listed), (child, bracket)
        assert all(
            str(other) not in " ".join(listed)
            for other in family.values()
            if isinstance(other, Child)
            and other.age != child.age
            and not AgeFilter.BRACKETS[bracket][0] <= other.age <= AgeFilter.BRACKETS[bracket][1]
        )


def test_attach_by_hand_and_detach(client, secretary, family):
    login_staff(client, secretary)
    response = client.post(
        admin_url("families.child", "attach", family["other"].pk),
        {"email": "personne@exemple.fr", "relationship": "pere"},
    )
    assert "Aucun compte parent avec cette adresse." in response.content.decode()
    client.post(
        admin_url("families.child", "attach", family["other"].pk),
        {"email": "MARIE.dupont@exemple.fr", "relationship": "mere"},
    )
    assert family["parent"] in family["other"].guardians.all()
    client.post(admin_url("families.child", "detach", family["other"].pk) + f"?parent={family['parent'].pk}")
    family["other"].refresh_from_db()
    assert not family["other"].guardians.exists()
    assert family["other"].status == ChildStatus.ARCHIVED  # no guardian left


def test_no_child_is_attached_by_hand_to_an_account_the_club_closed(client, secretary, family):
    """The child's own « Rattacher à un parent » refuses a refused or suspended account, and keeps what was typed."""
    login_staff(client, secretary)
    parent, noah = family["parent"], family["other"]
    for status, word in ((AccountStatus.REJECTED, "refusé"), (AccountStatus.SUSPENDED, "suspendu")):
        ParentAccount.objects.filter(pk=parent.pk).update(account_status=status)
        response = client.post(
            admin_url("families.child", "attach", noah.pk), {"email": "marie.dupont@exemple.fr", "relationship": "mere"}
        )
        html = unescape(response.content.decode())
        assert response.status_code == 200
        assert f"Le compte de Marie Dupont est {word} : aucun enfant ne peut lui être rattaché." in html
        refusal = html[html.index('<div role="alert">') :]
        refusal = refusal[: refusal.index("aucun enfant")]
        assert 'class="help-block help-critical"' in refusal and "#icon-warning" in refusal  # Wagtail's, its icon
        assert 'value="marie.dupont@exemple.fr"' in html
        assert not noah.guardians.exists()
        noah.refresh_from_db()
        assert noah.status == ChildStatus.MIGRATED
    # the service reads the status again: an account object loaded before the suspension is refused too
    assert parent.account_status == AccountStatus.VALIDATED
    with pytest.raises(children_service.ChildError, match="est suspendu"):
        children_service.attach_child(noah, parent, by=secretary, relationship="mere")
    assert not noah.guardians.exists()


def test_health_notes_are_shown_to_the_secretariat(client, secretary, family):
    login_staff(client, secretary)
    assert "Asthme" in client.get(admin_url("families.child", "inspect", family["lea"].pk)).content.decode()


def test_communication_editors_see_no_child(client, editor, family):
    login_staff(client, editor)
    for url in (
        CHILDREN,
        admin_url("families.child", "inspect", family["lea"].pk),
        admin_url("families.child", "attach", family["lea"].pk),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Asthme" not in response.content.decode() and "Dupont" not in response.content.decode()
    response = client.post(
        admin_url("accounts.parentaccount", "attach_child", family["parent"].pk),
        {"child": family["lea"].pk, "relationship": "mere"},
    )
    assert response.status_code == 403
    assert not Guardianship.objects.exists()
