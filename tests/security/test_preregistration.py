"""An address belongs to whoever proves it: pre-registering someone else's address gains nothing.

The tester's attack: sign up first with a parent's address, one's own password,
phone and a message naming the parent's children; the parent then signs up with
the same address and confirms the link they receive. Before the fix, that link
confirmed the attacker's account.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import get_hasher
from django.core import mail
from django.urls import reverse
from wagtail.models import ModelLogEntry

from memberspace.accounts.models import User
from memberspace.notifications.models import Notification
from tests.admin_urls import admin_url
from tests.factories import ParentFactory
from tests.memberspace.accounts.test_accounts import SIGNUP, text

pytestmark = pytest.mark.django_db

PARENT = {**SIGNUP, "email": "marie.dupont@exemple.fr", "password1": "Le-mot-de-passe-de-Marie-2026"}
ATTACKER = {
    **SIGNUP,
    "email": "marie.dupont@exemple.fr",
    "first_name": "Marie",
    "last_name": "Dupont",
    "password1": "Le-mot-de-passe-du-pirate-99",
    "phone": "07 99 88 77 66",
    "street": "1 impasse du Pirate",
    "postal_code": "13001",
    "city": "Marseille",
    "notification_preference": "sms",
    "club_message": "Mes enfants Léa et Hugo Dupont, merci de les rattacher.",
}


def links_sent_to(address):
    return [
        re.search(r"https?://testserver(/compte/confirm-email/[^\s]+)", message.body).group(1)
        for message in mail.outbox
        if address in message.to and "confirm-email" in message.body
    ]


def sign_up(client, data, capture):
    with capture(execute=True):
        return client.post(reverse("account_signup"), data)


def test_the_parents_own_link_confirms_an_account_with_their_own_password_and_details(
    client, home, django_capture_on_commit_callbacks
):
    attacker, parent = client.__class__(), client
    first = sign_up(attacker, ATTACKER, django_capture_on_commit_callbacks)
    [attackers_link] = links_sent_to(PARENT["email"])  # the attacker's link lands in the parent's mailbox
    second = sign_up(parent, PARENT, django_capture_on_commit_callbacks)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    [_, parents_link] = links_sent_to(PARENT["email"])  # the parent's own sign-up sent its own link

    account = User.objects.get(email=PARENT["email"])
    assert account.check_password(PARENT["password1"]) and not account.check_password(ATTACKER["password1"])
    assert (account.phone, account.street, account.city, account.notification_preference) == (
        "+33612345678",
        PARENT["street"],
        PARENT["city"],
        PARENT["notification_preference"],
    )
    assert account.club_message == PARENT["club_message"]
    # The attacker's link is dead; the page says why and where to go, without a dead end.
    dead = parent.get(attackers_link)
    assert "Ce lien n'est plus valable" in text(dead) and 'href="/compte/login/"' in dead.content.decode()
    assert parent.post(attackers_link).status_code in (200, 404)
    assert not EmailAddress.objects.filter(email=PARENT["email"], verified=True).exists()

    # The parent's link shows whose account it confirms, then confirms the parent's own.
    page = text(parent.get(parents_link))
    assert "se terminant par 78" in page and "se terminant par 66" not in page
    assert "75005 Paris" in page and PARENT["club_message"] in page and "Marseille" not in page
    parent.post(parents_link)
    assert EmailAddress.objects.get(email=PARENT["email"]).verified
    account.refresh_from_db()
    assert account.pending_since is not None
    # Nothing of the attacker's is left anywhere: not on the account, not in the outbox.
    for value in ("+33799887766", ATTACKER["street"], ATTACKER["password1"]):
        assert not User.objects.filter(phone=value).exists() and not User.objects.filter(street=value).exists()
        assert not Notification.objects.filter(body_text__contains=value).exists()
    assert User.objects.filter(email__iexact=PARENT["email"]).count() == 1
    # The secretariat sees that an earlier, unverified sign-up used this address.
    assert ModelLogEntry.objects.filter(action="po.account.signup_replaced", object_id=str(account.pk)).exists()

    # The attacker's password opens nothing; the parent's does.
    attacker.post(reverse("account_login"), {"login": PARENT["email"], "password": ATTACKER["password1"]})
    assert "_auth_user_id" not in attacker.session
    parent.post(reverse("account_logout"))
    parent.post(reverse("account_login"), {"login": PARENT["email"], "password": PARENT["password1"]})
    assert parent.session["_auth_user_id"] == str(account.pk)


def test_a_sign_up_over_a_verified_account_changes_nothing_and_sends_no_link(
    client, home, django_capture_on_commit_callbacks
):
    owner = ParentFactory(email=PARENT["email"], phone="+33611111111")
    password = owner.password
    response = sign_up(client, ATTACKER, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
    owner.refresh_from_db()
    assert (owner.password, owner.phone) == (password, "+33611111111")
    assert links_sent_to(PARENT["email"]) == []  # the owner is told an account exists, with no link to confirm
    assert User.objects.filter(email=PARENT["email"]).count() == 1


def test_a_staff_address_is_never_taken_over_by_a_sign_up(client, home, django_capture_on_commit_callbacks):
    staff = User.objects.create_user("secretariat@le-po.test", "Un-mot-de-passe-2026", is_staff=True)
    sign_up(client, {**ATTACKER, "email": "secretariat@le-po.test"}, django_capture_on_commit_callbacks)
    assert User.objects.get(email="secretariat@le-po.test").pk == staff.pk
    assert User.objects.get(pk=staff.pk).check_password("Un-mot-de-passe-2026")


def test_the_same_sign_up_sent_twice_makes_one_account_and_one_link(client, home, django_capture_on_commit_callbacks):
    first = sign_up(client, PARENT, django_capture_on_commit_callbacks)
    again = sign_up(client.__class__(), PARENT, django_capture_on_commit_callbacks)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    account = User.objects.get(email=PARENT["email"])
    [link] = links_sent_to(PARENT["email"])
    client.post(link)
    assert EmailAddress.objects.get(user=account).verified
    assert not ModelLogEntry.objects.filter(action="po.account.signup_replaced").exists()


class CountingHasher:
    """Counts the password hashes computed (the costly work of a sign-up)."""

    def __init__(self, monkeypatch):
        self.count = 0
        hasher = get_hasher()
        original = hasher.__class__.encode

        def encode(hasher_self, *args, **kwargs):
            self.count += 1
            return original(hasher_self, *args, **kwargs)

        monkeypatch.setattr(hasher.__class__, "encode", encode)


@pytest.mark.parametrize("holder", ["none", "unverified", "verified", "resubmission"])
def test_every_sign_up_does_the_same_costly_work_whoever_holds_the_address(
    client, home, monkeypatch, holder, django_capture_on_commit_callbacks
):
    """One password hash whatever the address: its time cannot tell whether an account exists.

    The time itself is measured by benchmarks/signup_timing.py with the production hasher.
    """
    if holder == "verified":
        ParentFactory(email=PARENT["email"])
    elif holder == "unverified":
        sign_up(client.__class__(), ATTACKER, django_capture_on_commit_callbacks)
    elif holder == "resubmission":
        sign_up(client.__class__(), PARENT, django_capture_on_commit_callbacks)
    hashes = CountingHasher(monkeypatch)
    response = sign_up(client, PARENT, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
    assert hashes.count == 1


def test_the_secretariat_is_shown_a_replaced_sign_up_and_every_later_change_of_details(
    client, home, secretary, django_capture_on_commit_callbacks
):
    from memberspace.accounts import services as accounts
    from tests.auth import login_staff

    sign_up(client.__class__(), ATTACKER, django_capture_on_commit_callbacks)
    sign_up(client, PARENT, django_capture_on_commit_callbacks)
    account = User.objects.get(email=PARENT["email"])
    EmailAddress.objects.filter(user=account).update(verified=True)
    staff = login_staff(client.__class__(), secretary)

    page = text(staff.get(admin_url("accounts.parentaccount", "validate", account.pk)))
    assert "Une inscription antérieure avec cette adresse n'avait jamais été confirmée" in page
    assert "Coordonnées inchangées depuis l'inscription" in page

    accounts.validate(account, by=secretary)
    client.force_login(account)
    profile = {name: PARENT[name] for name in ("first_name", "last_name", "street", "postal_code", "city")}
    client.post(reverse("memberspace:profile"), {**profile, "city": "Lyon", "notification_preference": "sms"})
    page = text(staff.get(admin_url("accounts.parentaccount", "inspect", account.pk)))
    assert "Modifié par le parent le" in page and "commune, être prévenu" in page
    assert "Lyon" not in str(ModelLogEntry.objects.filter(action="po.account.details_changed").values("data"))


def test_a_replaced_sign_up_leaves_no_history_behind(client, home, django_capture_on_commit_callbacks):
    sign_up(client.__class__(), ATTACKER, django_capture_on_commit_callbacks)
    sign_up(client.__class__(), {**ATTACKER, "first_name": "Second"}, django_capture_on_commit_callbacks)
    replaced = User.objects.get(email=PARENT["email"])
    assert ModelLogEntry.objects.filter(object_id=str(replaced.pk)).count() == 1
    sign_up(client, PARENT, django_capture_on_commit_callbacks)
    account = User.objects.get(email=PARENT["email"])
    assert not ModelLogEntry.objects.filter(object_id=str(replaced.pk)).exists()
    assert not ModelLogEntry.objects.filter(label__contains="Second").exists()
    assert ModelLogEntry.objects.filter(object_id=str(account.pk), action="po.account.signup_replaced").count() == 1


def test_a_password_reset_never_hands_a_pre_registered_account_to_the_mailbox_owner(
    client, home, django_capture_on_commit_callbacks
):
    sign_up(client.__class__(), ATTACKER, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": PARENT["email"]})
    assert response.status_code == 302
    [message] = mail.outbox
    assert "/compte/password/reset/key/" not in message.body  # no link to set a password on it
    assert "/compte/signup/" in message.body  # but the way to create one's own account
    # The parent signs up as the email says, and the account is the parent's own.
    sign_up(client, PARENT, django_capture_on_commit_callbacks)
    account = User.objects.get(email=PARENT["email"])
    assert account.check_password(PARENT["password1"]) and account.phone == "+33612345678"


def test_a_password_reset_still_works_for_a_verified_account(client, home, django_capture_on_commit_callbacks):
    ParentFactory(email=PARENT["email"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": PARENT["email"]})
    assert any("/compte/password/reset/key/" in message.body for message in mail.outbox)


def test_an_unconfirmed_account_the_secretariat_attached_a_child_to_is_never_replaced(
    client, home, django_capture_on_commit_callbacks
):
    from memberspace.families.models import Child, Guardianship

    sign_up(client.__class__(), PARENT, django_capture_on_commit_callbacks)
    account = User.objects.get(email=PARENT["email"])
    child = Child.objects.create(first_name="Léa", last_name="Dupont", birth_date="2018-03-01")
    Guardianship.objects.create(child=child, parent=account, relationship="mere")
    sign_up(client, ATTACKER, django_capture_on_commit_callbacks)
    assert User.objects.get(email=PARENT["email"]).pk == account.pk
    assert Guardianship.objects.filter(child=child, parent=account).exists()
