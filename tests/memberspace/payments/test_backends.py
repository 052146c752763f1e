"""The payment backend chosen by PAYMENT_BACKEND, the in-memory one, and the timeouts' system check."""

from decimal import Decimal

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from memberspace.payments.backends import PermanentPaymentError, checkouts, get_backend
from memberspace.payments.backends.helloasso import HelloAssoBackend
from memberspace.payments.backends.locmem import LocmemBackend, pay

URLS = {
    "back_url": "https://www.le-po.com/espace-adherent/",
    "error_url": "https://www.le-po.com/espace-adherent/paiement/erreur/",
    "return_url": "https://www.le-po.com/espace-adherent/paiement/retour/",
}


def start(backend, amount_cents=12050, **kwargs):
    return backend.start_checkout(amount_cents=amount_cents, item_name="Acompte — Séjour ski (Léa)", **URLS, **kwargs)


def test_the_tests_record_payments_in_memory():
    assert isinstance(get_backend(), LocmemBackend)


def test_get_backend_follows_the_setting(settings):
    settings.PAYMENT_BACKEND = "memberspace.payments.backends.helloasso.HelloAssoBackend"
    settings.HELLOASSO_CLIENT_ID = "po-client"
    settings.HELLOASSO_CLIENT_SECRET = "po-secret"  # noqa: S105 (a test value)
    settings.HELLOASSO_ORGANIZATION_SLUG = "le-po"
    assert isinstance(get_backend(), HelloAssoBackend)
    settings.HELLOASSO_CLIENT_SECRET = None
    with pytest.raises(ImproperlyConfigured):
        get_backend()


def test_the_in_memory_backend_records_the_checkout_and_its_payment(payment_calls):
    backend = get_backend()
    checkout = start(backend, payer={"email": "parent@exemple.fr"}, metadata={"payment": 7})
    assert payment_calls == [
        (
            "start_checkout",
            {
                "amount_cents": 12050,
                "item_name": "Acompte — Séjour ski (Léa)",
                **URLS,
                "payer": {"email": "parent@exemple.fr"},
                "metadata": {"payment": 7},
            },
        )
    ]
    assert checkout.redirect_url == f"{URLS['return_url']}?checkoutIntentId={checkout.id}"

    unpaid = backend.fetch_checkout(checkout.id)
    assert (unpaid.order_id, unpaid.payments, unpaid.metadata) == (None, [], {"payment": 7})

    pay(checkout.id, state="Refused")
    assert backend.fetch_checkout(checkout.id).payments == []  # as HelloAsso: no order without an authorisation
    pay(checkout.id)
    paid = backend.fetch_checkout(checkout.id)
    assert paid.order_id == checkouts[checkout.id]["order_id"]
    assert [(payment.amount_cents, payment.state) for payment in paid.payments] == [(12050, "Authorized")]
    assert payment_calls[-1] == ("fetch_checkout", {"checkout_id": checkout.id})


def test_the_in_memory_backend_knows_only_its_checkouts():
    with pytest.raises(PermanentPaymentError):
        get_backend().fetch_checkout(404)
    with pytest.raises(PermanentPaymentError, match="invalide"):
        get_backend().fetch_checkout("12; DROP")


def test_the_in_memory_backend_reads_an_id_from_a_return_url_as_helloassos_does():
    backend = get_backend()
    checkout = backend.start_checkout(
        amount_cents=15000, item_name="Acompte", back_url="/b", error_url="/e", return_url="/r"
    )
    assert backend.fetch_checkout(str(checkout.id)).id == checkout.id


@pytest.mark.parametrize("amount", [120.5, Decimal("120.50"), 0, -100, True, "12050"])
def test_an_amount_is_a_positive_whole_number_of_cents(amount):
    with pytest.raises(PermanentPaymentError, match="centimes"):
        start(get_backend(), amount_cents=amount)
    assert checkouts == {}


def test_the_system_check_keeps_helloasso_below_the_task_timeout(settings):
    assert not [error for error in run_checks() if error.id.startswith("payments.")]
    settings.HELLOASSO_TIMEOUT = settings.Q_CLUSTER["timeout"] // 4  # a token, the call, again after a 401
    assert "payments.E001" in {error.id for error in run_checks()}
    settings.HELLOASSO_TIMEOUT = settings.Q_CLUSTER["timeout"] // 4 - 1
    assert not [error for error in run_checks() if error.id.startswith("payments.")]
    settings.HELLOASSO_TIMEOUT = None
    assert "payments.E001" in {error.id for error in run_checks()}
