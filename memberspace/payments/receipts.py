"""Receipts: what the club attests it received, and the confirmation of an enrollment, as PDF.

- the attestation de paiement of one enrollment: every payment the club counts (received,
  and cheques held to cash later; never a checkout still open online), its refunds, what
  was paid in all;
- the attestation of a family for a civil year: a guardian's children's payments received
  that year, by child and enrollment, with the year's total (for a works council, the CAF);
- the confirmation of an enrollment whose place is taken: the offer, its price and deposit,
  what was paid and what remains, by when (the ledger's).

Each document is read in a fixed number of queries, whatever the number of payments. The
functions here return a template's context, or None when there is nothing to attest (the
views answer 404); ``memberspace.payments.pdf`` turns it into a PDF.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from memberspace.enrollments.models import Enrollment

from . import ledger as ledgers
from .ledger import ZERO
from .models import Payer, Payment, Refund

ENROLLMENT_RECEIPT = "payments/receipts/enrollment_receipt.html"
FAMILY_RECEIPT = "payments/receipts/family_receipt.html"
CONFIRMATION = "payments/receipts/confirmation.html"


@dataclass
class EnrollmentLines:
    """One enrollment's payments and refunds on a receipt, and their sums."""

    enrollment: Enrollment
    payments: list = field(default_factory=list)
    refunds: list = field(default_factory=list)

    @property
    def received(self):
        return sum((payment.amount for payment in self.payments), ZERO)

    @property
    def refunded(self):
        return sum((refund.amount for refund in self.refunds), ZERO)

    @property
    def paid(self):
        return self.received - self.refunded


@dataclass
class ChildLines:
    child: object
    enrollments: list = field(default_factory=list)

    @property
    def paid(self):
        return sum((lines.paid for lines in self.enrollments), ZERO)


def _lines(enrollment):
    """``enrollment``'s counted payments and its refunds, in date order (two queries)."""
    return EnrollmentLines(
        enrollment,
        payments=list(Payment.objects.counted().filter(enrollment=enrollment).order_by("received_on", "pk")),
        refunds=list(Refund.objects.filter(enrollment=enrollment).order_by("refunded_on", "pk")),
    )


def _club(club):
    """What a document says of the club: its name, postal address and contacts."""
    return {
        "address_lines": [line.strip() for line in (club.postal_address or "").splitlines() if line.strip()],
        "phone": club.phone,
        "email": club.contact_email,
    }


def has_receipt(enrollment):
    """Whether the club counts money for ``enrollment`` (an attestation can be issued)."""
    return Payment.objects.counted().filter(enrollment=enrollment).exists()


def enrollment_receipt(enrollment, club):
    """The attestation de paiement of ``enrollment`` (its child and offer read with it), or None if nothing was paid."""
    lines = _lines(enrollment)
    if not lines.payments:
        return None
    return {
        "club": _club(club),
        "enrollment": enrollment,
        "child": enrollment.child,
        "offer": enrollment.offer,
        "lines": lines,
        "family": Payer.FAMILY,
        "issued_on": timezone.localdate(),
    }


def _guardians_payments(user):
    return Payment.objects.counted().filter(enrollment__in=Enrollment.objects.for_guardian(user).values("pk"))


def receipt_years(user):
    """The civil years in which the club received money for ``user``'s children, the latest first (one query)."""
    return [day.year for day in _guardians_payments(user).dates("received_on", "year", order="DESC")]


def family_receipt(user, year, club):
    """The attestation of ``user``'s children's payments received in ``year``, or None when there were none.

    By child, then enrollment; a refund made that year (for a payment of that year or before)
    is deducted from the year's total. Two queries.
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    related = ("enrollment__child", "enrollment__offer")
    payments = list(
        _guardians_payments(user)
        .filter(received_on__range=(start, end))
        .select_related(*related)
        .order_by("received_on", "pk")
    )
    if not payments:
        return None
    refunds = (
        Refund.objects.filter(enrollment__in=Enrollment.objects.for_guardian(user).values("pk"))
        .filter(refunded_on__range=(start, end))
        .select_related(*related)
        .order_by("refunded_on", "pk")
    )
    by_enrollment = {}
    for payment in payments:
        by_enrollment.setdefault(payment.enrollment_id, EnrollmentLines(payment.enrollment)).payments.append(payment)
    for refund in refunds:
        by_enrollment.setdefault(refund.enrollment_id, EnrollmentLines(refund.enrollment)).refunds.append(refund)
    children = {}
    ordered = sorted(
        by_enrollment.values(),
        key=lambda lines: (
            lines.enrollment.child.last_name,
            lines.enrollment.child.first_name,
            lines.enrollment.child_id,
            lines.enrollment.offer.start_date,
            lines.enrollment.pk,
        ),
    )
    for lines in ordered:
        child = lines.enrollment.child
        children.setdefault(child.pk, ChildLines(child)).enrollments.append(lines)
    children = list(children.values())
    return {
        "club": _club(club),
        "guardian": user,
        "year": year,
        "children": children,
        "total": sum((child.paid for child in children), Decimal("0.00")),
        "family": Payer.FAMILY,
        "issued_on": timezone.localdate(),
    }


def confirmation(enrollment, club):
    """The confirmation of ``enrollment``, or None when its place is not taken (not validated, or cancelled)."""
    if not enrollment.takes_a_place:
        return None
    lines = _lines(enrollment)
    ledger = ledgers.build(enrollment, lines.received, lines.refunded, club)
    return {
        "club": _club(club),
        "enrollment": enrollment,
        "child": enrollment.child,
        "offer": enrollment.offer,
        "lines": lines,
        "ledger": ledger,
        "next_due": ledger.next_due(),
        "family": Payer.FAMILY,
        "issued_on": timezone.localdate(),
    }
