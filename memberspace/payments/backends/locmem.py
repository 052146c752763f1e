"""Checkouts kept in memory, for development and tests: no provider, no money.

The payer is sent straight back to ``return_url`` (with ``checkoutIntentId``, as
HelloAsso does); nothing is paid until ``pay()`` says so.
"""

import itertools
from urllib.parse import urlencode

from django.utils import timezone

from .base import BasePaymentBackend, Checkout, FetchedCheckout, PermanentPaymentError, ProviderPayment, check_amount

_ids = itertools.count(1)


def pay(checkout_id, state="Authorized", amount_cents=None):
    """The payer paid checkout ``checkout_id`` (or tried to: ``state="Refused"``); returns the payment."""
    from . import checkouts

    checkout = checkouts[checkout_id]
    payment = ProviderPayment(
        id=next(_ids),
        amount_cents=checkout["amount_cents"] if amount_cents is None else amount_cents,
        state=state,
        paid_at=timezone.now(),
        means="Card",
    )
    if state == "Authorized":  # like HelloAsso: an order, with its payments, only once one is authorised
        checkout["order_id"] = checkout["order_id"] or next(_ids)
        checkout["payments"].append(payment)
    return payment


class LocmemBackend(BasePaymentBackend):
    """Keeps each checkout in ``memberspace.payments.backends.checkouts``, each call in ``.calls``."""

    name = "locmem"

    def start_checkout(self, *, amount_cents, item_name, back_url, error_url, return_url, payer=None, metadata=None):
        from . import calls, checkouts

        arguments = {
            "amount_cents": amount_cents,
            "item_name": item_name,
            "back_url": back_url,
            "error_url": error_url,
            "return_url": return_url,
            "payer": payer,
            "metadata": metadata,
        }
        calls.append(("start_checkout", arguments))
        check_amount(amount_cents)
        checkout_id = next(_ids)
        checkouts[checkout_id] = {**arguments, "id": checkout_id, "order_id": None, "payments": []}
        separator = "&" if "?" in return_url else "?"
        query = urlencode({"checkoutIntentId": checkout_id})
        return Checkout(id=checkout_id, redirect_url=f"{return_url}{separator}{query}")

    def fetch_checkout(self, checkout_id):
        from . import calls, checkouts

        calls.append(("fetch_checkout", {"checkout_id": checkout_id}))
        try:
            checkout_id = int(checkout_id)  # as HelloAsso's backend reads it (from a return URL: a string)
        except (TypeError, ValueError) as error:
            raise PermanentPaymentError(f"Identifiant de paiement invalide : {checkout_id!r}") from error
        checkout = checkouts.get(checkout_id)
        if checkout is None:
            raise PermanentPaymentError(f"Paiement inconnu : {checkout_id}.")
        return FetchedCheckout(
            id=checkout_id,
            metadata=checkout["metadata"],
            order_id=checkout["order_id"],
            payments=list(checkout["payments"]),
        )
