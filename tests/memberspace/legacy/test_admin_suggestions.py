"""The legacy app's panel on a parent's account screen, as a browser posts it (CSRF checked)."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from memberspace.families.models import Child, ChildStatus
from memberspace.legacy.models import LegacyContact
from tests.auth import login_staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_suggestions_form_posts_with_its_csrf_token_and_attaches(home, secretary):
    parent = UserFactory(
        email="marie.dupont@exemple.fr", last_name="Dupont", account_status="validated", postal_code="75005"
    )
    EmailAddress.objects.create(user=parent, email=parent.email, verified=True, primary=True)
    lea = Child.objects.create(
        first_name="Léa", last_name="Dupont", birth_date=datetime.date(2016, 3, 12), status=ChildStatus.MIGRATED
    )
    LegacyContact.objects.create(child=lea, last_name="Dupont", email=parent.email, postal_code="75005")
    client = login_staff(Client(enforce_csrf_checks=True), secretary)

    page = client.get(reverse("accounts_parentaccount_modeladmin_inspect", args=[parent.pk]))
    form = BeautifulSoup(page.content, "html.parser").find("h2", id="suggestions").find_next("form")
    assert form["action"] == reverse("accounts_parentaccount_modeladmin_attach_child", args=[parent.pk])
    token = form.find("input", attrs={"name": "csrfmiddlewaretoken"})
    assert token and token["value"]  # the panel renders in its own context: the token must be passed on

    response = client.post(
        form["action"], {"csrfmiddlewaretoken": token["value"], "child": lea.pk, "relationship": "mere"}
    )
    assert response.status_code == 302
    assert lea.guardians.filter(pk=parent.pk).exists()


def test_a_childs_screen_shows_the_parents_the_old_base_knew(home, secretary):
    """The legacy app's panel on a child's screen (construct_child_panels)."""
    lea = Child.objects.create(
        first_name="Léa", last_name="Dupont", birth_date=datetime.date(2016, 3, 12), status=ChildStatus.MIGRATED
    )
    LegacyContact.objects.create(child=lea, first_name="Marie", last_name="Dupont", email="marie@exemple.fr")
    client = login_staff(Client(), secretary)
    page = client.get(reverse("families_child_modeladmin_inspect", args=[lea.pk])).content.decode()
    assert "Parents dans l&#x27;ancienne base" in page or "Parents dans l'ancienne base" in page
    assert "marie@exemple.fr" in page
