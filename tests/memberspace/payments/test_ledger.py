"""The ledger's rules (issue 16, item 1): what is due, received, refunded, and kept on a cancellation."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment, EnrollmentStatus
from memberspace.payments import services as payments
from memberspace.payments.ledger import DEPOSIT, EVERYTHING, Ledger, ledger_for, with_ledgers
from memberspace.payments.models import Method, Payment, PaymentState
from tests import dates
from tests.factories import club_settings

pytestmark = pytest.mark.django_db

D = Decimal


def ledger(**fields):
    values = {
        "price": D("450"),
        "deposit": D("150"),
        "deposit_due_date": dates.today() + datetime.timedelta(days=15),
        "balance_due_date": dates.today() + datetime.timedelta(days=30),
        "received": D("0"),
        "refunded": D("0"),
    }
    return Ledger(**{**values, **fields})


def test_nothing_paid_asks_the_deposit_first_then_everything():
    account = ledger()
    assert account.next_due().kind == DEPOSIT and account.next_due().amount == D("150")
    assert [(due.kind, due.amount) for due in account.choices()] == [(DEPOSIT, D("150")), (EVERYTHING, D("450"))]
    assert account.balance == D("300") and account.outstanding == D("450")
    assert account.target_status() == EnrollmentStatus.VALIDATED


def test_a_partial_payment_leaves_the_rest_of_the_deposit():
    account = ledger(received=D("100.50"))
    assert account.next_due().amount == D("49.50") and not account.deposit_covered
    assert account.amount_for(EVERYTHING) == D("349.50")
    assert account.target_status() == EnrollmentStatus.VALIDATED


def test_the_deposit_covered_secures_the_place_and_the_balance_is_next():
    account = ledger(received=D("150"))
    assert account.deposit_covered and account.target_status() == EnrollmentStatus.DEPOSIT_RECEIVED
    assert [(due.kind, due.amount) for due in account.choices()] == [(EVERYTHING, D("300"))]
    assert account.amount_for(DEPOSIT) is None  # the browser cannot ask the deposit again
    assert account.next_due().due_date == account.balance_due_date


def test_everything_paid_is_settled_and_an_overpayment_is_owed_back():
    assert ledger(received=D("450")).target_status() == EnrollmentStatus.PAID
    over = ledger(received=D("500"))
    assert over.settled and over.to_refund == D("50") and over.outstanding == 0 and over.next_due() is None
    assert over.choices() == []


def test_refunds_count_against_what_was_received():
    account = ledger(received=D("450"), refunded=D("100"))
    assert account.paid == D("350") and not account.settled
    assert account.target_status() == EnrollmentStatus.DEPOSIT_RECEIVED
    assert ledger(received=D("150"), refunded=D("150")).target_status() == EnrollmentStatus.VALIDATED


def test_a_balance_due_with_the_deposit_is_due_by_the_deposits_date():
    close = ledger(balance_due_date=dates.today() + datetime.timedelta(days=15))
    assert close.balance_with_deposit and close.balance_due_on == close.deposit_due_date


def test_a_cancelled_enrollment_owes_nothing_and_gets_back_what_the_rules_do_not_keep():
    kept_deposit = ledger(received=D("450"), cancelled=True, retained=D("150"))
    assert kept_deposit.outstanding == 0 and kept_deposit.next_due() is None and kept_deposit.choices() == []
    assert kept_deposit.to_refund == D("300")
    partly_paid = ledger(received=D("100"), cancelled=True, retained=D("150"))
    assert partly_paid.to_refund == 0  # the club keeps what it received, never asks for more


def test_an_offer_without_price_costs_its_deposit_and_a_free_one_nothing():
    assert ledger(price=D("150")).choices()[0].amount == D("150")
    free = ledger(price=D("0"), deposit=D("0"))
    assert not free.has_dues and free.next_due() is None


# The cancellation rules, as the club states them in its terms


def cancelled(enrollment, days_before_start, by="family"):
    enrollment.status = EnrollmentStatus.CANCELLED
    enrollment.cancelled_by = enrollment.requested_by if by == "family" else None
    enrollment.cancelled_at = timezone.make_aware(
        datetime.datetime.combine(
            enrollment.offer.start_date - datetime.timedelta(days=days_before_start), datetime.time(12)
        )
    )
    return enrollment


def test_the_deposit_is_kept_by_default_and_the_whole_price_when_late(enrollment, club):
    assert ledger_for(cancelled(enrollment, 40), club).retained == D("150")
    club = club_settings(cancellation_full_price_days=10)
    assert ledger_for(cancelled(enrollment, 40), club).retained == D("150")
    assert ledger_for(cancelled(enrollment, 9), club).retained == D("450")
    # A place the club released itself (the deposit late): a payment arriving after it is all given back.
    assert ledger_for(cancelled(enrollment, 9, by=None), club).retained == 0
    club = club_settings(cancellation_keeps_deposit=False, cancellation_full_price_days=0)
    assert ledger_for(cancelled(enrollment, 9), club).retained == 0


def test_a_request_never_validated_keeps_nothing(stay, lea, mother, club):
    (requested,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    requested = enrollments.cancel_by_guardian(requested, by=mother)
    assert ledger_for(requested, club).retained == 0


# What is due is frozen at validation


def test_the_price_and_dates_are_frozen_when_the_club_validates(enrollment, stay, club):
    assert enrollment.price == D("450") and enrollment.deposit_amount == D("150")
    assert enrollment.balance_due_date == stay.start_date - datetime.timedelta(days=30)
    stay.price = D("600")
    stay.save_revision().publish()
    club_settings(balance_due_days_before_start=10)
    fresh = Enrollment.objects.get(pk=enrollment.pk)
    account = ledger_for(fresh, club)
    assert account.price == D("450") and account.balance_due_date == enrollment.balance_due_date


def test_held_cheques_count_and_failed_or_pending_checkouts_do_not(enrollment, secretary, club):
    Payment.objects.create(enrollment=enrollment, amount=D("99"), method=Method.ONLINE, state=PaymentState.PENDING)
    Payment.objects.create(enrollment=enrollment, amount=D("99"), method=Method.ONLINE, state=PaymentState.FAILED)
    payments.record_payment(
        enrollment,
        amount="150",
        method=Method.CHEQUE,
        cash_on=dates.today() + datetime.timedelta(days=20),
        by=secretary,
    )
    assert ledger_for(enrollment, club).paid == D("150")


def test_ledgers_of_many_enrollments_read_two_queries(enrollment, stay, secretary, club, mother):
    from tests.factories import ChildFactory

    others = []
    for number in range(4):
        child = ChildFactory(
            first_name=f"Enfant{number}", birth_date=enrollment.child.birth_date, guardians=[(mother, "mere")]
        )
        (requested,) = enrollments.request_enrollments(mother, offer=stay, children=[child])
        others.append(enrollments.validate(requested, by=secretary))
    for other in others:
        payments.record_payment(other, amount="150", method=Method.TRANSFER, by=secretary)
    rows = list(Enrollment.objects.filter(pk__in=[enrollment.pk] + [other.pk for other in others]))
    with CaptureQueriesContext(connection) as queries:
        with_ledgers(rows)
    assert len(queries) == 2
    assert sorted(row.ledger.paid for row in rows) == [0, 150, 150, 150, 150]


def test_the_terms_the_family_reads_state_the_cancellation_rules(client, enrollment, mother, club):
    from memberspace.notifications.models import Notification

    email = Notification.objects.get(kind="enrollment_validated", channel="email", user=mother).body_text
    assert (
        "En cas d'annulation, l'acompte reste acquis au club et le reste de ce qui a été payé est remboursé." in email
    )
    club = club_settings(cancellation_full_price_days=10)
    assert club.cancellation_terms().endswith("À moins de 10 jours du début, le prix entier reste dû.")
    client.force_login(mother)
    page = client.get(f"/espace-adherent/inscriptions/{enrollment.pk}/").content.decode()
    assert "le prix entier reste dû" in page


def test_a_place_accepted_from_the_waiting_list_costs_its_price_not_only_its_deposit(stay, lea, mother, secretary):
    from tests.factories import ChildFactory

    stay.capacity = 1
    stay.save_revision().publish()
    first = ChildFactory(first_name="Tom", birth_date=lea.birth_date, guardians=[(mother, "mere")])
    (taken,) = enrollments.request_enrollments(mother, offer=stay, children=[first])
    enrollments.validate(taken, by=secretary)
    (waiting,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    if waiting.status == EnrollmentStatus.REQUESTED:
        enrollments.waitlist(waiting, by=secretary)
    enrollments.cancel_by_staff(taken, by=secretary)  # the place is offered to Léa
    waiting.refresh_from_db()
    enrollments.accept_place(waiting.place_offer, by=mother)
    waiting.refresh_from_db()
    assert waiting.status == EnrollmentStatus.VALIDATED and waiting.price == D("450")
    assert waiting.balance_due_date == stay.start_date - datetime.timedelta(days=30)
    payments.record_payment(waiting, amount="150", method=Method.CHEQUE, by=secretary)
    waiting.refresh_from_db()
    assert waiting.status == EnrollmentStatus.DEPOSIT_RECEIVED  # not « soldée » for its deposit
