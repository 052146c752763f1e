"""Real servers on loopback for the integration tests: an SMTP server (aiosmtpd),
a fake of Twilio's Messages API, and a django-q2 cluster in a process of its own."""

import asyncio
import base64
import contextlib
import email
import email.utils
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

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


class FakeTwilio:
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

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

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

            def reply(self, status, payload):
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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
