"""The transition tables: one per state machine, read by the guards, the services, the row buttons,
the one-record action views and the bulk actions alike (memberspace.secretariat.transitions)."""

import dataclasses
import datetime
from decimal import Decimal
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.views.bulk_action.registry import bulk_action_registry

from memberspace.accounts.models import ACCOUNT_TRANSITIONS, AccountStatus, User
from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import ENROLLMENT_TRANSITIONS, Enrollment, EnrollmentStatus
from memberspace.families.models import Child, Guardianship
from memberspace.secretariat.transitions import StateMachine, Transition
from tests import dates
from tests.auth import login_staff
from tests.factories import StayPageFactory, UserFactory

ACCOUNTS = reverse("accounts_parentaccount_modeladmin_index")
ENROLLMENTS = reverse("enrollments_enrollment_modeladmin_index")
CALLS = []


def record(obj, *, by, **kwargs):
    """A service function for the tests of ``Transition.run``."""
    CALLS.append((obj, by, kwargs))
    return obj


def bulk_url(app, model, action, *objects):
    ids = "&".join(f"id={obj.pk}" for obj in objects)
    return reverse("wagtail_bulk_action", args=[app, model, action]) + f"?{ids}&next=/admin/"


def refusing(machine, name, monkeypatch):
    """Make the table's transition ``name`` refuse every record, as a guard would."""
    refused = dataclasses.replace(machine[name], condition=lambda obj: False)
    monkeypatch.setitem(machine.transitions, name, refused)


def account(status=AccountStatus.PENDING, **kwargs):
    user = UserFactory(account_status=status, **kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if status == AccountStatus.PENDING:
        User.objects.filter(pk=user.pk).update(pending_since=timezone.now())
    return user


# The tables themselves


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (EnrollmentStatus.REQUESTED, ["validate", "waitlist", "refuse", "cancel", "cancel_by_guardian"]),
        (EnrollmentStatus.WAITLISTED, ["validate", "refuse", "cancel", "cancel_by_guardian", "offer_place"]),
        # A place offered: the family answers (or the offer expires); the secretariat may accept for it.
        (EnrollmentStatus.OFFERED, ["validate", "cancel", "accept_place", "decline_place", "expire_place"]),
        # The money moves these (memberspace.payments): the secretariat records a payment.
        (EnrollmentStatus.VALIDATED, ["payment", "deposit", "settle", "cancel"]),
        (EnrollmentStatus.DEPOSIT_RECEIVED, ["payment", "settle", "reopen_payment", "cancel"]),
        (EnrollmentStatus.PAID, ["payment", "reopen_payment", "cancel"]),
        (EnrollmentStatus.REFUSED, []),
        (EnrollmentStatus.CANCELLED, []),
    ],
)
def test_the_enrollment_table_says_which_transitions_leave_each_state(status, expected):
    enrollment = Enrollment(status=status)
    assert [transition.name for transition in ENROLLMENT_TRANSITIONS.allowed(enrollment)] == expected
    # The staff's (with a label): all but the parents' own answers and the automatic ones.
    automatic = {"cancel_by_guardian", "offer_place", "accept_place", "decline_place", "expire_place"}
    automatic |= {"deposit", "settle", "reopen_payment"}
    staff = [name for name in expected if name not in automatic]
    assert [transition.name for transition in ENROLLMENT_TRANSITIONS.offered(enrollment)] == staff
    # The model's guards are the table's.
    assert enrollment.can_be_validated() == ("validate" in expected)
    assert enrollment.can_record_deposit() == ("deposit" in expected)
    assert enrollment.can_take_payment() == ("payment" in expected)
    assert enrollment.can_be_cancelled_by_guardian() == ("cancel_by_guardian" in expected)


def test_the_account_table_adds_its_conditions_to_the_state():
    pending = User(account_status=AccountStatus.PENDING)
    pending.email_verified = False  # as the admin's listing annotates it
    assert [t.name for t in ACCOUNT_TRANSITIONS.allowed(pending)] == ["reject"]
    pending.email_verified = True
    assert [t.name for t in ACCOUNT_TRANSITIONS.allowed(pending)] == ["validate", "reject"]
    leaving = User(account_status=AccountStatus.VALIDATED, erasure_requested_at=timezone.now())
    assert [t.name for t in ACCOUNT_TRANSITIONS.allowed(leaving)] == ["suspend", "erase"]
    assert leaving.can_be_erased() and not leaving.can_be_reinstated()
    assert not User(account_status=AccountStatus.ERASED, erasure_requested_at=timezone.now()).can_be_erased()


def test_a_table_refuses_two_transitions_of_one_name_and_a_guard_of_an_unknown_one():
    with pytest.raises(ValueError):
        StateMachine("status", [Transition("go", sources=("a",)), Transition("go", sources=("b",))], permission="x")
    machine = StateMachine("status", [Transition("go", sources=("a",))], permission="x")
    with pytest.raises(KeyError):
        machine.guard("stop")


def test_a_transition_calls_its_service_with_a_reason_only_when_it_asks_one():
    CALLS.clear()
    service = f"{__name__}.record"
    Transition("go", sources=("a",), service=service).run("record", by="staff", reason="ignored")
    Transition("stop", sources=("a",), service=service, asks_reason=True).run("record", by="staff", reason="why")
    assert CALLS == [("record", "staff", {}), ("record", "staff", {"reason": "why"})]
    with pytest.raises(NotImplementedError):  # carried out by its own view (the erasure, in memberspace.privacy)
        ACCOUNT_TRANSITIONS["erase"].run(User(), by=None)


# The admin, generated from the tables


@pytest.mark.django_db
def test_the_bulk_actions_are_the_tables_own():
    bulk_action_registry._scan_for_bulk_actions()
    actions = bulk_action_registry.actions
    for app, model, machine in (
        ("accounts", "parentaccount", ACCOUNT_TRANSITIONS),
        ("enrollments", "enrollment", ENROLLMENT_TRANSITIONS),
    ):
        registered = sorted(actions[app][model].values(), key=lambda action: action.action_priority)
        assert [action.action_type for action in registered] == [t.name for t in machine.bulk]
        for action, transition in zip(registered, machine.bulk, strict=True):
            assert (action.display_name, action.aria_label) == (transition.label, transition.bulk_label)
    # Reinstating and erasing go one account at a time.
    assert [t.name for t in ACCOUNT_TRANSITIONS.bulk] == ["validate", "reject", "suspend"]


@pytest.mark.django_db
def test_the_row_buttons_follow_the_table(client, secretary):
    pending = account()
    leaving = account(AccountStatus.VALIDATED, erasure_requested_at=timezone.now())
    login_staff(client, secretary)
    html = client.get(ACCOUNTS).content.decode()
    for action, obj in [("validate", pending), ("reject", pending), ("suspend", leaving), ("erase", leaving)]:
        assert f"{ACCOUNTS}{action}/{obj.pk}/" in html, action
    for action, obj in [("suspend", pending), ("erase", pending), ("validate", leaving), ("reinstate", leaving)]:
        assert f"{ACCOUNTS}{action}/{obj.pk}/" not in html, action


@pytest.mark.django_db
def test_an_account_transition_the_table_refuses_is_offered_nowhere(client, secretary, monkeypatch):
    target = account(AccountStatus.VALIDATED, first_name="Claire", last_name="Martin")
    login_staff(client, secretary)
    single = f"{ACCOUNTS}suspend/{target.pk}/"
    bulk = bulk_url("accounts", "parentaccount", "suspend", target)
    assert single in client.get(ACCOUNTS).content.decode()  # offered while the table allows it

    refusing(ACCOUNT_TRANSITIONS, "suspend", monkeypatch)
    assert not target.can_be_suspended()
    assert single not in client.get(ACCOUNTS).content.decode()  # no row button
    page = unescape(client.get(single, follow=True).content.decode())
    assert "ne s'applique pas dans l'état actuel" in page  # no confirmation page
    assert "Ses sessions ouvertes prennent fin" not in page
    page = unescape(client.get(bulk).content.decode())
    assert "resteront inchangés" in page and "Claire Martin" in page  # listed apart, not acted on
    client.post(bulk, {"reason": "Impayés", "next": "/admin/"})
    response = client.post(single, {"reason": "Impayés"}, follow=True)  # the service reads the table too
    assert "Seul un compte validé peut être suspendu" in unescape(response.content.decode())
    target.refresh_from_db()
    assert target.account_status == AccountStatus.VALIDATED and target.is_active


@pytest.fixture
def stay(stay_index):
    return StayPageFactory(
        parent=stay_index,
        title="Voile à Quiberon",
        capacity=2,
        start_date=dates.offer_start(),
        end_date=dates.offer_start() + datetime.timedelta(days=5),
        deposit_amount=Decimal("200.00"),
    )


def enrollment_request(offer):
    guardian = UserFactory(account_status=AccountStatus.VALIDATED)
    EmailAddress.objects.create(user=guardian, email=guardian.email, verified=True, primary=True)
    child = Child.objects.create(
        first_name="Léa", last_name="Martin", birth_date=dates.years_before(dates.offer_start(), 8)
    )
    Guardianship.objects.create(child=child, parent=guardian, relationship="mere")
    (enrollment,) = enrollments.request_enrollments(guardian, offer=offer, children=[child])
    return enrollment


@pytest.mark.django_db
def test_an_enrollment_transition_the_table_refuses_is_offered_nowhere(client, secretary, stay, monkeypatch):
    enrollment = enrollment_request(stay)
    login_staff(client, secretary)
    single = f"{ENROLLMENTS}waitlist/{enrollment.pk}/"
    bulk = bulk_url("enrollments", "enrollment", "waitlist", enrollment)
    assert single in client.get(ENROLLMENTS).content.decode()
    page = unescape(client.get(bulk).content.decode())
    assert f"<strong>Léa Martin</strong> — Voile à Quiberon ({enrollment.reference}, demandée)" in page

    refusing(ENROLLMENT_TRANSITIONS, "waitlist", monkeypatch)
    listing = client.get(ENROLLMENTS).content.decode()
    assert single not in listing and f"{ENROLLMENTS}validate/{enrollment.pk}/" in listing  # only that one goes
    assert "ne s'applique pas dans l'état actuel" in unescape(client.get(single, follow=True).content.decode())
    assert "resteront inchangées" in unescape(client.get(bulk).content.decode())
    client.post(bulk, {"next": "/admin/"})
    response = client.post(single, follow=True)
    assert "ne peut pas aller en liste d'attente" in unescape(response.content.decode())
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.REQUESTED


@pytest.mark.django_db
def test_one_record_and_a_selection_carry_out_a_transition_the_same_way(client, secretary, monkeypatch):
    calls = []
    real_run = Transition.run

    def spy(transition, obj, *, by, reason=""):
        calls.append((transition.name, obj.pk, by, reason))
        return real_run(transition, obj, by=by, reason=reason)

    monkeypatch.setattr(Transition, "run", spy)
    one, two, three = account(), account(), account()
    login_staff(client, secretary)
    client.post(f"{ACCOUNTS}reject/{one.pk}/", {"reason": "Inconnu du club"})
    client.post(bulk_url("accounts", "parentaccount", "reject", two, three), {"reason": "Inconnus", "next": "/admin/"})
    assert calls[0] == ("reject", one.pk, secretary, "Inconnu du club")
    assert sorted(calls[1:]) == [("reject", two.pk, secretary, "Inconnus"), ("reject", three.pk, secretary, "Inconnus")]
    assert set(User.objects.filter(pk__in=[one.pk, two.pk, three.pk]).values_list("account_status", flat=True)) == {
        AccountStatus.REJECTED
    }
