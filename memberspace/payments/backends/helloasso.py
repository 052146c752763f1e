"""Online payment through HelloAsso's checkout (API v5), with HelloAsso's own client ``helloasso-python``.

The client sends the bearer token but never asks for one: the OAuth2 calls are
ours. A token (client-credentials grant, ``POST {HELLOASSO_API_BASE_URL}/oauth2/token``)
is kept in Django's cache, shared by the web and worker processes in production,
until shortly before it expires; then the credentials ask for a new one. The refresh
token is not kept: it could mint tokens without the secret (from the cache, a backup),
even after the secret is changed. A 401
from the API (a token revoked or replaced) gets a new token once, and the call
is made again. Every HTTP call gives up after HELLOASSO_TIMEOUT seconds.
"""

import hashlib
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from helloasso_python import ApiClient, Configuration
from helloasso_python.api.checkout_api import CheckoutApi
from helloasso_python.exceptions import ApiException, ServiceException, UnauthorizedException
from helloasso_python.models.hello_asso_api_v5_models_carts_checkout_payer import (
    HelloAssoApiV5ModelsCartsCheckoutPayer,
)
from helloasso_python.models.hello_asso_api_v5_models_carts_init_checkout_body import (
    HelloAssoApiV5ModelsCartsInitCheckoutBody,
)
from pydantic import ValidationError
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.exceptions import HTTPError as Urllib3HTTPError

from .base import (
    BasePaymentBackend,
    Checkout,
    FetchedCheckout,
    PaymentError,
    PermanentPaymentError,
    ProviderPayment,
    UncertainPaymentError,
    check_amount,
)

# A token is renewed this many seconds before HelloAsso says it expires (30 min).
TOKEN_MARGIN = 60


def fields_in_error(error):
    """A validation error's fields and kinds, without the values (a payer's email, name…)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in detail['loc'])}: {detail['type']}"
        for detail in error.errors(include_url=False, include_input=False)
    )


def token_cache_key():
    client = hashlib.sha256(settings.HELLOASSO_CLIENT_ID.encode()).hexdigest()[:12]
    return f"helloasso-token:{client}"


class HelloAssoBackend(BasePaymentBackend):
    name = "helloasso"

    @classmethod
    def configured(cls):
        return bool(
            settings.HELLOASSO_CLIENT_ID and settings.HELLOASSO_CLIENT_SECRET and settings.HELLOASSO_ORGANIZATION_SLUG
        )

    @classmethod
    def checkout_origins(cls):
        """HelloAsso's payment pages: any host of HelloAsso's domain (``https://*.helloasso.com`` for the API
        at ``https://api.helloasso.com``, the sandbox's likewise); the API's own origin for any other base (a
        test double)."""
        base = urlsplit(settings.HELLOASSO_API_BASE_URL)
        host = base.hostname or ""
        if host.startswith("api."):
            return [f"{base.scheme}://*.{host.removeprefix('api.')}"]
        return [f"{base.scheme}://{base.netloc}"]

    def __init__(self):
        if not (settings.HELLOASSO_CLIENT_ID and settings.HELLOASSO_CLIENT_SECRET):
            raise ImproperlyConfigured("HELLOASSO_CLIENT_ID and HELLOASSO_CLIENT_SECRET must be set to take payments.")
        if not settings.HELLOASSO_ORGANIZATION_SLUG:
            raise ImproperlyConfigured("HELLOASSO_ORGANIZATION_SLUG must be set to take payments.")
        self.base_url = settings.HELLOASSO_API_BASE_URL.rstrip("/")
        self.timeout = float(settings.HELLOASSO_TIMEOUT)
        # No retry inside the client: a POST sent twice could open two checkouts; the caller retries.
        self.configuration = Configuration(host=f"{self.base_url}/v5", retries=False)

    # OAuth2

    def token(self):
        """A valid access token: the cached one, or a new one."""
        return cache.get(token_cache_key()) or self.fetch_token(
            grant_type="client_credentials", client_secret=settings.HELLOASSO_CLIENT_SECRET
        )

    def fetch_token(self, **form):
        try:
            response = requests.post(
                f"{self.base_url}/oauth2/token",
                data={"client_id": settings.HELLOASSO_CLIENT_ID, **form},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise PaymentError(f"HelloAsso injoignable (jeton) : {error}") from error
        if response.status_code in (400, 401, 403):
            raise PermanentPaymentError(f"HelloAsso refuse le jeton ({form['grant_type']}) : {response.status_code}")
        if response.status_code != 200:
            raise PaymentError(f"HelloAsso {response.status_code} (jeton)")
        try:
            answer = response.json()
            access_token, expires_in = answer["access_token"], int(answer["expires_in"])
        except (ValueError, KeyError, TypeError) as error:
            raise PaymentError(f"Jeton HelloAsso illisible : {error}") from error
        cache.set(token_cache_key(), access_token, max(expires_in - TOKEN_MARGIN, 1))
        return access_token

    def call(self, operation, *, creates=False):
        """``operation(api_client)``, with a valid token, a new one once after a 401, errors translated.

        ``creates``: the call opens something at HelloAsso, so a server error may come after
        it did (uncertain), where a read is simply tried again later.
        """
        client = ApiClient(self.configuration)
        try:
            try:
                self.configuration.access_token = self.token()
                return operation(client)
            except UnauthorizedException:
                cache.delete(token_cache_key())
                self.configuration.access_token = self.token()
                try:
                    return operation(client)
                except UnauthorizedException as error:
                    message = "HelloAsso refuse un jeton neuf (401) : droits du client API ?"
                    raise PermanentPaymentError(message) from error
        except ServiceException as error:
            failed = UncertainPaymentError if creates else PaymentError
            raise failed(f"HelloAsso {error.status} : {error.reason}") from error
        except ApiException as error:
            if error.status == 429:
                raise PaymentError(f"HelloAsso {error.status} : trop de requêtes") from error
            if error.status and 400 <= error.status < 500:
                # Not the body: HelloAsso may echo the payer's details in it, and this message is stored.
                raise PermanentPaymentError(f"HelloAsso {error.status} : {error.reason}") from error
            # Status 0: an answer the client could not read (TLS, content type).
            raise UncertainPaymentError(f"Réponse de HelloAsso illisible : {error.reason}") from error
        except (NewConnectionError, ConnectTimeoutError) as error:
            raise PaymentError(f"HelloAsso injoignable : {error}") from error
        except (Urllib3HTTPError, OSError) as error:
            # A read timeout or a connection lost after the request went out: HelloAsso may have acted on it.
            raise UncertainPaymentError(f"HelloAsso sans réponse : {error}") from error
        except ValidationError as error:  # a value the client's models do not know (a new state…)
            raise UncertainPaymentError(f"Réponse de HelloAsso illisible : {fields_in_error(error)}") from error
        except ValueError as error:
            raise UncertainPaymentError(f"Réponse de HelloAsso illisible : {error}") from error
        finally:
            client.rest_client.pool_manager.clear()

    # Checkouts

    def start_checkout(self, *, amount_cents, item_name, back_url, error_url, return_url, payer=None, metadata=None):
        check_amount(amount_cents)
        try:
            body = HelloAssoApiV5ModelsCartsInitCheckoutBody(
                total_amount=amount_cents,
                initial_amount=amount_cents,
                item_name=item_name,
                back_url=back_url,
                error_url=error_url,
                return_url=return_url,
                contains_donation=False,
                payer=HelloAssoApiV5ModelsCartsCheckoutPayer(**payer) if payer else None,
                metadata=metadata,
            )
        except ValidationError as error:  # never sent
            raise PermanentPaymentError(f"Paiement HelloAsso impossible : {fields_in_error(error)}") from error
        except TypeError as error:
            raise PermanentPaymentError(f"Paiement HelloAsso impossible : {error}") from error
        response = self.call(
            lambda client: CheckoutApi(client).organizations_organization_slug_checkout_intents_post(
                settings.HELLOASSO_ORGANIZATION_SLUG, body, _request_timeout=self.timeout
            ),
            creates=True,
        )
        if response.id is None or not response.redirect_url:
            raise UncertainPaymentError("Réponse de HelloAsso sans identifiant ni adresse de paiement.")
        return Checkout(id=response.id, redirect_url=response.redirect_url)

    def fetch_checkout(self, checkout_id):
        try:
            checkout_id = int(checkout_id)
        except (TypeError, ValueError) as error:
            raise PermanentPaymentError(f"Identifiant de paiement HelloAsso invalide : {checkout_id!r}") from error
        intent = self.call(
            lambda client: CheckoutApi(client).organizations_organization_slug_checkout_intents_checkout_intent_id_get(
                settings.HELLOASSO_ORGANIZATION_SLUG, checkout_id, _request_timeout=self.timeout
            )
        )
        order = intent.order  # HelloAsso gives the order only once a payment is authorised
        if order and any(payment.id is None or payment.amount is None for payment in order.payments or []):
            raise UncertainPaymentError(f"Paiement HelloAsso sans identifiant ni montant (commande {order.id}).")
        payments = [
            ProviderPayment(
                id=payment.id,
                amount_cents=payment.amount,
                state=payment.state.value if payment.state else "",
                paid_at=payment.var_date,
                means=payment.payment_means.value if payment.payment_means else None,
                tip_cents=payment.amount_tip or 0,
            )
            for payment in ((order.payments or []) if order else [])
        ]
        return FetchedCheckout(
            id=intent.id if intent.id is not None else checkout_id,
            metadata=intent.metadata,
            order_id=order.id if order else None,
            payments=payments,
        )
