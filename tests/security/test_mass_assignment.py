"""Mass assignment (issue 7, item 2): extra POST fields change nothing.

Each member form is posted, valid, with the fields it shows plus fields of the
model it does not show (status, validation, guardians, staff flags, prices,
references...). What the form shows is saved; nothing else moves.
"""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from memberspace.enrollments.models import Enrollment
from memberspace.families.models import Child, Guardianship, Invitation
from memberspace.notifications.models import Notification
from tests.admin_urls import admin_url
from tests.factories import PASSWORD
from tests.security.conftest import HEALTH, OWNER_EMAIL, birth_date_for, snapshot

pytestmark = pytest.mark.django_db

User = get_user_model()
LONG_AGO = "2001-01-01 00:00:00"


def account_extras(world):
    """What an account must never set for itself."""
    secretariat = world.secretary.groups.get()
    return {
        "account_status": "validated",
        "is_staff": "on",
        "is_superuser": "on",
        "is_active": "on",
        "groups": [secretariat.pk],
        "user_permissions": ["1", "2"],
        "pending_since": LONG_AGO,
        "status_changed_at": LONG_AGO,
        "status_reason": "injecté",
        "erasure_requested_at": LONG_AGO,
        "erased_at": LONG_AGO,
        "date_joined": LONG_AGO,
        "last_login": LONG_AGO,
        "password": "pbkdf2_sha256$1$x$y",
        "email": "pirate@exemple.fr",
        "phone": "+33699999999",
        "privacy_consent_at": LONG_AGO,
        "verified": "on",
        "primary": "on",
    }


def user_row(user):
    return User.objects.filter(pk=user.pk).values().get()


def changed_fields(before, after):
    return {name for name in before if before[name] != after[name]}


def test_the_sign_up_sets_no_status_nor_right(client, world):
    data = {
        "first_name": "Nadia",
        "last_name": "Nouvelle",
        "password1": "un-mot-de-passe-tres-solide",
        "street": "3 rue Neuve",
        "postal_code": "75011",
        "city": "Paris",
        "notification_preference": "email",
        "privacy_consent": "on",
        **account_extras(world),
        # The form's own fields, after the extras that carry the same names.
        "email": "nadia.nouvelle@exemple.fr",
        "phone": "06 12 34 56 78",
        "club_message": "Bonjour",
    }
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="nadia.nouvelle@exemple.fr")
    assert user.account_status == "pending"
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert not user.groups.exists() and not user.user_permissions.exists()
    assert user.pending_since is None and user.status_reason == "" and user.erasure_requested_at is None
    assert user.phone == "+33612345678"
    assert user.check_password("un-mot-de-passe-tres-solide")
    assert user.date_joined > timezone.now() - datetime.timedelta(minutes=5)
    assert not EmailAddress.objects.filter(user=user, verified=True).exists()  # still to be verified
    assert not user.is_validated_parent


def test_the_profile_changes_only_the_profile(client, world):
    owner = world.owner
    client.force_login(owner)
    before = user_row(owner)
    data = {
        "first_name": "Claire-Marie",
        "last_name": owner.last_name,
        "street": "9 rue Changée",
        "postal_code": "75012",
        "city": "Paris",
        "notification_preference": "sms",
        **account_extras(world),
        "account_status": "pending",
    }
    response = client.post(reverse("memberspace:profile"), data)
    assert response.status_code == 302
    after = user_row(owner)
    assert changed_fields(before, after) == {"first_name", "street", "postal_code", "city", "notification_preference"}
    assert not User.objects.get(pk=owner.pk).groups.exists()
    assert list(EmailAddress.objects.filter(user=owner).values_list("email", flat=True)) == [OWNER_EMAIL]


def test_the_phone_change_changes_only_the_phone(client, world):
    owner = world.owner
    client.force_login(owner)
    before = user_row(owner)
    data = {**account_extras(world), "account_status": "pending", "phone": "07 98 76 54 32"}
    # The page asks for the password again, then replays the request it held, extra fields included.
    response = client.post(reverse("memberspace:change_phone"), data)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    assert user_row(owner) == before
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("memberspace:profile")
    after = user_row(owner)
    assert changed_fields(before, after) == {"phone"} and after["phone"] == "+33798765432"
    assert not User.objects.get(pk=owner.pk).groups.exists()


def child_fields(**changes):
    return {
        "first_name": "Hugo",
        "last_name": "Proprio",
        "birth_date": birth_date_for(7).isoformat(),
        "sex": "M",
        "school_level": "CE1",
        "health_notes": "Rien",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "may_leave_alone": "False",
        **changes,
    }


def child_extras(world):
    return {
        "status": "migrated",
        "legacy_id": "999999",
        "legacy_activities": "injecté",
        "legacy_fingerprint": "x" * 64,
        "first_name_key": "injecte",
        "last_name_key": "injecte",
        "guardians": [world.other.pk],
        "guardianships": [world.other.pk],
        "parent": world.other.pk,
        "created_by": world.other.pk,
        "created_at": LONG_AGO,
        "child": world.other_child.pk,
        "id": world.other_child.pk,
        "pk": world.other_child.pk,
    }


def test_adding_a_child_sets_only_its_details(client, world):
    client.force_login(world.owner)
    data = {"relationship": "mere", **child_fields(), **child_extras(world)}
    response = client.post(reverse("memberspace:child_add"), data)
    assert response.status_code == 302
    child = Child.objects.get(first_name="Hugo")
    assert response["Location"] == reverse("memberspace:child_detail", args=[child.pk])
    assert child.status == "active" and child.legacy_id is None and child.legacy_activities == ""
    assert child.legacy_fingerprint == "" and child.first_name_key == "hugo"
    assert child.created_by == world.owner
    assert child.created_at > timezone.now() - datetime.timedelta(minutes=5)
    assert list(child.guardianships.values_list("parent", "relationship")) == [(world.owner.pk, "mere")]
    assert list(world.other_child.guardians.all()) == [world.other]  # the child named in "id" is untouched


def test_editing_a_child_changes_only_its_details(client, world):
    child = world.child
    client.force_login(world.owner)
    guardians = set(child.guardianships.values_list("parent", "relationship"))
    before = Child.objects.filter(pk=child.pk).values().get()
    data = {
        **child_fields(first_name=child.first_name, last_name=child.last_name, sex="F"),
        "birth_date": child.birth_date.isoformat(),
        "health_notes": "Asthme léger",
        **child_extras(world),
    }
    response = client.post(reverse("memberspace:child_edit", args=[child.pk]), data)
    assert response.status_code == 302
    after = Child.objects.filter(pk=child.pk).values().get()
    assert changed_fields(before, after) - {"updated_at"} == {
        "school_level",
        "health_notes",
        "emergency_contact_name",
        "emergency_contact_phone",
    }
    assert set(child.guardianships.values_list("parent", "relationship")) == guardians
    assert Child.objects.filter(pk=world.other_child.pk).values().get()["health_notes"] == ""
    assert HEALTH not in after["health_notes"]


def test_an_enrollment_request_sets_no_status_price_nor_reference(client, world):
    offer = world.free_stay
    client.force_login(world.owner)
    price, deposit = offer.price, offer.deposit_amount
    data = {
        "offre": offer.pk,
        "children": [world.child.pk],
        "comment": "Merci",
        "status": "validated",
        "price": "0",
        "deposit_amount": "0",
        "deposit_due_date": "2001-01-01",
        "requested_by": world.other.pk,
        "requested_at": LONG_AGO,
        "reference": "PO-2001-00001",
        "validated_at": LONG_AGO,
        "validated_by": world.secretary.pk,
        "deposit_received_at": LONG_AGO,
        "staff_note": "injecté",
        "refusal_reason": "injecté",
        "child": world.other_child.pk,
        "offer": world.stay.pk,
        "parent_comment": "injecté",
    }
    response = client.post(reverse("memberspace:enrollment_request"), data)
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(offer=offer)
    assert enrollment.child == world.child and enrollment.status == "requested"
    assert enrollment.requested_by == world.owner
    assert enrollment.reference != "PO-2001-00001" and re.fullmatch(r"PO-\d{4}-\d{5}", enrollment.reference)
    assert enrollment.requested_at > timezone.now() - datetime.timedelta(minutes=5)
    assert enrollment.parent_comment == "Merci"
    assert (enrollment.deposit_amount, enrollment.deposit_due_date) == (None, None)
    assert (enrollment.validated_at, enrollment.validated_by, enrollment.deposit_received_at) == (None, None, None)
    assert enrollment.staff_note == "" and enrollment.refusal_reason == ""
    offer.refresh_from_db()
    assert (offer.price, offer.deposit_amount) == (price, deposit)
    assert not Enrollment.objects.filter(child=world.other_child).exists()


def test_an_invitation_sets_no_inviter_date_nor_acceptance(client, world):
    client.force_login(world.owner)
    data = {
        "email": "tata@exemple.fr",
        "children": [world.child.pk],
        "relationship": "autre",
        "inviter": world.other.pk,
        "expires_at": "2099-01-01 00:00:00",
        "created_at": LONG_AGO,
        "accepted_at": LONG_AGO,
        "accepted_by": world.other.pk,
        "withdrawn_at": LONG_AGO,
        "token_hash": "0" * 64,
        "token": "connu",
    }
    response = client.post(reverse("memberspace:invite"), data)
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="tata@exemple.fr")
    assert invitation.inviter == world.owner
    assert (invitation.accepted_at, invitation.accepted_by, invitation.withdrawn_at) == (None, None, None)
    assert invitation.token_hash != "0" * 64
    days = (invitation.expires_at - timezone.now()) / datetime.timedelta(days=1)
    assert 13.9 < days <= 14
    assert list(invitation.children.all()) == [world.child]


def test_the_secretariats_reason_form_changes_only_what_the_action_does(client, world):
    """The admin's action forms too: refusing an enrollment sets its refusal, nothing posted besides."""
    from tests.auth import login_staff

    login_staff(client, world.secretary)
    enrollment = world.requested
    before = snapshot()
    url = admin_url("enrollments.enrollment", "refuse", enrollment.pk)
    data = {"reason": "Complet", "status": "deposit_received", "deposit_amount": "0", "child": world.other_child.pk}
    assert client.post(url, data).status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == "refused" and enrollment.refusal_reason == "Complet"
    assert enrollment.deposit_amount is None and enrollment.child == world.child
    after = snapshot()
    changed_tables = {name for name in before if before[name] != after[name]}
    assert changed_tables == {"Enrollment", "Notification"}
    assert Notification.objects.filter(kind="enrollment_refused").exists()
    assert Guardianship.objects.filter(child=world.other_child).count() == 1
