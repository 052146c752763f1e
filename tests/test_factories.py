"""The factories make each state they name: what a newcomer's test relies on."""

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from memberspace.accounts.models import AccountStatus
from memberspace.enrollments.models import EnrollmentStatus
from memberspace.families.models import ChildStatus, Guardianship, Invitation, hash_token
from memberspace.notifications.models import Notification
from tests.factories import (
    ChildFactory,
    EnrollmentFactory,
    GuardianshipFactory,
    InvitationFactory,
    LegacyContactFactory,
    NotificationFactory,
    ParentFactory,
    StaffFactory,
    StayPageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_a_parent_is_validated_with_a_verified_primary_address():
    parent = ParentFactory(email="Claire@Exemple.fr")
    assert parent.account_status == AccountStatus.VALIDATED and parent.is_validated_parent
    assert parent.has_verified_email()
    assert EmailAddress.objects.get(user=parent).primary
    assert parent.pending_since is None


def test_a_pending_verified_parent_waits_since_now_and_can_be_validated():
    before = timezone.now()
    parent = ParentFactory(pending=True)
    assert parent.account_status == AccountStatus.PENDING
    assert parent.pending_since >= before
    assert parent.can_be_validated()


def test_an_unverified_parent_has_no_address_record_and_is_not_waiting():
    parent = ParentFactory(pending=True, verified=False)
    assert not EmailAddress.objects.filter(user=parent).exists()
    assert parent.pending_since is None
    assert not parent.can_be_validated()


def test_pending_since_may_be_chosen_or_left_unset():
    chosen = timezone.now() - timezone.timedelta(hours=50)
    assert ParentFactory(pending=True, pending_since=chosen).pending_since == chosen
    assert ParentFactory(pending=True, pending_since=None).pending_since is None


@pytest.mark.parametrize(
    ("trait", "status", "active"),
    [("rejected", AccountStatus.REJECTED, True), ("suspended", AccountStatus.SUSPENDED, False)],
)
def test_rejected_and_suspended_parents_carry_a_reason(trait, status, active):
    parent = ParentFactory(**{trait: True})
    assert parent.account_status == status
    assert parent.is_active is active
    assert parent.status_reason and parent.status_changed_at


def test_the_user_factory_still_makes_a_plain_pending_account():
    user = UserFactory()
    assert user.account_status == AccountStatus.PENDING
    assert not EmailAddress.objects.filter(user=user).exists()


def test_staff_are_put_in_the_roles_named(roles):
    staff = StaffFactory(groups=["Secrétariat"])
    assert staff.is_staff and not staff.is_parent
    assert list(staff.groups.values_list("name", flat=True)) == ["Secrétariat"]


def test_a_child_gets_its_guardians_with_their_relationships():
    mother, father, tutor = ParentFactory(), ParentFactory(), ParentFactory()
    lea = ChildFactory(guardians=[mother, (father, "pere")])
    hugo = ChildFactory(first_name="Hugo", guardians=[tutor], guardians__relationship="tuteur")
    assert lea.status == ChildStatus.ACTIVE and 7 <= lea.age <= 8
    assert dict(Guardianship.objects.filter(child=lea).values_list("parent", "relationship")) == {
        mother.pk: "mere",
        father.pk: "pere",
    }
    assert Guardianship.objects.get(child=hugo).relationship == "tuteur"


def test_migrated_and_archived_children():
    migrated, other = ChildFactory(migrated=True), ChildFactory(migrated=True)
    assert migrated.status == ChildStatus.MIGRATED and migrated.legacy_id != other.legacy_id
    assert not migrated.guardians.exists()
    archived = ChildFactory(archived=True)
    assert archived.status == ChildStatus.ARCHIVED and archived.archived_at


def test_a_guardianship_and_a_legacy_contact_make_what_they_hang_on():
    guardianship = GuardianshipFactory(relationship="pere")
    assert guardianship.parent.is_validated_parent and guardianship.child.guardians.get() == guardianship.parent
    contact = LegacyContactFactory(last_name="Dupré")
    assert contact.child.status == ChildStatus.MIGRATED and contact.last_name_key


def test_an_invitation_keeps_only_the_hash_of_its_token():
    lea = ChildFactory()
    invitation = InvitationFactory(token="secret-token", children=[lea])
    assert invitation.token_hash == hash_token("secret-token")
    assert list(invitation.children.all()) == [lea]
    assert Invitation.objects.pending().get() == invitation
    for trait in ("accepted", "withdrawn", "expired"):
        assert not InvitationFactory(**{trait: True}).is_pending()


@pytest.mark.parametrize("status", EnrollmentStatus.values)
def test_an_enrollment_trait_per_state_sets_its_dates(stay_index, status):
    offer = StayPageFactory(parent=stay_index)
    enrollment = EnrollmentFactory(offer=offer, **{status: True})
    assert enrollment.status == status
    dates = {
        "waitlisted": "waitlisted_at",
        "validated": "validated_at",
        "deposit_received": "deposit_received_at",
        "paid": "paid_at",
        "refused": "refused_at",
        "cancelled": "cancelled_at",
    }
    for state, field in dates.items():
        expected = (
            state == status
            or (state == "validated" and status in ("deposit_received", "paid"))
            or (state == "deposit_received" and status == "paid")
            or (state == "waitlisted" and status == "offered")  # offered from the waiting list
        )
        assert (getattr(enrollment, field) is not None) is expected, field
    if enrollment.takes_a_place:
        assert enrollment.deposit_amount == offer.deposit_amount and enrollment.deposit_due_date
        assert enrollment.price == offer.price
    # The money its state stands for is recorded: the deposit, or the price once paid.
    received = {"deposit_received": offer.deposit_amount, "paid": offer.price}.get(status)
    assert [payment.amount for payment in enrollment.payments.all()] == ([received] if received else [])


def test_notifications_queued_sent_or_failed():
    queued = NotificationFactory()
    assert queued.status == Notification.Status.QUEUED and queued.address == queued.user.email
    assert NotificationFactory(sent=True).sent_at
    failed = NotificationFactory(failed=True, sms=True)
    assert failed.status == Notification.Status.FAILED and failed.address == failed.user.phone
