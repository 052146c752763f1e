"""Concurrent requests and decisions on one offer: real threads, each on its own database connection.

On PostgreSQL (the CI's second run) the offer's row is locked inside each
transaction; on SQLite every write transaction begins IMMEDIATE and waits for
the previous one. Either way: one enrollment per child and offer, and never
more places validated than the offer has.
"""

import datetime

import pytest
from django.utils import timezone

from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment
from memberspace.enrollments.services import EnrollmentError
from tests import concurrency
from tests.factories import ChildFactory, ParentFactory, StaffFactory, StayIndexPageFactory, StayPageFactory

pytestmark = pytest.mark.integration

START = timezone.localdate() + datetime.timedelta(days=60)
ROUNDS = 8


def run_together(calls):
    return concurrency.run_together(calls, refused=(EnrollmentError,))


def child_of(*guardians, number=0):
    return ChildFactory(
        first_name=f"Enfant{number}",
        last_name="Course",
        birth_date=START.replace(year=START.year - 8),
        guardians=guardians,
    )


@pytest.fixture
def stays(transactional_home):
    index = StayIndexPageFactory(parent=transactional_home)

    def make(capacity):
        return StayPageFactory(parent=index, capacity=capacity, start_date=START, end_date=START)

    return make


def test_two_guardians_submitting_the_same_child_at_once_make_one_enrollment(stays):
    offer = stays(capacity=40)
    for number in range(ROUNDS):
        mother = ParentFactory(email=f"mere{number}@exemple.fr")
        father = ParentFactory(email=f"pere{number}@exemple.fr")
        child = child_of(mother, father, number=number)
        results = run_together(
            [
                lambda parent=parent, child=child: enrollments.request_enrollments(
                    parent, offer=offer, children=[child]
                )
                for parent in (mother, father)
            ]
        )
        outcomes = sorted(kind for kind, _value in results)
        assert outcomes == ["ok", "refused"], results
        refusal = next(value for kind, value in results if kind == "refused")
        assert ": déjà demandée" in refusal or "Une demande est déjà en cours" in refusal
        assert Enrollment.objects.filter(child=child, offer=offer).count() == 1


def test_two_staff_validating_the_last_place_at_once_never_exceed_the_capacity(stays, roles):
    staff = [StaffFactory(email=f"staff{n}@le-po.test") for n in range(2)]
    for number in range(ROUNDS):
        offer = stays(capacity=2)
        parents = [ParentFactory(email=f"r{number}-{n}@exemple.fr") for n in range(3)]
        requests = [
            enrollments.request_enrollments(parent, offer=offer, children=[child_of(parent, number=n)])[0]
            for n, parent in enumerate(parents)
        ]
        enrollments.validate(requests[0], by=staff[0])  # one place left
        results = run_together(
            [
                lambda e=enrollment, s=member: enrollments.validate(e, by=s)
                for enrollment, member in zip(requests[1:], staff, strict=True)
            ]
        )
        assert sorted(kind for kind, _value in results) == ["ok", "refused"], results
        assert "est complet (2 places validées sur 2)" in next(v for k, v in results if k == "refused")
        assert offer.enrollments.taken().count() == 2


def test_many_validations_at_once_give_exactly_the_places_there_are(stays):
    offer = stays(capacity=3)
    staff = StaffFactory(email="staff@le-po.test")
    requests = []
    for number in range(8):
        parent = ParentFactory(email=f"foule{number}@exemple.fr")
        requests += enrollments.request_enrollments(parent, offer=offer, children=[child_of(parent, number=number)])
    results = run_together([lambda e=enrollment: enrollments.validate(e, by=staff) for enrollment in requests])
    assert sorted(kind for kind, _value in results).count("ok") == 3
    assert offer.enrollments.taken().count() == 3
    assert offer.enrollments.waiting().count() == 5  # to decide, or on the waiting list (the margin)


def test_two_reminder_runs_at_once_remind_each_late_deposit_once(stays, roles):
    from memberspace.notifications.models import Notification

    staff = StaffFactory(email="staff@le-po.test", groups=["Secrétariat"])
    offer = stays(capacity=40)
    for number in range(ROUNDS):
        parent = ParentFactory(email=f"retard{number}@exemple.fr")
        (enrollment,) = enrollments.request_enrollments(parent, offer=offer, children=[child_of(parent, number=number)])
        enrollments.validate(enrollment, by=staff)
    late = Enrollment.objects.first().deposit_due_date + datetime.timedelta(days=1)
    results = run_together([lambda: enrollments.send_deposit_reminders(today=late) for _ in range(2)])
    assert all(kind == "ok" for kind, _value in results), results
    reminders = Notification.objects.filter(kind="deposit_reminder")
    assert reminders.count() == ROUNDS
    assert reminders.values("address").distinct().count() == ROUNDS
    # The secretariat gets one list, from the run that reminded: every late deposit on it.
    (digest,) = Notification.objects.filter(kind="secretariat_overdue_deposits", user=staff)
    assert all(f"Enfant{number} Course" in digest.body_text for number in range(ROUNDS)), digest.body_text
