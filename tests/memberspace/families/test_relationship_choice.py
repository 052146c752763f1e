"""The parent's relationship to a child is an explicit choice, never silently « Mère » (issue 13, item 6).

A father who does not look at the drop-down was recorded as the mother: the child form,
the invitation form and the secretariat's attach forms now start on an empty option, and a
submission without a choice is refused with a French message, keeping what was typed.
"""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from memberspace.families.models import Child, Guardianship, Invitation
from tests import dates
from tests.admin_urls import admin_url
from tests.auth import login_staff
from tests.factories import ChildFactory, ParentFactory

pytestmark = pytest.mark.django_db


def selected(select):
    """The value a browser submits for ``select``: the option marked selected, else the first one."""
    options = select.find_all("option")
    chosen = [option for option in options if option.has_attr("selected")]
    return (chosen[0] if chosen else options[0]).get("value", "")


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def test_the_child_form_starts_with_no_relationship_and_refuses_none(client, home):
    client.force_login(ParentFactory())
    select = soup(client.get(reverse("memberspace:child_add"))).find("select", {"name": "relationship"})
    assert selected(select) == ""
    assert select.find("option").get_text(strip=True) == "— choisir —"
    data = {
        "first_name": "Léa",
        "last_name": "Martin",
        "birth_date": dates.eight_years_old().isoformat(),
        "sex": "F",
        "health_notes": "Allergie aux arachides",
        "may_leave_alone": "False",
    }
    page = soup(client.post(reverse("memberspace:child_add"), data))
    assert "Indiquez votre lien avec l'enfant." in page.find(id="id_relationship_error").get_text()
    assert page.find("input", {"name": "first_name"})["value"] == "Léa"
    assert page.find("textarea", {"name": "health_notes"}).get_text().strip() == "Allergie aux arachides"
    assert not Child.objects.exists()


def test_the_invitation_form_starts_with_no_relationship_and_refuses_none(client, home):
    mother = ParentFactory()
    child = ChildFactory(guardians=[mother])
    client.force_login(mother)
    select = soup(client.get(reverse("memberspace:invite"))).find("select", {"name": "relationship"})
    assert selected(select) == ""
    page = soup(client.post(reverse("memberspace:invite"), {"email": "pere@exemple.fr", "children": [child.pk]}))
    assert "Indiquez son lien avec les enfants." in page.find(id="id_relationship_error").get_text()
    assert page.find("input", {"name": "email"})["value"] == "pere@exemple.fr"
    assert not Invitation.objects.exists()


@pytest.fixture
def account_with_suggestion(home):
    parent = ParentFactory(email="marie.dupont@exemple.fr", last_name="Dupont", postal_code="75005")
    lea = ChildFactory(migrated=True, first_name="Léa", last_name="Dupont", birth_date=datetime.date(2016, 3, 12))
    lea.legacy_contacts.create(last_name="Dupont", email=parent.email, postal_code="75005")
    return parent, lea


def test_the_accounts_attach_drop_down_starts_empty_and_refuses_no_choice(client, secretary, account_with_suggestion):
    parent, lea = account_with_suggestion
    login_staff(client, secretary)
    page = soup(client.get(admin_url("accounts.parentaccount", "inspect", parent.pk)))
    select = page.find("h2", id="suggestions").find_next("form").find("select", {"name": "relationship"})
    assert selected(select) == "" and select.has_attr("required")
    attach = admin_url("accounts.parentaccount", "attach_child", parent.pk)
    response = client.post(attach, {"child": lea.pk, "relationship": ""}, follow=True)
    assert "Choisissez le lien avec le parent" in response.content.decode()
    assert not Guardianship.objects.exists()


def test_the_childs_attach_form_starts_empty_and_refuses_no_choice(client, secretary, account_with_suggestion):
    parent, lea = account_with_suggestion
    login_staff(client, secretary)
    page = soup(client.get(admin_url("families.child", "attach", lea.pk)))
    assert selected(page.find("select", {"name": "relationship"})) == ""
    response = client.post(admin_url("families.child", "attach", lea.pk), {"email": parent.email})
    assert response.status_code == 200
    page = soup(response)
    assert "Indiquez le lien avec l'enfant." in page.get_text()
    assert page.find("input", {"name": "email"})["value"] == parent.email
    assert not Guardianship.objects.exists()
