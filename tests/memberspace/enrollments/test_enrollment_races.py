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
from memberspace.enrollments.models import Enrollment, EnrollmentStatus, PlaceOffer, PlaceOfferStatus
from memberspace.enrollments.services import EnrollmentError
from tests import concurrency, dates
from tests.factories import ChildFactory, ParentFactory, StaffFactory, StayIndexPageFactory, StayPageFactory

pytestmark = pytest.mark.integration

ROUNDS = 8


def run_together(calls):
    return concurrency.run_together(calls, refused=(EnrollmentError,))


def child_of(*guardians, number=0):
    return ChildFactory(
        first_name=f"Enfant{number}",
        last_name="Course",
        birth_date=dates.years_before(dates.offer_start(), 8),
        guardians=guardians,
    )


@pytest.fixture
def stays(transactional_home):
    index = StayIndexPageFactory(parent=transactional_home)

    def make(capacity):
        return StayPageFactory(
            parent=index, capacity=capacity, start_date=dates.offer_start(), end_date=dates.offer_start()
        )

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
        assert "est complet (2 places prises sur 2)" in next(v for k, v in results if k == "refused")
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


# The line and its offers (issue 15)


def test_requests_at_once_get_their_positions_in_the_order_recorded(stays):
    offer = stays(capacity=3)
    parents = [ParentFactory(email=f"file{number}@exemple.fr") for number in range(ROUNDS)]
    kids = [child_of(parent, number=number) for number, parent in enumerate(parents)]
    results = run_together(
        [
            lambda parent=parent, child=child: enrollments.request_enrollments(parent, offer=offer, children=[child])
            for parent, child in zip(parents, kids, strict=True)
        ]
    )
    answered = {value[0].pk: value[0].line_position() for kind, value in results if kind == "ok"}
    assert len(answered) == ROUNDS
    recorded = list(offer.enrollments.in_line().values_list("pk", "arrival", "requested_at"))
    # Numbers 1..N, given in the order the requests were recorded; each parent was told its own.
    assert [arrival for _pk, arrival, _at in recorded] == list(range(1, ROUNDS + 1))
    assert [at for _pk, _arrival, at in recorded] == sorted(at for _pk, _arrival, at in recorded)
    assert {pk: arrival for pk, arrival, _at in recorded} == answered


def full_offer_with_line(stays, capacity, waiting, round_number=0):
    """An offer whose places are all validated, and ``waiting`` families on its waiting list."""
    offer = stays(capacity=capacity)
    staff = StaffFactory(email=f"staff{round_number}@le-po.test")
    taken = []
    for number in range(capacity):
        parent = ParentFactory(email=f"place{round_number}.{number}@exemple.fr")
        (enrollment,) = enrollments.request_enrollments(parent, offer=offer, children=[child_of(parent, number=number)])
        taken.append(enrollments.validate(enrollment, by=staff))
    line = []
    for number in range(waiting):
        parent = ParentFactory(email=f"attente{round_number}.{number}@exemple.fr")
        child = child_of(parent, number=100 + number)
        line += enrollments.request_enrollments(parent, offer=offer, children=[child])
    assert {enrollment.status for enrollment in line} == {EnrollmentStatus.WAITLISTED}
    return offer, staff, taken, line


def offered(line):
    return [e.pk for e in Enrollment.objects.filter(pk__in=[e.pk for e in line], status=EnrollmentStatus.OFFERED)]


def test_two_places_freed_at_once_go_to_two_families(stays):
    offer, staff, taken, line = full_offer_with_line(stays, capacity=4, waiting=4)
    results = run_together([lambda e=e: enrollments.cancel_by_staff(e, by=staff) for e in taken[:2]])
    assert [kind for kind, _value in results] == ["ok", "ok"]
    assert offered(line) == [line[0].pk, line[1].pk]  # the first two in line, one place each
    assert PlaceOffer.objects.filter(offer=offer, status=PlaceOfferStatus.OPEN).count() == 2
    assert offer.enrollments.holding().count() == 4


def test_an_offer_accepted_in_the_same_second_as_it_expires_has_one_outcome(stays):
    for round_number in range(4):
        offer, staff, taken, line = full_offer_with_line(stays, capacity=1, waiting=2, round_number=round_number)
        enrollments.cancel_by_staff(taken[0], by=staff)
        place_offer = PlaceOffer.objects.get(offer=offer, status=PlaceOfferStatus.OPEN)
        deadline = timezone.now() + datetime.timedelta(milliseconds=300)
        PlaceOffer.objects.filter(pk=place_offer.pk).update(expires_at=deadline)
        place_offer.refresh_from_db()
        guardian = line[0].child.guardians.get()
        results = run_together(
            [
                lambda place_offer=place_offer, guardian=guardian: enrollments.accept_place(place_offer, by=guardian),
                lambda deadline=deadline: enrollments.expire_place_offers(now=deadline),
            ]
        )
        place_offer.refresh_from_db()
        first, second = (Enrollment.objects.get(pk=e.pk) for e in line)
        if results[0][0] == "ok":  # the answer came before the deadline, and first
            assert place_offer.status == PlaceOfferStatus.ACCEPTED and results[1] == ("ok", 0)
            assert (first.status, second.status) == (EnrollmentStatus.VALIDATED, EnrollmentStatus.WAITLISTED)
        else:  # expired first, or answered past the deadline: refused, and passed on
            assert "Le délai pour accepter cette place est passé" in results[0][1]
            assert place_offer.status in (PlaceOfferStatus.EXPIRED, PlaceOfferStatus.OPEN)
            enrollments.expire_place_offers(now=deadline)  # the schedule's next run, if the answer came first
            first.refresh_from_db()
            second.refresh_from_db()
            assert (first.status, second.status) == (EnrollmentStatus.CANCELLED, EnrollmentStatus.OFFERED)
        assert offer.enrollments.holding().count() == 1, round_number


def test_the_schedule_running_twice_at_once_closes_each_offer_once(stays):
    from memberspace.notifications.models import Notification

    offer, staff, taken, line = full_offer_with_line(stays, capacity=3, waiting=6)
    for enrollment in taken:
        enrollments.cancel_by_staff(enrollment, by=staff)
    assert len(offered(line)) == 3
    due = timezone.now()
    PlaceOffer.objects.update(expires_at=due)
    results = run_together([lambda: enrollments.expire_place_offers(now=due) for _ in range(2)])
    assert sorted(value for _kind, value in results) in ([0, 3], [1, 2])  # three closed, by one run or both
    assert offered(line) == [e.pk for e in line[3:]]  # the next three, once each
    assert PlaceOffer.objects.filter(status=PlaceOfferStatus.EXPIRED).count() == 3
    assert PlaceOffer.objects.filter(status=PlaceOfferStatus.OPEN).count() == 3
    expired = Notification.objects.filter(kind="place_expired", channel="email")
    assert sorted(expired.values_list("address", flat=True)) == [f"attente0.{n}@exemple.fr" for n in range(3)]
    assert offer.enrollments.holding().count() == 3


def test_two_release_runs_at_once_free_each_unpaid_place_once(stays, roles):
    from pages.models import ClubSettings

    club = ClubSettings.current()
    club.release_overdue_deposits, club.deposit_grace_days = True, 2
    club.save()
    offer, staff, taken, line = full_offer_with_line(stays, capacity=3, waiting=3)
    Enrollment.objects.filter(pk__in=[e.pk for e in taken]).update(
        validated_at=timezone.now() - datetime.timedelta(days=40), deposit_reminder_sent_at=timezone.now()
    )
    today = Enrollment.objects.get(pk=taken[0].pk).deposit_due_date + datetime.timedelta(days=3)
    results = run_together([lambda: enrollments.release_unpaid_places(today) for _ in range(2)])
    assert sorted(value for _kind, value in results) in ([0, 3], [1, 2])
    assert offered(line) == [e.pk for e in line]  # each freed place offered once, to the next in line
    assert offer.enrollments.holding().count() == 3
