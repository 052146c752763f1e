"""/health/: the database, the cache and the worker's heartbeat; 200 or 503 with what failed."""

import json
import time

import pytest
from django.core.management import call_command

from config import health
from tests.deploy import run_python
from tests.servers import free_port

pytestmark = pytest.mark.django_db

EXPECTED_KEYS = {
    "status",
    "database",
    "cache",
    "worker",
    "worker_heartbeat_age",
    "notifications_failed",
    "notifications_late",
}


def get_health(client, query="", **headers):
    response = client.get(f"/health/{query}", **headers)
    return response, json.loads(response.content)


def test_all_ok_after_the_worker_ran_its_heartbeat(client):
    from django_q.tasks import async_task

    async_task("config.tasks.heartbeat")  # the suite's worker runs tasks in-process
    response, body = get_health(client)
    assert response.status_code == 200
    assert body == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "worker": "ok",
        "worker_heartbeat_age": 0,
        "notifications_failed": 0,
        "notifications_late": 0,
    }
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Request-ID"]


def test_cheap_one_query_and_no_session(client, django_assert_num_queries):
    health.record_heartbeat()
    with django_assert_num_queries(2):  # SELECT 1, and the notifications' counts
        response, _ = get_health(client)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_no_heartbeat_yet_is_503(client):
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["database"] == "ok" and body["cache"] == "ok"
    assert body["worker"] == "no heartbeat" and body["worker_heartbeat_age"] is None


def test_stale_heartbeat_is_503(client, settings):
    from django.core.cache import cache

    settings.HEALTH_WORKER_MAX_AGE = 300
    cache.set(health.HEARTBEAT_KEY, time.time() - 301, timeout=None)
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["worker"] == "stale: last heartbeat 301 s ago"
    assert body["worker_heartbeat_age"] == 301
    cache.set(health.HEARTBEAT_KEY, time.time() - 299, timeout=None)
    assert get_health(client)[0].status_code == 200


def test_failed_and_late_notifications_degrade_the_worker_check_with_counts_only(client, settings):
    import datetime

    from django.utils import timezone

    from memberspace.notifications.models import Notification
    from tests.factories import UserFactory

    health.record_heartbeat()
    now = timezone.now()
    Failure = Notification.FailureKind

    def row(status, failure_kind="", age_minutes=0):
        user = UserFactory(email=f"parent-{Notification.objects.count()}@exemple.fr")
        return Notification.objects.create(
            kind="test",
            channel="email",
            user=user,
            address=user.email,
            body_text="Bonjour",
            status=status,
            failure_kind=failure_kind,
            created_at=now - datetime.timedelta(minutes=age_minutes),
        )

    row("failed", Failure.PERMANENT)  # an address refused: the secretariat's business, not the operator's
    row("queued", age_minutes=5)  # on its way
    row("sent", age_minutes=120)
    row("failed", Failure.TRANSIENT, age_minutes=60 * 24 * 8)  # past the retry horizon: given up
    assert get_health(client)[0].status_code == 200

    row("failed", Failure.TRANSIENT)
    row("failed", Failure.UNCERTAIN)
    row("queued", age_minutes=45)
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["status"] == "degraded" and body["database"] == "ok" and body["cache"] == "ok"
    assert body["worker"] == "degraded: 2 failed notifications waiting for their provider, 1 queued for over 30 min"
    assert body["notifications_failed"] == 2 and body["notifications_late"] == 1
    assert "exemple.fr" not in response.content.decode()


def test_cache_down_is_503_and_says_so_without_details(client, settings):
    port = free_port()  # nothing listens there
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["database"] == "ok"
    assert body["cache"] == "error: ConnectionError"
    assert body["worker"] == "error: ConnectionError"  # its heartbeat is in the cache
    assert str(port) not in response.content.decode()
    assert set(body) == EXPECTED_KEYS


def test_a_load_balancer_probes_only_what_a_web_process_needs(client):
    response, body = get_health(client, "?check=database&check=cache")
    assert response.status_code == 200  # no heartbeat: not the web process's problem
    assert body == {"status": "ok", "database": "ok", "cache": "ok"}
    response, body = get_health(client, "?check=disk")
    assert response.status_code == 400 and body == {"error": "unknown check: disk"}


def test_only_get_and_head(client):
    health.record_heartbeat()
    assert client.head("/health/").status_code == 200
    response = client.post("/health/")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"


def test_answers_a_probe_by_the_backend_address_whatever_allowed_hosts_say(client):
    health.record_heartbeat()
    response, body = get_health(client, HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200 and body["status"] == "ok"
    assert client.get("/", HTTP_HOST="10.0.0.7:8000").status_code == 400  # the site itself refuses that host


def test_the_heartbeat_is_a_schedule_every_minute():
    from django_q.models import Schedule

    call_command("setup_schedules", verbosity=0)
    schedule = Schedule.objects.get(func="config.tasks.heartbeat")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1 and schedule.repeats == -1


def test_database_down_is_503_in_production_over_plain_http(tmp_path):
    """Production settings, a database that refuses connections, the probe over HTTP by address."""
    port = free_port()
    code = (
        "import json, django; django.setup(); from django.test import Client; "
        "r = Client().get('/health/', HTTP_HOST='10.0.0.7:8000'); "
        "print(json.dumps({'status': r.status_code, 'body': json.loads(r.content)}))"
    )
    result = run_python(
        code,
        {"DATABASE_URL": f"postgres://po@127.0.0.1:{port}/po", "LOG_FORMAT": "json", "STATIC_ROOT": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503  # not a 301 to HTTPS: the path is exempt
    assert answer["body"]["status"] == "error"
    assert answer["body"]["database"] == "error: OperationalError"
    assert answer["body"]["cache"] == "error: OperationalError"  # the database cache, without Redis
    assert str(port) not in result.stdout
    for line in result.stderr.strip().splitlines():  # each failure logged, as JSON
        record = json.loads(line)
        assert record["level"] in {"WARNING", "ERROR"} and record["path"] == "/health/"
