"""The treasurer's figures: each offer's totals, and each enrollment's account, as screens and spreadsheets.

Written by ``memberspace.secretariat.spreadsheets`` (French CSV, XLSX with numbers and
dates, every text made safe from formula injection). The payments themselves, one row
each, are the payments listing's own download (``PaymentAdmin.list_export``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import tablib
from django.db.models import Q, Sum
from django.utils.text import slugify
from django.utils.translation import gettext as _

from memberspace.enrollments.models import TAKEN_STATUSES, Enrollment
from memberspace.secretariat import spreadsheets
from pages.models import OfferPage

from .ledger import ZERO, with_ledgers
from .models import Payment, PaymentState


def accounts(offer_ids=None):
    """The enrollments that take a place or had money, with their ``ledger``, in three queries at most."""
    enrollments = Enrollment.objects.filter(Q(status__in=TAKEN_STATUSES) | Q(payments__isnull=False)).distinct()
    if offer_ids is not None:
        enrollments = enrollments.filter(offer_id__in=offer_ids)
    enrollments = list(
        enrollments.select_related("child", "offer").order_by("offer__start_date", "child__last_name", "pk")
    )
    return with_ledgers(enrollments)


@dataclass
class OfferTotals:
    offer: object
    places: int = 0
    due: Decimal = ZERO
    paid: Decimal = ZERO
    outstanding: Decimal = ZERO
    to_refund: Decimal = ZERO
    held: Decimal = ZERO  # cheques the club holds, to cash later (counted in ``paid``)
    enrollments: list = field(default_factory=list)


def totals_by_offer():
    """Each offer with places taken or money received: what is due, received, outstanding, to refund (4 queries)."""
    found = accounts()
    held = dict(
        Payment.objects.filter(state=PaymentState.HELD, enrollment__in=[e.pk for e in found])
        .values("enrollment__offer_id")
        .annotate(s=Sum("amount"))
        .values_list("enrollment__offer_id", "s")
    )
    totals = {}
    for enrollment in found:
        offer_totals = totals.setdefault(enrollment.offer_id, OfferTotals(offer=enrollment.offer))
        ledger = enrollment.ledger
        if enrollment.takes_a_place:
            offer_totals.places += 1
            offer_totals.due += ledger.price
        else:
            offer_totals.due += min(ledger.retained, ledger.price) if ledger.cancelled else ZERO
        offer_totals.paid += ledger.paid
        offer_totals.outstanding += ledger.outstanding
        offer_totals.to_refund += ledger.to_refund
        offer_totals.enrollments.append(enrollment)
    for offer_id, amount in held.items():
        totals[offer_id].held = amount
    return sorted(totals.values(), key=lambda row: (row.offer.start_date, row.offer.title))


def grand_total(rows):
    summed = defaultdict(lambda: ZERO)
    for row in rows:
        for name in ("due", "paid", "outstanding", "to_refund", "held"):
            summed[name] += getattr(row, name)
    summed["places"] = sum(row.places for row in rows)
    return dict(summed)


@spreadsheets.register("balances", model=OfferPage)
def balances(offer):
    """Each enrollment of ``offer`` and its account: price, paid, outstanding, to refund."""
    headers = [_("Nom"), _("Prénom"), _("Référence"), _("État"), _("Prix"), _("Acompte"), _("Payé")]
    headers += [_("Reste à régler"), _("À rembourser")]
    dataset = tablib.Dataset(headers=headers, title=str(_("Soldes"))[:31])
    for enrollment in accounts([offer.pk]):
        ledger = enrollment.ledger
        dataset.append(
            [
                enrollment.child.last_name,
                enrollment.child.first_name,
                enrollment.reference,
                enrollment.get_status_display(),
                ledger.price,
                ledger.deposit,
                ledger.paid,
                ledger.outstanding,
                ledger.to_refund,
            ]
        )
    return dataset


def filename(offer):
    return f"soldes-{slugify(offer.title)[:60]}"
