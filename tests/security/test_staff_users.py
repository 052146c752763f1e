"""Staff added in the admin are staff, never parents (issue 11, finding 8).

Before: « Paramètres › Utilisateurs › Ajouter » made an account that was not
``is_staff``: listed under « Comptes parents » as pending, and deleted by the
daily purge of unverified accounts after 7 days.
"""

import datetime
from html import unescape

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from config.roles import COMMUNICATION, SECRETARIAT
from memberspace.accounts.models import ParentAccount
from memberspace.privacy import services as privacy
from tests.admin_urls import admin_url
from tests.auth import login_staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Un-mot-de-passe-d-equipe-2026"


def text(response):
    return unescape(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


@pytest.fixture
def superuser(roles):
    return UserFactory(email="admin@le-po.test", first_name="Ada", last_name="Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    return login_staff(client, superuser)


def add_user(client, **fields):
    data = {
        "email": "nouvelle.secretaire@le-po.test",
        "first_name": "Nina",
        "last_name": "Nouvelle",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(reverse("wagtailusers_users:add"), data)


def age(user, days):
    get_user_model().objects.filter(pk=user.pk).update(date_joined=timezone.now() - datetime.timedelta(days=days))


@pytest.mark.parametrize(("role", "group"), [("secretariat", SECRETARIAT), ("communication", COMMUNICATION)])
def test_a_user_added_in_the_admin_is_staff_with_the_chosen_role_and_never_a_parent(admin_client, role, group):
    form = text(admin_client.get(reverse("wagtailusers_users:add")))
    assert "Rôle" in form and "Secrétariat" in form and "Communication" in form and "Administrateur" in form

    response = add_user(admin_client, role=role)

    assert response.status_code == 302
    assert "Nina Nouvelle" in text(admin_client.get(response["Location"]))  # « Utilisateur … créé »
    user = get_user_model().objects.get(email="nouvelle.secretaire@le-po.test")
    assert user.is_staff and not user.is_superuser and not user.is_parent
    assert list(user.groups.values_list("name", flat=True)) == [group]
    assert not ParentAccount.objects.filter(pk=user.pk).exists()
    listing = text(admin_client.get(admin_url("accounts.parentaccount")))
    assert "Nouvelle" not in listing
    # Eight days later, with no verified address and nothing else: still there.
    age(user, 8)
    purges = privacy.run_purges()
    assert all(user.pk not in {account.pk for account in purge.found} for purge in purges[:2])
    assert get_user_model().objects.filter(pk=user.pk, is_staff=True).exists()


def test_an_administrator_may_add_an_administrator(admin_client):
    assert add_user(admin_client, role="administrateur").status_code == 302
    user = get_user_model().objects.get(email="nouvelle.secretaire@le-po.test")
    assert user.is_staff and user.is_superuser and not user.groups.exists()


def test_the_form_refuses_a_user_without_a_role_in_french_and_keeps_what_was_typed(admin_client):
    response = add_user(admin_client, role=None)

    assert response.status_code == 200
    page = text(response)
    assert "Choisissez le rôle de ce membre de l'équipe." in page
    assert 'value="nouvelle.secretaire@le-po.test"' in response.content.decode()
    assert not get_user_model().objects.filter(email="nouvelle.secretaire@le-po.test").exists()


def test_a_staff_member_made_any_other_way_is_neither_listed_nor_purged_as_a_parent(roles, secretary):
    """``createsuperuser``, or a shell: ``create_user`` then a group, without ``is_staff``."""
    users = get_user_model().objects
    superuser = users.create_superuser(email="root@le-po.test", password=PASSWORD)
    shell_made = users.create_user(email="fait-a-la-main@le-po.test", password=PASSWORD)
    shell_made.groups.add(roles[COMMUNICATION])
    unverified_parent = users.create_user(email="jamais-verifie@exemple.fr", password=PASSWORD)
    for user in (superuser, shell_made, unverified_parent):
        age(user, 8)

    assert set(ParentAccount.objects.values_list("email", flat=True)) == {"jamais-verifie@exemple.fr"}
    purge = privacy.purge_unverified_accounts()

    assert [account.email for account in purge.found] == ["jamais-verifie@exemple.fr"]
    assert set(users.values_list("email", flat=True)) == {
        "root@le-po.test",
        "fait-a-la-main@le-po.test",
        secretary.email,
    }


def test_only_an_administrator_may_make_an_administrator(client, secretary):
    """A member of staff allowed to add users (not an administrator) is offered the two groups only."""
    secretary.user_permissions.add(Permission.objects.get(content_type__app_label="accounts", codename="add_user"))
    login_staff(client, secretary)
    assert "Administrateur" not in text(client.get(reverse("wagtailusers_users:add")))

    response = add_user(client, role="administrateur")

    assert response.status_code == 200
    assert "Choisissez un des rôles proposés." in text(response)
    assert not get_user_model().objects.filter(email="nouvelle.secretaire@le-po.test").exists()
