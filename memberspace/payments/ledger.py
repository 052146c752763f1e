"""An enrollment's account: what is due, what was received and given back, what remains.

All amounts are ``Decimal`` in euros, to the cent. What is due is the enrollment's own,
frozen at validation (its price, deposit and their dates); what was received is the sum
of its payments the club counts (received, and cheques held to cash later), less its
refunds. The enrollment's state follows it (``target_status``), through the services.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from memberspace.enrollments.models import EnrollmentStatus
from pages.models import ClubSettings

from .models import COUNTED_STATES, Payment, Refund

ZERO = Decimal("0.00")

# What the family may choose to pay online (the amount is always worked out here).
DEPOSIT, EVERYTHING = "deposit", "everything"


@dataclass(frozen=True)
class Due:
    """An amount to pay by a date: ``kind`` is DEPOSIT (the rest of the deposit) or EVERYTHING (all that remains)."""

    kind: str
    amount: Decimal
    due_date: datetime.date | None


@dataclass(frozen=True)
class Ledger:
    price: Decimal  # what the enrollment costs: its price, or its deposit when it has no price
    deposit: Decimal
    deposit_due_date: datetime.date | None
    balance_due_date: datetime.date | None
    received: Decimal
    refunded: Decimal
    cancelled: bool = False
    retained: Decimal = ZERO  # cancelled: what the club keeps by its cancellation rules

    @property
    def paid(self):
        return self.received - self.refunded

    @property
    def has_dues(self):
        return self.price > 0

    @property
    def deposit_covered(self):
        return self.paid > 0 and self.paid >= self.deposit

    @property
    def settled(self):
        return self.has_dues and self.paid >= self.price

    @property
    def outstanding(self):
        """What remains to pay; nothing once cancelled (the club keeps at most what it received)."""
        if self.cancelled:
            return ZERO
        return max(self.price - self.paid, ZERO)

    @property
    def to_refund(self):
        """What the club owes back: paid beyond the price, or, once cancelled, beyond what its rules keep."""
        kept = min(self.retained, self.price) if self.cancelled else self.price
        return max(self.paid - kept, ZERO)

    @property
    def balance_with_deposit(self):
        """The balance is due by the deposit's date (the start too close for its own)."""
        return self.balance_due_date is None or (
            self.deposit_due_date is not None and self.balance_due_date <= self.deposit_due_date
        )

    @property
    def balance(self):
        """The balance: what remains once the deposit is paid."""
        if self.cancelled:
            return ZERO
        return max(self.price - max(self.paid, self.deposit), ZERO)

    @property
    def balance_due_on(self):
        return self.deposit_due_date if self.balance_with_deposit else self.balance_due_date

    def next_due(self):
        """The next amount to pay and by when, or None: the rest of the deposit first, then the balance."""
        if self.cancelled or not self.has_dues or self.settled:
            return None
        if not self.deposit_covered and self.deposit > 0:
            return Due(DEPOSIT, self.deposit - max(self.paid, ZERO), self.deposit_due_date)
        return Due(EVERYTHING, self.outstanding, self.balance_due_on)

    def choices(self):
        """What may be paid online now: the rest of the deposit, everything that remains, or both."""
        choices = []
        due = self.next_due()
        if due is None:
            return choices
        choices.append(due)
        if due.kind == DEPOSIT and self.outstanding > due.amount:
            choices.append(Due(EVERYTHING, self.outstanding, self.balance_due_on))
        return choices

    def amount_for(self, kind):
        """The amount of the choice ``kind`` now, or None when it is not one of ``choices()``."""
        return next((due.amount for due in self.choices() if due.kind == kind), None)

    def target_status(self):
        """The state the money gives a place taken: validated, deposit received or paid."""
        if self.settled:
            return EnrollmentStatus.PAID
        if self.deposit_covered:
            return EnrollmentStatus.DEPOSIT_RECEIVED
        return EnrollmentStatus.VALIDATED


def retained_on_cancellation(enrollment, club):
    """What the club keeps of a cancelled enrollment, by the rules its terms state.

    The full price when cancelled fewer than ``cancellation_full_price_days`` days
    before the start; otherwise the deposit when ``cancellation_keeps_deposit``;
    nothing for a request the club never validated, nor for a place the club released
    itself (``release_unpaid_places``: cancelled by nobody), a late payment included.
    """
    if enrollment.validated_at is None or enrollment.cancelled_at is None:
        return ZERO
    if enrollment.cancelled_by_id is None:  # released by the club (deposit not received): all is given back
        return ZERO
    price, deposit = _price(enrollment), enrollment.deposit_amount or ZERO
    days_left = (enrollment.offer.start_date - timezone.localdate(enrollment.cancelled_at)).days
    if club.cancellation_full_price_days and days_left < club.cancellation_full_price_days:
        return price
    return min(deposit, price) if club.cancellation_keeps_deposit else ZERO


def _price(enrollment):
    if enrollment.price is not None:
        return enrollment.price
    return enrollment.deposit_amount or ZERO


def build(enrollment, received, refunded, club):
    cancelled = enrollment.status == EnrollmentStatus.CANCELLED
    return Ledger(
        price=_price(enrollment),
        deposit=enrollment.deposit_amount or ZERO,
        deposit_due_date=enrollment.deposit_due_date,
        balance_due_date=enrollment.balance_due_date,
        received=received or ZERO,
        refunded=refunded or ZERO,
        cancelled=cancelled,
        retained=retained_on_cancellation(enrollment, club) if cancelled else ZERO,
    )


def ledger_for(enrollment, club):
    """``enrollment``'s ledger, read now (two queries)."""
    received = Payment.objects.filter(enrollment=enrollment, state__in=COUNTED_STATES).aggregate(s=Sum("amount"))["s"]
    refunded = Refund.objects.filter(enrollment=enrollment).aggregate(s=Sum("amount"))["s"]
    return build(enrollment, received, refunded, club)


def with_ledgers(enrollments, club=None):
    """Set ``enrollment.ledger`` on each of ``enrollments`` (a list), in two queries at most whatever their number.

    ``club``'s cancellation rules are read for a cancelled enrollment only (``ClubSettings.current()``
    when not given).
    """
    ids = [enrollment.pk for enrollment in enrollments]
    if not ids:
        return enrollments
    received = dict(
        Payment.objects.filter(enrollment_id__in=ids, state__in=COUNTED_STATES)
        .values("enrollment_id")
        .annotate(s=Sum("amount"))
        .values_list("enrollment_id", "s")
    )
    # A refund never exceeds what was received (services.record_refund): none where nothing was.
    refunded = {}
    if received:
        refunded = dict(
            Refund.objects.filter(enrollment_id__in=list(received))
            .values("enrollment_id")
            .annotate(s=Sum("amount"))
            .values_list("enrollment_id", "s")
        )
    for enrollment in enrollments:
        if club is None and enrollment.status == EnrollmentStatus.CANCELLED:
            club = ClubSettings.current()
        enrollment.ledger = build(enrollment, received.get(enrollment.pk), refunded.get(enrollment.pk), club)
    return enrollments
