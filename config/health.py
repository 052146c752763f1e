"""``/health/``: is this web process able to serve, and is a task worker alive?

Three checks, each cheap: the database answers ``SELECT 1``; the cache stores
and returns a value; a worker ran the heartbeat task recently. The heartbeat
is a django-q2 schedule (``config/schedules.py``, every minute) whose task
writes the time into the cache: a fresh heartbeat proves the whole chain — the
scheduler, the broker, a worker process — not just that a process exists.
The worker's check also counts, in one query, the notifications failed for a
passing reason (their provider was down) and those queued for too long: any
of them makes it ``degraded: …``, naming counts only.

200 ``{"status": "ok", "database": "ok", "cache": "ok", "worker": "ok", ...}``
when everything is; 503 with what failed otherwise (``"status": "degraded"``
when only the notifications are behind). The answer names the exception's
class only (its message can carry host names), never any data.
``?check=database&check=cache`` limits the checks: that is the probe for a
load balancer, which must not take every web process out of rotation because
the worker is late.

``HealthCheckMiddleware`` answers it ahead of the rest of the stack (right
after SecurityMiddleware and WhiteNoise), so the answer depends on nothing
else: not the site cache's middleware, which reads the cache and the database
first, not the session, nor ``ALLOWED_HOSTS`` (a proxy probes a backend by
its address). Production exempts the path from the HTTPS redirect.
"""

import logging
import os
import secrets
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger("po.health")

HEALTH_PATH = "/health/"
HEARTBEAT_KEY = "health:worker-heartbeat"


def record_heartbeat():
    """Called by the heartbeat task: the time a worker last ran a task (any clock: NTP-synced)."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


def check_database():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone()[0] != 1:
            return "error: unexpected answer"
    return "ok"


def check_cache():
    # One key per process and thread: concurrent probes never read each other's value.
    key = f"health:probe:{os.getpid()}:{threading.get_ident()}"
    value = secrets.token_hex(8)
    cache.set(key, value, timeout=60)
    return "ok" if cache.get(key) == value else "error: value read back differs"


def check_worker(report):
    report["worker_heartbeat_age"] = None
    report["notifications_failed"] = report["notifications_late"] = None
    beat = cache.get(HEARTBEAT_KEY)
    if beat is None:
        return "no heartbeat"
    age = max(0, int(time.time() - beat))
    report["worker_heartbeat_age"] = age
    if age > settings.HEALTH_WORKER_MAX_AGE:
        return f"stale: last heartbeat {age} s ago"
    return check_notifications(report)


def check_notifications(report):
    """The worker runs, but does it deliver? Counts only: failed rows waiting for their provider, late rows.

    Rows refused for good (a parent's mistyped address) are the secretariat's
    business (the admin's home), not the operator's: they do not count here.
    """
    from memberspace.notifications.services import outbox_summary

    summary = outbox_summary()
    report["notifications_failed"] = summary["retriable"]
    report["notifications_late"] = summary["late"]
    problems = []
    if summary["retriable"]:
        problems.append(f"{summary['retriable']} failed notifications waiting for their provider")
    if summary["late"]:
        problems.append(f"{summary['late']} queued for over {settings.NOTIFICATION_LATE_AFTER // 60} min")
    return f"degraded: {', '.join(problems)}" if problems else "ok"


CHECKS = {
    "database": lambda report: check_database(),
    "cache": lambda report: check_cache(),
    "worker": check_worker,
}


def health(request):
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse({"error": "method not allowed"}, status=405)
        response["Allow"] = "GET, HEAD"
        return response
    names = request.GET.getlist("check") or list(CHECKS)
    unknown = sorted(set(names) - set(CHECKS))
    if unknown:
        return JsonResponse({"error": f"unknown check: {', '.join(unknown)}"}, status=400)
    report = {"status": "ok"}
    for name in CHECKS:
        if name not in names:
            continue
        try:
            report[name] = CHECKS[name](report)
        except Exception as error:  # noqa: BLE001 (a failing dependency is the answer, not a crash)
            logger.warning("Health check %s failed: %r", name, error)
            report[name] = f"error: {type(error).__name__}"
        if report[name].startswith("degraded") and report["status"] == "ok":
            report["status"] = "degraded"
        elif report[name] != "ok" and not report[name].startswith("degraded"):
            report["status"] = "error"
    response = JsonResponse(report, status=200 if report["status"] == "ok" else 503)
    add_never_cache_headers(response)
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH:
            return health(request)
        return self.get_response(request)
