"""Real servers on loopback for the integration tests: an SMTP server (aiosmtpd),
fakes of Twilio's Messages API and of HelloAsso's checkout API, and a django-q2
cluster in a process of its own."""

import asyncio
import base64
import contextlib
import email
import email.utils
import html
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller
from helloasso_python.models.hello_asso_api_v5_models_carts_checkout_intent_response import (
    HelloAssoApiV5ModelsCartsCheckoutIntentResponse,
)
from helloasso_python.models.hello_asso_api_v5_models_carts_init_checkout_body import (
    HelloAssoApiV5ModelsCartsInitCheckoutBody,
)
from helloasso_python.models.hello_asso_api_v5_models_carts_init_checkout_response import (
    HelloAssoApiV5ModelsCartsInitCheckoutResponse,
)
from helloasso_python.models.hello_asso_api_v5_models_common_meta_model import HelloAssoApiV5ModelsCommonMetaModel
from helloasso_python.models.hello_asso_api_v5_models_statistics_order_amount_model import (
    HelloAssoApiV5ModelsStatisticsOrderAmountModel,
)
from helloasso_python.models.hello_asso_api_v5_models_statistics_order_detail import (
    HelloAssoApiV5ModelsStatisticsOrderDetail,
)
from helloasso_python.models.hello_asso_api_v5_models_statistics_order_payment import (
    HelloAssoApiV5ModelsStatisticsOrderPayment,
)
from helloasso_python.models.hello_asso_api_v5_models_statistics_payer import HelloAssoApiV5ModelsStatisticsPayer
from pydantic import ValidationError

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout=30.0, interval=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout} s waiting for {message}")


class RecordingHandler:
    """Accepts every message and keeps it, parsed. ``rcpt_delay`` slows every conversation down."""

    def __init__(self):
        self.messages = []
        self.rcpt_delay = 0.0
        self.conversations = 0
        self.in_rcpt = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.conversations += 1
        self.in_rcpt.set()
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self.controller = None

    @property
    def messages(self):
        return self.handler.messages

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def message_ids(self):
        return [message["Message-ID"] for message in self.messages]


class JsonHandler(BaseHTTPRequestHandler):
    """A fake API's request handler: quiet, answering JSON."""

    content_type = "application/json"

    def log_message(self, *args):
        pass

    def reply(self, status, payload):
        body = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", self.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            pass


class FakeApi:
    """A fake HTTP API on a free loopback port, served from a daemon thread."""

    def listen(self, handler):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class FakeTwilio(FakeApi):
    """Twilio's Messages resource, enough to test the real client: ``POST`` (send) and ``GET`` (list)
    ``/2010-04-01/Accounts/{sid}/Messages.json``.

    Checks HTTP basic auth; answers a POST like Twilio: 201 with a message
    resource, or 400 with error 21211 for a "To" number it is told is invalid.
    Every accepted message is kept in ``messages`` (Twilio's log), which a GET
    lists newest first, filtered by ``To`` and ``From``. With ``reply_delay``
    set, a POST is accepted (kept in the log) and answered that many seconds
    later only: past the client's timeout, as when Twilio's answer is lost.
    """

    def __init__(self, account_sid, auth_token, invalid_numbers=()):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.invalid_numbers = set(invalid_numbers)
        self.requests = []
        self.messages = []
        self.reply_delay = 0.0
        fake = self
        messages_path = f"/2010-04-01/Accounts/{account_sid}/Messages.json"

        class Handler(JsonHandler):
            def authorized(self):
                expected = "Basic " + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self.reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                    return False
                return True

            def do_GET(self):
                path, _sep, query = self.path.partition("?")
                params = {key: values[0] for key, values in parse_qs(query).items()}
                fake.requests.append({"method": "GET", "path": path, "headers": dict(self.headers), "params": params})
                if not self.authorized():
                    return None
                if path != messages_path:
                    return self.reply(404, {"code": 20404, "message": "Not found", "status": 404})
                found = [
                    message
                    for message in reversed(fake.messages)
                    if params.get("To", message["to"]) == message["to"]
                    and params.get("From", message["from"]) == message["from"]
                ]
                page_size = int(params.get("PageSize", 50))
                return self.reply(
                    200,
                    {
                        "messages": found[:page_size],
                        "page": 0,
                        "page_size": page_size,
                        "start": 0,
                        "end": max(len(found[:page_size]) - 1, 0),
                        "first_page_uri": f"{messages_path}?PageSize={page_size}&Page=0",
                        "next_page_uri": None,
                        "previous_page_uri": None,
                        "uri": f"{messages_path}?PageSize={page_size}&Page=0",
                    },
                )

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
                fake.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers), "form": form})
                if not self.authorized():
                    return None
                if self.path != messages_path:
                    return self.reply(404, {"code": 20404, "message": "Not found", "status": 404})
                if form.get("To") in fake.invalid_numbers:
                    return self.reply(
                        400,
                        {
                            "code": 21211,
                            "message": f"The 'To' number {form['To']} is not a valid phone number.",
                            "more_info": "https://www.twilio.com/docs/errors/21211",
                            "status": 400,
                        },
                    )
                sid = "SM" + uuid.uuid4().hex
                message = {
                    "sid": sid,
                    "account_sid": fake.account_sid,
                    "to": form.get("To"),
                    "from": form.get("From"),
                    "messaging_service_sid": form.get("MessagingServiceSid"),
                    "body": form.get("Body"),
                    "status": "queued",
                    "num_segments": "1",
                    "direction": "outbound-api",
                    "api_version": "2010-04-01",
                    "date_created": email.utils.formatdate(usegmt=True).replace("GMT", "+0000"),
                    "date_sent": None,
                    "uri": f"/2010-04-01/Accounts/{fake.account_sid}/Messages/{sid}.json",
                }
                fake.messages.append(message)
                if fake.reply_delay:
                    time.sleep(fake.reply_delay)
                return self.reply(201, message)

        self.listen(Handler)


def as_json(model):
    """A model of ``helloasso_python`` as the JSON HelloAsso sends: camelCase, dates in ISO 8601."""
    return json.loads(json.dumps(model.to_dict(), default=lambda value: value.isoformat()))


class FakeHelloAsso(FakeApi):
    """HelloAsso's OAuth2 token endpoint and checkout API (v5), enough to test the real client.

    - ``POST /oauth2/token``: the client-credentials and refresh-token grants (form
      encoded), tokens living ``token_lifetime`` seconds; 401 for other credentials,
      400 for an unknown refresh token;
    - ``POST /v5/organizations/{slug}/checkout-intents``: the body is read with the
      client's own model (``InitCheckoutBody``); 400 when it does not validate, when
      the total is not the initial amount plus the terms, or the metadata is longer
      than 20,000 characters; answers ``{id, redirectUrl}``;
    - ``GET /v5/organizations/{slug}/checkout-intents/{id}``: the intent, its metadata,
      and its order only once a payment was authorised, as HelloAsso does;
    - ``GET /v5/orders/{id}``: the order.

    Every API call needs a live bearer token (401 otherwise). Replies are built from
    the client's models, so the real client parses them; orders are kept as that JSON
    in ``orders``, which a test may alter (a state HelloAsso adds one day). Test
    handles: ``pay()``, ``revoke_tokens()``, ``fail_next()``, ``reply_delay`` (the API
    answers that much later: past the client's timeout, the answer is lost; a
    checkout is opened all the same). Every request is kept in ``requests``.
    """

    def __init__(self, client_id, client_secret, organization_slug, token_lifetime=1800):
        self.client_id = client_id
        self.client_secret = client_secret
        self.organization_slug = organization_slug
        self.token_lifetime = token_lifetime
        self.requests = []
        self.tokens = {}  # access token → when it expires (time.time())
        self.refresh_tokens = set()
        self.checkouts = {}  # id → {"body": the request's JSON, "payments": [...], "order_id": None}
        self.orders = {}  # id → the order's JSON
        self.reply_delay = 0.0
        self.failures = []  # (status, payload) for the next API calls, in order
        self.ids = itertools.count(12001)
        fake = self
        checkouts_path = f"/v5/organizations/{organization_slug}/checkout-intents"

        class Handler(JsonHandler):
            content_type = "application/json; charset=utf-8"

            def record(self, method, body):
                path, _sep, query = self.path.partition("?")
                fake.requests.append(
                    {"method": method, "path": path, "query": query, "headers": dict(self.headers), "body": body}
                )
                return path

            def authorized(self):
                scheme, _sep, token = self.headers.get("Authorization", "").partition(" ")
                if scheme != "Bearer" or fake.tokens.get(token, 0) <= time.time():
                    self.reply(401, {"message": "Authorization has been denied for this request."})
                    return False
                return True

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode()
                if match := re.fullmatch(r"/checkout/(\d+)/(pay|refuse)", self.path):
                    self.record("POST", raw)
                    return self.pay_from_page(int(match[1]), match[2])
                if self.path == "/oauth2/token":
                    form = {key: values[0] for key, values in parse_qs(raw).items()}
                    self.record("POST", form)
                    return self.token(form)
                path = self.record("POST", raw)
                if not self.authorized() or self.failed():
                    return None
                if path != checkouts_path:
                    return self.reply(404, {"message": "Not found"})
                content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
                if content_type not in ("application/json-patch+json", "application/json"):
                    return self.reply(415, {"message": f"Unsupported content type {content_type}"})
                try:
                    body = HelloAssoApiV5ModelsCartsInitCheckoutBody.from_dict(json.loads(raw))
                except (ValueError, ValidationError) as error:
                    return self.bad_request(str(error))
                terms = sum(term.amount for term in body.terms or [])
                if body.total_amount != body.initial_amount + terms:
                    return self.bad_request("TotalAmount must be equal to the sum of the initial amount and terms")
                if body.metadata is not None and len(json.dumps(body.metadata)) > 20000:
                    return self.bad_request("Metadata is too long (max length : 20000)")
                checkout_id = next(fake.ids)
                fake.checkouts[checkout_id] = {"body": json.loads(raw), "payments": [], "order_id": None}
                reply = HelloAssoApiV5ModelsCartsInitCheckoutResponse(
                    id=checkout_id, redirect_url=fake.redirect_url(checkout_id)
                )
                if fake.reply_delay:
                    time.sleep(fake.reply_delay)
                return self.reply(200, as_json(reply))

            def do_GET(self):
                path = self.record("GET", None)
                if match := re.fullmatch(r"/checkout/(\d+)", path):
                    return self.payment_page(int(match[1]))
                if not self.authorized() or self.failed():
                    return None
                if fake.reply_delay:
                    time.sleep(fake.reply_delay)
                if match := re.fullmatch(re.escape(checkouts_path) + r"/(\d+)", path):
                    checkout_id = int(match[1])
                    if checkout_id not in fake.checkouts:
                        return self.reply(404, {"message": "Checkout intent not found"})
                    return self.reply(200, fake.intent(checkout_id))
                if match := re.fullmatch(r"/v5/orders/(\d+)", path):
                    order = fake.orders.get(int(match[1]))
                    return self.reply(*((200, order) if order else (404, {"message": "Order not found"})))
                return self.reply(404, {"message": "Not found"})

            def token(self, form):
                grant = form.get("grant_type")
                if form.get("client_id") != fake.client_id:
                    return self.reply(401, {"error": "unauthorized_client"})
                if grant == "client_credentials":
                    if form.get("client_secret") != fake.client_secret:
                        return self.reply(401, {"error": "unauthorized_client"})
                elif grant == "refresh_token":
                    if form.get("refresh_token") not in fake.refresh_tokens:
                        return self.reply(400, {"error": "invalid_grant"})
                    fake.refresh_tokens.discard(form["refresh_token"])
                else:
                    return self.reply(400, {"error": "unsupported_grant_type"})
                access_token, refresh_token = "at-" + uuid.uuid4().hex, "rt-" + uuid.uuid4().hex
                fake.tokens[access_token] = time.time() + fake.token_lifetime
                fake.refresh_tokens.add(refresh_token)
                return self.reply(
                    200,
                    {
                        "access_token": access_token,
                        "refresh_token": refresh_token,
                        "token_type": "bearer",
                        "expires_in": fake.token_lifetime,
                    },
                )

            def payment_page(self, checkout_id):
                """HelloAsso's payment page, simulated: the amount, « Payer » and « Refuser », and the way back."""
                checkout = fake.checkouts.get(checkout_id)
                if checkout is None:
                    return self.reply(404, {"message": "Checkout intent not found"})
                body = checkout["body"]
                euros = f"{body['totalAmount'] / 100:.2f}".replace(".", ",")
                page = (
                    '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
                    '<meta name="viewport" content="width=device-width"><title>HelloAsso (simulé)</title></head>'
                    f"<body><h1>Paiement HelloAsso (simulé)</h1><p>{html.escape(body['itemName'])}</p>"
                    f"<p>Montant : {euros} €</p>"
                    f'<form method="post" action="/checkout/{checkout_id}/pay"><button>Payer {euros} €</button></form>'
                    f'<form method="post" action="/checkout/{checkout_id}/refuse"><button>Carte refusée</button></form>'
                    f'<p><a href="{html.escape(body["backUrl"])}">Retour au site</a></p></body></html>'
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                return None

            def pay_from_page(self, checkout_id, action):
                """The payer's click: paid (back to ``returnUrl``) or refused (to ``errorUrl``), as HelloAsso does."""
                if checkout_id not in fake.checkouts:
                    return self.reply(404, {"message": "Checkout intent not found"})
                body = fake.checkouts[checkout_id]["body"]
                paid = action == "pay"
                fake.pay(checkout_id, state="Authorized" if paid else "Refused")
                target = body["returnUrl"] if paid else body["errorUrl"]
                code = "succeeded" if paid else "refused"
                self.send_response(303)
                self.send_header("Location", f"{target}?checkoutIntentId={checkout_id}&code={code}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None

            def failed(self):
                if not fake.failures:
                    return False
                self.reply(*fake.failures.pop(0))
                return True

            def bad_request(self, message):
                return self.reply(400, {"errors": [{"code": "ArgumentInvalid", "message": message}]})

        self.listen(Handler)

    def redirect_url(self, checkout_id):
        return f"{self.base_url}/checkout/{checkout_id}"

    def api_requests(self):
        """The requests to the API (``/v5``), tokens left out: ``(method, path)``."""
        return [(request["method"], request["path"]) for request in self.requests if request["path"].startswith("/v5")]

    def token_grants(self):
        return [request["body"]["grant_type"] for request in self.requests if request["path"] == "/oauth2/token"]

    def revoke_tokens(self):
        """HelloAsso forgets every access token given (the next API call gets a 401)."""
        self.tokens.clear()

    def fail_next(self, status, payload=None):
        """The next API call is answered ``status`` (with ``payload``, a HelloAsso-like message by default)."""
        self.failures.append((status, payload or {"message": f"Error {status}"}))

    def pay(self, checkout_id, state="Authorized", amount=None, tip=0):
        """The payer paid on HelloAsso's page (or tried: ``state="Refused"``); returns the payment's JSON.

        ``amount`` in cents, the checkout's total by default; ``tip``, the payer's contribution to
        HelloAsso, added to it (as the order's ``amountTip``). An authorised payment
        makes the order, which the checkout intent then shows.
        """
        checkout = self.checkouts[checkout_id]
        now = datetime.now(UTC)
        payment = as_json(
            HelloAssoApiV5ModelsStatisticsOrderPayment(
                id=next(self.ids),
                amount=(checkout["body"]["totalAmount"] if amount is None else amount) + tip,
                amount_tip=tip,
                date=now,
                payment_means="Card",
                installment_number=1,
                state=state,
                type="Offline" if state != "Authorized" else "Credit",
                meta=HelloAssoApiV5ModelsCommonMetaModel(created_at=now, updated_at=now),
            )
        )
        checkout["payments"].append(payment)
        if state == "Authorized":
            if checkout["order_id"] is None:
                checkout["order_id"] = self.new_order(checkout_id, now)
            order = self.orders[checkout["order_id"]]
            order["payments"] = [entry for entry in checkout["payments"] if entry["state"] == "Authorized"]
            order["amount"]["total"] = sum(entry["amount"] for entry in order["payments"])
        return payment

    def new_order(self, checkout_id, now):
        body = self.checkouts[checkout_id]["body"]
        payer = body.get("payer") or {}
        order = HelloAssoApiV5ModelsStatisticsOrderDetail(
            id=next(self.ids),
            date=now,
            form_slug="default",
            form_type="Checkout",
            organization_slug=self.organization_slug,
            checkout_intent_id=checkout_id,
            amount=HelloAssoApiV5ModelsStatisticsOrderAmountModel(total=0, vat=0, discount=0),
            payer=HelloAssoApiV5ModelsStatisticsPayer(
                email=payer.get("email") or "payeur@exemple.fr",
                first_name=payer.get("firstName") or "Camille",
                last_name=payer.get("lastName") or "Martin",
            ),
            payments=[],
            meta=HelloAssoApiV5ModelsCommonMetaModel(created_at=now, updated_at=now),
        )
        self.orders[order.id] = as_json(order)
        return order.id

    def intent(self, checkout_id):
        """The checkout intent's JSON: its order only once paid."""
        checkout = self.checkouts[checkout_id]
        intent = as_json(
            HelloAssoApiV5ModelsCartsCheckoutIntentResponse(
                id=checkout_id, redirect_url=self.redirect_url(checkout_id), metadata=checkout["body"].get("metadata")
            )
        )
        if checkout["order_id"] is not None:
            intent["order"] = self.orders[checkout["order_id"]]
        return intent

    def notification(self, checkout_id, event="Order"):
        """The JSON HelloAsso posts to the association's notification URL once a checkout is paid.

        As documented (dev.helloasso.com, « Les notifications »): ``eventType``, the order (or the
        payment, with a light copy of its order) in ``data``, and the checkout's ``metadata``.
        """
        checkout = self.checkouts[checkout_id]
        order = self.orders[checkout["order_id"]]
        if event == "Order":
            data = order
        else:
            light = {key: order[key] for key in ("id", "date", "formSlug", "formType", "organizationSlug")}
            data = {**order["payments"][-1], "order": light}
        return {"eventType": event, "data": data, "metadata": checkout["body"].get("metadata")}


def database_env(connection):
    """Environment variables that point a child process at the test database."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": str(settings["NAME"]), "DATABASE_URL": ""}
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return {"DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"}


class QCluster:
    """``manage.py qcluster`` in a process group of its own, on the test database."""

    def __init__(self, connection, **env):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "Q_SYNC": "false",
            "REDIS_URL": "",
            **database_env(connection),
            **{key: str(value) for key, value in env.items()},
        }
        self.process = None
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed with the object)

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            process_group=0,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        return self

    def output(self):
        """What the cluster printed, to explain a failed test."""
        self.log.seek(0)
        return self.log.read()

    def kill(self):
        """SIGKILL the whole cluster (its sentinel, pusher, monitor and workers) at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def close(self):
        self.stop()
        self.log.close()

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):  # a worker that outlived its sentinel
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
