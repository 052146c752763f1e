"""Serving the site at another address (RUN_ADDRESS): what ``make run`` prints, and links in emails.

``make run`` serves at ``RUN_ADDRESS`` (runserver's ``[host:]port``, 127.0.0.1:8000 by
default). The development settings then give links in emails that address, unless
``SITE_BASE_URL`` says otherwise; production links use the configured ``SITE_BASE_URL``
and ``check --deploy`` warns when it is not set.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from tests.memberspace.accounts.test_accounts import SIGNUP

ROOT = Path(__file__).resolve().parent.parent
# What the machine's environment may set that would change what a child process sees.
ADDRESS_VARIABLES = ("RUN_ADDRESS", "SITE_BASE_URL", "WAGTAILADMIN_BASE_URL", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE")


def settings_with(module, **extra_env):
    env = {key: value for key, value in os.environ.items() if key not in ADDRESS_VARIABLES}
    env.update({"DJANGO_SETTINGS_MODULE": module, **extra_env})
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'site': s.SITE_BASE_URL, 'admin': s.WAGTAILADMIN_BASE_URL, 'hosts': s.ALLOWED_HOSTS}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("address", "url"),
    [
        ("127.0.0.1:8124", "http://127.0.0.1:8124"),
        ("8124", "http://127.0.0.1:8124"),
        ("localhost:8124", "http://localhost:8124"),
        ("0.0.0.0:8124", "http://127.0.0.1:8124"),
        ("0:8124", "http://127.0.0.1:8124"),
        ("[::1]:8124", "http://[::1]:8124"),
        ("[::]:8124", "http://[::1]:8124"),
    ],
)
def test_the_address_runserver_is_given_reads_as_a_url(address, url):
    from config.addresses import base_url  # no Django: scripts/serve.py reads it too

    assert base_url(address) == url


def test_links_in_emails_carry_the_address_make_run_serves_at():
    served = settings_with("config.settings.dev", RUN_ADDRESS="127.0.0.1:8124")
    assert served["site"] == "http://127.0.0.1:8124"
    assert served["admin"] == "http://127.0.0.1:8124"  # Wagtail's own emails (moderation)
    assert "127.0.0.1" in served["hosts"]
    assert settings_with("config.settings.dev")["site"] == "http://127.0.0.1:8000"
    # SITE_BASE_URL wins: a phone on the local network reaching the developer's machine.
    chosen = settings_with("config.settings.dev", RUN_ADDRESS="0.0.0.0:8124", SITE_BASE_URL="http://192.168.1.20:8124")
    assert chosen["site"] == "http://192.168.1.20:8124"
    assert "192.168.1.20" in chosen["hosts"]


def test_production_links_use_the_configured_base_url_whatever_run_address_says():
    production = settings_with(
        "config.settings.production",
        SECRET_KEY="s" * 60,
        ALLOWED_HOSTS="www.le-po.com",
        SITE_BASE_URL="https://www.le-po.com",
        RUN_ADDRESS="127.0.0.1:8124",
    )
    assert production["site"] == "https://www.le-po.com"
    assert production["admin"] == "https://www.le-po.com"


def check_deploy(**extra_env):
    env = {key: value for key, value in os.environ.items() if key not in ADDRESS_VARIABLES}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "check-deploy-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
            "ALLOWED_HOSTS": "www.le-po.com",
            "CSRF_TRUSTED_ORIGINS": "https://www.le-po.com",
            "ADMINS": "technique@le-po.com",
            **extra_env,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_check_deploy_warns_when_links_in_emails_would_not_reach_the_site():
    unset = check_deploy()
    assert unset.returncode != 0
    assert "config.W002" in unset.stderr and "http://127.0.0.1:8000" in unset.stderr
    assert "config.W002" in check_deploy(SITE_BASE_URL="http://www.le-po.com").stderr  # not HTTPS
    assert "config.W002" in check_deploy(SITE_BASE_URL="https://ailleurs.example").stderr  # not a host we serve
    assert check_deploy(SITE_BASE_URL="https://www.le-po.com").returncode == 0


@pytest.mark.django_db
def test_the_verification_link_of_a_sign_up_carries_the_address_it_was_made_at(
    client, home, settings, django_capture_on_commit_callbacks
):
    """allauth builds its links from the request: a sign-up at 127.0.0.1:8124 gets a link there."""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SITE_BASE_URL = "http://127.0.0.1:8124"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), SIGNUP, HTTP_HOST="127.0.0.1:8124")
    assert response.status_code == 302
    (message,) = mail.outbox
    assert "http://127.0.0.1:8124/compte/confirm-email/" in message.body
    assert ":8000" not in message.body + message.alternatives[0].content


def load_serve():
    spec = importlib.util.spec_from_file_location("serve", ROOT / "scripts" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ExitedProcess:
    pid = -1
    returncode = 0

    def poll(self):
        return 0


def test_make_run_prints_the_address_it_serves_at(monkeypatch, capsys):
    monkeypatch.setenv("RUN_ADDRESS", "127.0.0.1:8124")
    serve = load_serve()
    started = []
    monkeypatch.setattr(serve, "start", lambda *args: started.append(args) or ExitedProcess())
    monkeypatch.setattr(serve, "stop", lambda processes: None)
    serve.main()
    out = capsys.readouterr().out
    assert ("runserver", "127.0.0.1:8124") in started
    assert "http://127.0.0.1:8124" in out
    assert "http://127.0.0.1:8124/admin/" in out
    assert "8000" not in out


def test_make_help_documents_run_address():
    make = shutil.which("make")
    result = subprocess.run([make, "-s", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    run_line = next(line for line in result.stdout.splitlines() if line.startswith("make run "))
    assert "RUN_ADDRESS" in run_line
