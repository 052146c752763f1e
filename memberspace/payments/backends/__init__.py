"""Online payments through a backend chosen by the ``PAYMENT_BACKEND`` setting, as SMS are.

- ``memberspace.payments.backends.helloasso.HelloAssoBackend``: HelloAsso's checkout, with
  HelloAsso's own client ``helloasso-python`` (production);
- ``memberspace.payments.backends.locmem.LocmemBackend``: keeps checkouts in memory,
  every call in ``backends.calls`` (development and tests; no money moves).
"""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import (
    BasePaymentBackend,
    Checkout,
    FetchedCheckout,
    PaymentError,
    PermanentPaymentError,
    ProviderPayment,
    UncertainPaymentError,
)

# Calls made to the in-memory backend, in order: (method name, keyword arguments).
calls = []
# Checkouts opened by the in-memory backend, by id.
checkouts = {}


def get_backend():
    return import_string(settings.PAYMENT_BACKEND)()


def checkout_origins():
    """Where the chosen backend's payment pages are (for the Content-Security-Policy's ``form-action``)."""
    return import_string(settings.PAYMENT_BACKEND).checkout_origins() if settings.PAYMENT_BACKEND else []


def online_payment_on():
    """Whether parents are offered to pay online: a backend is chosen, and it has its credentials."""
    return bool(settings.PAYMENT_BACKEND) and import_string(settings.PAYMENT_BACKEND).configured()


__all__ = [
    "BasePaymentBackend",
    "Checkout",
    "FetchedCheckout",
    "PaymentError",
    "PermanentPaymentError",
    "ProviderPayment",
    "UncertainPaymentError",
    "calls",
    "checkout_origins",
    "checkouts",
    "get_backend",
    "online_payment_on",
]
