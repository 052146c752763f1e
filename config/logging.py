"""Logging: plain text lines for a developer, JSON lines for a log collector.

``LOG_FORMAT=json`` (the production default) writes one JSON object per line:
``time``, ``level``, ``logger``, ``message``, and, while a request is being
served, its ``request_id`` and ``path`` (never the query string), plus whatever
the caller passed in ``extra`` and the traceback of an exception. The web
server's own lines (gunicorn's error and access logs, config/gunicorn.py) use
the same formatter, so every line of every process parses as JSON.

``RequestIdMiddleware`` names each request: the ``X-Request-ID`` set by the
front proxy when it is well formed (nginx's ``$request_id``, a load
balancer's trace id), otherwise a new one; the response carries it back, and
gunicorn's access line repeats it, so an access line, the application's lines
and the proxy's line of one request share one id.
"""

import contextvars
import datetime
import logging
import logging.config
import re
import uuid

from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

LOG_FORMATS = ("text", "json")
REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's request id may look like; anything else is replaced, so that a
# client cannot write arbitrary text into the logs through the header.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

_current_request = contextvars.ContextVar("po_current_request", default=None)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _current_request.set((request_id, request.path))
        try:
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``path`` to records logged while a request is served.

    Django logs an error response ("Internal Server Error: /…") after the
    middleware has returned, with the request in the record: read from it then.
    """

    def filter(self, record):
        context = _current_request.get()
        request = getattr(record, "request", None)
        if context is None and request is not None and hasattr(request, "path"):
            context = (getattr(request, "request_id", None), request.path)
        if context is not None:
            if context[0] and not hasattr(record, "request_id"):
                record.request_id = context[0]
            if not hasattr(record, "path"):
                record.path = context[1]
        return True


class UncaughtExceptionFilter(logging.Filter):
    """Only the records of an exception nobody caught: a server error to fix, not a 503 a view chose.

    ``/health/`` answers 503 while the database or the worker is down, every
    time a monitor asks: that is its job, not an error report for ADMINS.
    """

    def filter(self, record):
        return bool(record.exc_info)


class JsonFormatter(BaseJsonFormatter):
    """python-json-logger's formatter with the project's field names, ``time`` first.

    Drops the ``request`` object that Django's request logging attaches (its
    text would carry the query string); keeps every other ``extra``.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def add_fields(self, log_data, record, message_dict):
        log_data["time"] = (
            datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds")
        ).replace("+00:00", "Z")
        super().add_fields(log_data, record, message_dict)


class GunicornAccessJsonFormatter(JsonFormatter):
    """gunicorn's access line as JSON fields rather than Apache's text format.

    gunicorn logs each request with its "atoms" as the record's arguments;
    they become ``method``, ``path``, ``status``, ``bytes``, ``duration_ms``,
    ``remote_addr`` (the proxy's address behind a proxy), ``forwarded_for``,
    ``user_agent`` and the ``request_id`` the application answered with.
    """

    def add_fields(self, log_data, record, message_dict):
        super().add_fields(log_data, record, message_dict)
        atoms = record.args if isinstance(record.args, dict) else None
        if not atoms:
            return
        fields = {
            "method": atoms.get("m"),
            "path": atoms.get("U"),
            "status": _int_or_none(atoms.get("s")),
            "bytes": atoms.get("B"),
            "duration_ms": round(atoms.get("D", 0) / 1000, 1),
            "remote_addr": atoms.get("h"),
            "forwarded_for": atoms.get("{x-forwarded-for}i"),
            "user_agent": atoms.get("a"),
            "request_id": atoms.get("{x-request-id}o"),
        }
        log_data.update({key: value for key, value in fields.items() if value not in (None, "-")})
        log_data["message"] = f"{fields['method']} {fields['path']} {fields['status']}"


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def configure(config):
    """``LOGGING_CONFIG``: Django's ``dictConfig``; with JSON lines, Python's warnings become log records too."""
    logging.config.dictConfig(config)
    logging.captureWarnings("json" in config.get("formatters", {}))


def logging_config(log_format, django_level="INFO"):
    """Django's LOGGING for ``log_format`` (``text`` or ``json``): everything on stderr, server errors to ADMINS too."""
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}.")
    formatters = {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logging.JsonFormatter"},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_context": {"()": "config.logging.RequestContextFilter"},
            "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
            "uncaught_exceptions": {"()": "config.logging.UncaughtExceptionFilter"},
        },
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request_context"]},
            # Django's own error emails to ADMINS (nothing is sent while ADMINS is empty), through
            # EMAIL_BACKEND; DEFAULT_EXCEPTION_REPORTER_FILTER (memberspace.privacy.reporting) strips the
            # health notes, emergency contacts and payment details from them.
            "mail_admins": {
                "class": "django.utils.log.AdminEmailHandler",
                "level": "ERROR",
                "filters": ["require_debug_false", "uncaught_exceptions"],
            },
        },
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            "django": {"handlers": ["console"], "level": django_level, "propagate": False},
            # A server error (500) is mailed to ADMINS; django.security's lines (a bot's bad Host
            # header…) stay in the log only, or ADMINS would be flooded.
            "django.request": {"handlers": ["console", "mail_admins"], "level": django_level, "propagate": False},
            "po": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "django-q": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "py.warnings": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }
