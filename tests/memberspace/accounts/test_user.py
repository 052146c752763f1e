"""The custom user model: the email address is the login, there is no username."""

from importlib import import_module

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_user_model_is_accounts_user():
    assert User._meta.label == "accounts.User"
    assert User.USERNAME_FIELD == "email"
    assert "username" not in {field.name for field in User._meta.get_fields()}


def test_create_user_with_email_only():
    user = User.objects.create_user("Marie.Dupont@Exemple.FR", "un-mot-de-passe-solide", first_name="Marie")
    assert user.email == "marie.dupont@exemple.fr"
    assert not user.is_staff and not user.is_superuser
    assert authenticate(username="MARIE.DUPONT@exemple.fr", password="un-mot-de-passe-solide") == user


def test_email_is_unique_whatever_its_case():
    User.objects.create_user("marie@exemple.fr", "x")
    with pytest.raises(IntegrityError):
        User.objects.create_user("MARIE@exemple.fr", "y")


def test_create_superuser():
    admin = User.objects.create_superuser("admin@exemple.fr", "x")
    assert admin.is_staff and admin.is_superuser
    with pytest.raises(ValueError):
        User.objects.create_superuser("other@exemple.fr", "x", is_superuser=False)
    with pytest.raises(ValueError):
        User.objects.create_user("", "x")


def test_str_is_the_full_name_or_the_email():
    assert str(User(email="a@b.fr", first_name="Léa", last_name="Martin")) == "Léa Martin"
    assert str(User(email="a@b.fr")) == "a@b.fr"


def test_first_migration_creates_the_custom_user():
    initial = import_module("memberspace.accounts.migrations.0001_initial")
    created = [op.name for op in initial.Migration.operations if op.__class__.__name__ == "CreateModel"]
    assert created[0] == "User"
