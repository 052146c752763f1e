"""The payment backends' interface: a checkout started on the provider's site, then read back.

Amounts cross this boundary as integers in cents, never as floats.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class PaymentError(Exception):
    """The provider could not be reached or failed; trying again later may work."""


class PermanentPaymentError(PaymentError):
    """The provider refused the request (bad request, unknown checkout, credentials refused): no retry."""


class UncertainPaymentError(PaymentError):
    """The request may have reached the provider, but its answer was lost or unreadable (timeout, unknown value)."""


@dataclass(frozen=True)
class Checkout:
    """A checkout the provider opened: the payer is sent to ``redirect_url``."""

    id: int
    redirect_url: str


@dataclass(frozen=True)
class ProviderPayment:
    """One payment as the provider reports it; only the provider's ``state`` says whether money came in."""

    id: int
    amount_cents: int
    state: str
    paid_at: datetime | None
    means: str | None = None
    tip_cents: int = 0  # a voluntary contribution to the provider (HelloAsso's), which the club does not get


@dataclass(frozen=True)
class FetchedCheckout:
    """A checkout read back from the provider: its order (``None`` until paid) and that order's payments."""

    id: int
    metadata: Any
    order_id: int | None
    payments: list[ProviderPayment] = field(default_factory=list)


class BasePaymentBackend:
    # Recorded on each payment (``Payment.provider``): a provider's payment ids are unique under it.
    name = ""

    @classmethod
    def checkout_origins(cls):
        """The origins of the provider's payment pages: a form that opens a checkout is redirected there
        (the page's Content-Security-Policy ``form-action`` must allow them)."""
        return []

    @classmethod
    def configured(cls):
        """Whether the backend has what it needs (credentials): online payment is offered only then."""
        return True

    def start_checkout(self, *, amount_cents, item_name, back_url, error_url, return_url, payer=None, metadata=None):
        """Open a checkout of exactly ``amount_cents`` and return a ``Checkout``.

        ``back_url``: where the payer goes back to; ``error_url``: where an error sends
        them; ``return_url``: where they land once done. ``payer``: what is known of
        them (first_name, last_name, email…), to fill the provider's form; ``metadata``:
        a JSON object given back by ``fetch_checkout``.
        """
        raise NotImplementedError

    def fetch_checkout(self, checkout_id):
        """The checkout ``checkout_id`` as the provider knows it now, as a ``FetchedCheckout``."""
        raise NotImplementedError


def check_amount(amount_cents):
    """Amounts are whole, positive numbers of cents: a float or a Decimal here is a bug upstream."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise PermanentPaymentError(f"Montant invalide : {amount_cents!r} (un entier de centimes, positif).")
    return amount_cents
