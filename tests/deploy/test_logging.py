"""Logs as JSON lines: every line parses, and carries level, logger, message, and the request's id and path."""

import io
import json
import logging
import logging.config

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.logging import GunicornAccessJsonFormatter, JsonFormatter, RequestContextFilter, logging_config
from tests.deploy import run_python


@pytest.fixture
def json_lines():
    """A handler on the root logger formatting like production; yields a function returning the parsed lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    loggers = [logging.getLogger(name) for name in ("po", "django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def test_a_record_is_one_json_line_with_time_level_logger_message(json_lines):
    logging.getLogger("po.test").warning("Envoi de %s messages", 3, extra={"batch": 7})
    try:
        raise ValueError("boum")
    except ValueError:
        logging.getLogger("po.test").exception("Échec")
    first, second = json_lines()
    assert first["level"] == "WARNING" and first["logger"] == "po.test"
    assert first["message"] == "Envoi de 3 messages" and first["batch"] == 7
    assert first["time"].endswith("Z") and "T" in first["time"]
    assert list(first)[:4] == ["time", "level", "logger", "message"]
    assert "request_id" not in first  # not within a request
    assert second["message"] == "Échec" and "ValueError: boum" in second["exc_info"]


@pytest.mark.django_db
def test_records_within_a_request_carry_its_id_and_path_never_the_query(client, json_lines, home):
    response = client.get("/introuvable/?email=parent@exemple.fr")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    (record,) = [record for record in json_lines() if record["logger"] == "django.request"]
    assert record["level"] == "WARNING" and record["message"] == "Not Found: /introuvable/"
    assert record["request_id"] == request_id and record["path"] == "/introuvable/"
    assert record["status_code"] == 404
    assert "exemple.fr" not in json.dumps(record)  # the request object's text is not logged


@pytest.mark.django_db
def test_a_proxys_request_id_is_kept_when_well_formed(client):
    response = client.get("/health/", HTTP_X_REQUEST_ID="3f2a9c0e-proxy-id-42")
    assert response["X-Request-ID"] == "3f2a9c0e-proxy-id-42"
    response = client.get("/health/", HTTP_X_REQUEST_ID='"}\n{"level": "forged"')
    assert response["X-Request-ID"] != '"}\n{"level": "forged"' and len(response["X-Request-ID"]) == 32


def test_gunicorn_access_lines_are_fields_not_apaches_text():
    from gunicorn.glogging import SafeAtoms

    atoms = SafeAtoms(
        {
            "h": "10.0.0.2",
            "m": "GET",
            "U": "/po-vacances/",
            "q": "age=8",
            "s": "200",
            "B": 5120,
            "D": 12345,
            "a": "Mozilla/5.0",
            "{x-forwarded-for}i": "203.0.113.7",
            "{x-request-id}o": "abc123",
        }
    )
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(h)s %(r)s", (atoms,), None)
    line = json.loads(GunicornAccessJsonFormatter().format(record))
    assert line["message"] == "GET /po-vacances/ 200"
    assert line["status"] == 200 and line["bytes"] == 5120 and line["duration_ms"] == 12.3
    assert line["remote_addr"] == "10.0.0.2" and line["forwarded_for"] == "203.0.113.7"
    assert line["request_id"] == "abc123" and line["logger"] == "gunicorn.access"
    assert "age=8" not in json.dumps(line)


def test_log_format_is_text_or_json():
    assert logging_config("text")["handlers"]["console"]["formatter"] == "text"
    assert logging_config("json")["formatters"]["json"] == {"()": "config.logging.JsonFormatter"}
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        logging_config("xml")


def test_production_logs_json_by_default_warnings_included():
    code = (
        "import django, logging, warnings; django.setup(); "
        "logging.getLogger('django-q').info('Q Cluster running'); "
        "logging.getLogger('po.notifications').error('SMTP indisponible'); "
        "warnings.warn('obsolète', DeprecationWarning)"
    )
    result = run_python(code, {"PYTHONWARNINGS": "always"})
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.strip().splitlines()]
    assert [(line["logger"], line["level"]) for line in lines] == [
        ("django-q", "INFO"),
        ("po.notifications", "ERROR"),
        ("py.warnings", "WARNING"),
    ]
    result = run_python(code, {"LOG_FORMAT": "text"})
    assert " ERROR po.notifications SMTP indisponible" in result.stderr


# Error reports to ADMINS


@pytest.fixture
def production_logging():
    """The production settings' logging (``logging_config("json")``) in this process, for one test."""
    from django.conf import settings

    logging.config.dictConfig(logging_config("json"))
    try:
        yield
    finally:
        logging.config.dictConfig(settings.LOGGING)


@pytest.mark.django_db
def test_a_server_error_is_mailed_to_admins_without_the_childs_health_notes(
    client, home, settings, monkeypatch, production_logging
):
    from allauth.account.models import EmailAddress
    from django.core import mail
    from django.urls import reverse

    from memberspace.families.services import children
    from tests.factories import UserFactory
    from tests.memberspace.families.test_children import child_data, make_child

    settings.ADMINS = [("Le PO", "technique@le-po.com")]
    parent = UserFactory(account_status="validated")
    EmailAddress.objects.create(user=parent, email=parent.email, verified=True, primary=True)
    child = make_child(parent)
    mail.outbox.clear()

    def broken_update(child, *, by, data):
        health_notes = data["health_notes"]  # a local variable of the failing frame, too
        raise RuntimeError(f"database gone away ({len(health_notes)})")

    monkeypatch.setattr(children, "update_child", broken_update)
    client.raise_request_exception = False
    client.force_login(parent)
    data = child_data(health_notes="Allergie sévère aux arachides", emergency_contact_name="Mamie Gisèle")
    response = client.post(reverse("memberspace:child_edit", args=[child.pk]), data)

    assert response.status_code == 500
    [report] = mail.outbox
    assert report.to == ["technique@le-po.com"]
    assert "Internal Server Error" in report.subject and "RuntimeError" in report.body
    everything = report.subject + report.body + "".join(str(part) for part, _type in report.alternatives)
    assert "arachides" not in everything and "Gisèle" not in everything
    assert "health_notes = '********************'" in report.body  # the field is named, its value hidden


@pytest.mark.django_db
def test_a_health_probe_answering_503_mails_nobody(client, settings, production_logging):
    from django.core import mail

    settings.ADMINS = [("Le PO", "technique@le-po.com")]
    assert client.get("/health/").status_code == 503  # no heartbeat: the worker is down
    assert mail.outbox == []


def test_production_mails_server_errors_only_to_admins():
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.ADMINS, settings.LOGGING['loggers']['django.request']['handlers'], "
        "settings.LOGGING['handlers']['mail_admins']['class'], settings.LOGGING['loggers']['django']['handlers']]))"
    )
    result = run_python(code, {"ADMINS": "technique@le-po.com,dev@le-po.com"})
    assert result.returncode == 0, result.stderr
    admins, request_handlers, handler, django_handlers = json.loads(result.stdout.strip().splitlines()[-1])
    assert admins == [["Le PO", "technique@le-po.com"], ["Le PO", "dev@le-po.com"]]
    assert "mail_admins" in request_handlers and handler == "django.utils.log.AdminEmailHandler"
    assert django_handlers == ["console"]  # django.security's lines are not mailed


def test_check_deploy_warns_when_nobody_gets_the_error_reports(settings):
    from config.checks import check_admins

    settings.ADMINS = []
    [warning] = check_admins(None)
    assert warning.id == "config.W001" and "ADMINS" in warning.msg
    settings.ADMINS = [("Le PO", "technique@le-po.com")]
    assert check_admins(None) == []
