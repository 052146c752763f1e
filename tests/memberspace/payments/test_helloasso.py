"""HelloAsso's own client (``helloasso-python``) and our OAuth2 token code, against a
local fake of HelloAsso's HTTP API built from the client's models (tests/servers.py)."""

import time
from datetime import datetime

import pytest
from django.core.cache import cache
from helloasso_python import ApiClient, Configuration
from helloasso_python.api.commandes_api import CommandesApi

from memberspace.payments.backends import (
    PaymentError,
    PermanentPaymentError,
    ProviderPayment,
    UncertainPaymentError,
    get_backend,
)
from memberspace.payments.backends.helloasso import TOKEN_MARGIN, token_cache_key
from tests.memberspace.payments.conftest import CLIENT_ID, CLIENT_SECRET, SLUG
from tests.servers import free_port

pytestmark = pytest.mark.integration

URLS = {
    "back_url": "https://www.le-po.com/espace-adherent/inscriptions/42/",
    "error_url": "https://www.le-po.com/espace-adherent/paiement/erreur/",
    "return_url": "https://www.le-po.com/espace-adherent/paiement/retour/",
}


def start(amount_cents=12050, **kwargs):
    return get_backend().start_checkout(
        amount_cents=amount_cents, item_name="Acompte — Séjour ski 2027 (Léa)", **URLS, **kwargs
    )


# Checkouts


def test_a_checkout_is_opened_for_exactly_the_amount_in_cents(helloasso):
    checkout = start(
        12050,
        payer={"first_name": "Camille", "last_name": "Martin", "email": "camille@exemple.fr"},
        metadata={"payment": 7, "enrollment": "PO-2027-0042"},
    )
    [request] = [request for request in helloasso.requests if request["path"].startswith("/v5")]
    assert request["method"] == "POST" and request["path"] == f"/v5/organizations/{SLUG}/checkout-intents"
    assert request["headers"]["Content-Type"] == "application/json-patch+json"
    assert request["headers"]["Authorization"].startswith("Bearer at-")
    assert helloasso.checkouts[checkout.id]["body"] == {
        "totalAmount": 12050,
        "initialAmount": 12050,
        "itemName": "Acompte — Séjour ski 2027 (Léa)",
        "backUrl": URLS["back_url"],
        "errorUrl": URLS["error_url"],
        "returnUrl": URLS["return_url"],
        "containsDonation": False,
        "payer": {"firstName": "Camille", "lastName": "Martin", "email": "camille@exemple.fr"},
        "metadata": {"payment": 7, "enrollment": "PO-2027-0042"},
    }
    assert checkout.redirect_url == helloasso.redirect_url(checkout.id)


def test_an_unpaid_checkout_has_no_order(helloasso):
    checkout = start(metadata={"payment": 7})
    fetched = get_backend().fetch_checkout(checkout.id)
    assert (fetched.id, fetched.metadata, fetched.order_id, fetched.payments) == (checkout.id, {"payment": 7}, None, [])
    assert helloasso.api_requests()[-1] == ("GET", f"/v5/organizations/{SLUG}/checkout-intents/{checkout.id}")


def test_an_authorised_checkout_has_its_order_and_payment(helloasso):
    checkout = start(12050)
    paid = helloasso.pay(checkout.id)
    fetched = get_backend().fetch_checkout(str(checkout.id))  # as read from the return URL's query string
    assert fetched.order_id == helloasso.checkouts[checkout.id]["order_id"]
    [payment] = fetched.payments
    assert payment == ProviderPayment(
        id=paid["id"], amount_cents=12050, state="Authorized", paid_at=payment.paid_at, means="Card"
    )
    assert isinstance(payment.paid_at, datetime) and payment.paid_at.utcoffset() is not None


def test_the_amount_is_what_helloasso_says_was_paid(helloasso):
    """The backend reports; comparing with what was due is the caller's job."""
    checkout = start(12050)
    helloasso.pay(checkout.id, amount=100)
    assert [payment.amount_cents for payment in get_backend().fetch_checkout(checkout.id).payments] == [100]


def test_a_refused_payment_is_no_payment(helloasso):
    checkout = start()
    helloasso.pay(checkout.id, state="Refused")
    fetched = get_backend().fetch_checkout(checkout.id)
    assert (fetched.order_id, fetched.payments) == (None, [])
    helloasso.pay(checkout.id)  # the payer tries another card
    assert [payment.state for payment in get_backend().fetch_checkout(checkout.id).payments] == ["Authorized"]


def test_the_fake_serves_the_order_as_the_client_reads_it(helloasso):
    checkout = start(12050)
    helloasso.pay(checkout.id)
    order_id = get_backend().fetch_checkout(checkout.id).order_id
    client = ApiClient(Configuration(host=f"{helloasso.base_url}/v5", access_token=get_backend().token()))
    try:
        order = CommandesApi(client).orders_order_id_get(order_id)
    finally:
        client.rest_client.pool_manager.clear()
    assert (order.checkout_intent_id, order.amount.total, order.form_type.value) == (checkout.id, 12050, "Checkout")


# OAuth2 tokens


def test_the_token_is_fetched_once_and_reused(helloasso):
    checkout = start()
    get_backend().fetch_checkout(checkout.id)  # another backend: the token comes from the cache
    start()
    assert helloasso.token_grants() == ["client_credentials"]
    [token_request] = [request for request in helloasso.requests if request["path"] == "/oauth2/token"]
    assert token_request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert token_request["body"] == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert len({request["headers"]["Authorization"] for request in helloasso.requests[1:]}) == 1


def expire_soon(helloasso):
    """Tokens that the backend renews one second after getting them."""
    helloasso.token_lifetime = TOKEN_MARGIN + 1


def test_an_expired_token_is_renewed_with_the_credentials_and_no_refresh_token_is_kept(helloasso):
    expire_soon(helloasso)
    checkout = start()
    assert cache.get(token_cache_key()).startswith("at-")  # the access token alone
    time.sleep(1.2)
    get_backend().fetch_checkout(checkout.id)
    assert helloasso.token_grants() == ["client_credentials", "client_credentials"]
    renewal = [request for request in helloasso.requests if request["path"] == "/oauth2/token"][1]["body"]
    assert renewal["client_id"] == CLIENT_ID and "client_secret" in renewal


def test_a_401_gets_a_new_token_once_and_the_call_is_made_again(helloasso):
    checkout = start()
    helloasso.revoke_tokens()
    assert get_backend().fetch_checkout(checkout.id).id == checkout.id
    assert helloasso.token_grants() == ["client_credentials", "client_credentials"]
    intent = f"/v5/organizations/{SLUG}/checkout-intents/{checkout.id}"
    assert [path for _method, path in helloasso.api_requests()][1:] == [intent, intent]


def test_a_second_401_is_not_retried_again(helloasso):
    helloasso.fail_next(401)
    helloasso.fail_next(401)
    with pytest.raises(PermanentPaymentError, match="401"):
        start()
    assert helloasso.token_grants() == ["client_credentials", "client_credentials"]
    assert len(helloasso.api_requests()) == 2 and helloasso.checkouts == {}


def test_credentials_refused_by_helloasso(helloasso, settings):
    settings.HELLOASSO_CLIENT_SECRET = "not-the-secret"  # noqa: S105 (a test value)
    with pytest.raises(PermanentPaymentError, match="jeton"):
        start()
    assert helloasso.api_requests() == []


# Errors


def test_a_state_the_client_does_not_know_is_uncertain(helloasso):
    """HelloAsso adds a value to an enumeration: the client's model refuses the answer; ask again later."""
    checkout = start()
    helloasso.pay(checkout.id)
    order = helloasso.orders[helloasso.checkouts[checkout.id]["order_id"]]
    order["payments"][0]["state"] = "PartiallyAuthorized"
    with pytest.raises(UncertainPaymentError, match="illisible"):
        get_backend().fetch_checkout(checkout.id)


def test_an_answer_lost_past_the_timeout_is_uncertain(helloasso, settings):
    settings.HELLOASSO_TIMEOUT = 1
    helloasso.reply_delay = 2
    with pytest.raises(UncertainPaymentError, match="sans réponse"):
        start()
    assert len(helloasso.checkouts) == 1  # HelloAsso did open it


def test_a_server_error_on_a_read_is_retried_later(helloasso):
    checkout = start()
    helloasso.fail_next(503)
    with pytest.raises(PaymentError) as error:
        get_backend().fetch_checkout(checkout.id)
    assert error.type is PaymentError and "503" in str(error.value)


def test_a_server_error_on_opening_a_checkout_is_uncertain(helloasso):
    helloasso.fail_next(503)  # HelloAsso may have opened it before failing
    with pytest.raises(UncertainPaymentError, match="503"):
        start()


def test_a_bad_request_is_permanent(helloasso):
    with pytest.raises(PermanentPaymentError, match="400"):
        start(metadata={"note": "x" * 20001})  # HelloAsso's limit on the metadata
    assert helloasso.checkouts == {}


def test_an_unknown_checkout_is_permanent(helloasso):
    with pytest.raises(PermanentPaymentError, match="404"):
        get_backend().fetch_checkout(999999)


@pytest.mark.parametrize("token_cached", [False, True])
def test_helloasso_unreachable_is_retried_later(helloasso, settings, token_cached):
    """No connection made: HelloAsso surely did nothing."""
    if token_cached:
        start()
    settings.HELLOASSO_API_BASE_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(PaymentError) as error:
        start()
    assert error.type is PaymentError and "injoignable" in str(error.value)


def test_a_payer_refused_before_sending_is_named_by_field_not_by_value(helloasso):
    payer = {"first_name": "Camille", "email": "camille@exemple.fr", "country": "France"}  # 3 letters expected
    with pytest.raises(PermanentPaymentError) as error:
        start(payer=payer)
    assert "country" in str(error.value)
    assert "camille@exemple.fr" not in str(error.value) and "France" not in str(error.value)
    assert helloasso.checkouts == {}
