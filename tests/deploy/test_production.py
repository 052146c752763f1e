"""The production configuration: gunicorn's config, storage selection, check --deploy, and
the whole stack on loopback (gunicorn and a worker as their own processes)."""

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.deploy import ROOT, child_env, run_python
from tests.servers import database_env, free_port, wait_until

GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def gunicorn_settings(extra_env):
    result = subprocess.run(
        [GUNICORN, "-c", "config/gunicorn.py", "--print-config"],
        cwd=ROOT,
        env=child_env(extra_env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {
        name.strip(): value.strip()
        for name, _, value in (line.partition("=") for line in result.stdout.splitlines())
        if value
    }


def test_gunicorn_config_loads_and_reads_the_environment():
    defaults = gunicorn_settings({})
    assert defaults["wsgi_app"] == "config.wsgi:application"
    assert defaults["bind"] == "['127.0.0.1:8000']"
    assert int(defaults["workers"]) >= 3
    assert defaults["timeout"] == "30"
    assert defaults["forwarded_allow_ips"] == "['127.0.0.1', '::1']"
    assert defaults["accesslog"] == "-" and defaults["errorlog"] == "-"
    assert "config.logging.GunicornAccessJsonFormatter" in defaults["logconfig_dict"]
    assert defaults["control_socket_disable"] == "True"
    configured = gunicorn_settings(
        {
            "GUNICORN_BIND": "0.0.0.0:9000",
            "GUNICORN_WORKERS": "3",
            "GUNICORN_THREADS": "4",
            "GUNICORN_TIMEOUT": "60",
            "FORWARDED_ALLOW_IPS": "10.0.0.2",
            "LOG_FORMAT": "text",
        }
    )
    assert configured["bind"] == "['0.0.0.0:9000']"
    assert (configured["workers"], configured["threads"], configured["timeout"]) == ("3", "4", "60")
    assert configured["forwarded_allow_ips"] == "['10.0.0.2']"
    assert configured["logconfig_dict"] == "{}"  # gunicorn's own text lines


S3_CODE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "from django.core.files.storage import storages; d = storages['default']; "
    "print(json.dumps({'class': type(d).__module__ + '.' + type(d).__name__, 'bucket': d.bucket_name, "
    "'overwrite': d.file_overwrite, 'signed': d.querystring_auth, 'url': d.url('original_images/été.jpg'), "
    "'img_src': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']}))"
)


@pytest.mark.parametrize(
    ("extra", "origin"),
    [
        ({"AWS_S3_CUSTOM_DOMAIN": "medias.le-po.com"}, "https://medias.le-po.com"),
        ({"AWS_S3_ENDPOINT_URL": "https://s3.fr-par.scw.cloud", "AWS_S3_REGION_NAME": "fr-par"}, None),
        ({"AWS_S3_ENDPOINT_URL": "https://s3.fr-par.scw.cloud", "AWS_S3_ADDRESSING_STYLE": "virtual"}, None),
        ({"AWS_S3_REGION_NAME": "eu-west-3"}, None),
        ({"AWS_STORAGE_BUCKET_NAME": "le.po.medias", "AWS_S3_REGION_NAME": "eu-west-3"}, None),
    ],
)
def test_s3_storage_from_the_environment_and_its_origin_in_the_csp(extra, origin):
    """django-storages' S3 backend is chosen and builds its URLs without any network call."""
    env = {
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "le-po-medias",
        "AWS_ACCESS_KEY_ID": "test-key-id",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
        **extra,
    }
    result = run_python(S3_CODE, env)
    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout)
    assert storage["class"] == "storages.backends.s3.S3Storage"
    assert storage["bucket"] == env["AWS_STORAGE_BUCKET_NAME"]
    assert storage["overwrite"] is False and storage["signed"] is False
    # The browser may load the images from where the storage says they are.
    url_origin = "/".join(storage["url"].split("/")[:3])
    assert url_origin in storage["img_src"]
    if origin:
        assert url_origin == origin


def test_s3_needs_a_bucket_and_storage_a_known_name():
    result = run_python("import django; django.setup()", {"MEDIA_STORAGE": "s3"})
    assert "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME" in result.stderr
    result = run_python("import django; django.setup()", {"MEDIA_STORAGE": "ftp"})
    assert "MEDIA_STORAGE must be filesystem or s3" in result.stderr


def test_check_deploy_stays_clean_behind_a_proxy_with_s3_and_json_logs():
    code = "from django.core.management import execute_from_command_line as run; " + (
        "run(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    env = {
        "SECURE_PROXY_SSL_HEADER_ENABLED": "true",
        "TRUSTED_PROXY_COUNT": "1",
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "le-po-medias",
        "AWS_S3_ENDPOINT_URL": "https://s3.fr-par.scw.cloud",
        "LOG_FORMAT": "json",
    }
    result = run_python(code, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# The whole stack


def http_get(url, host):
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 (loopback only)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback only)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def start(command, env, output):
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output[0], stderr=output[1], process_group=0)


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def json_lines(path):
    text = path.read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@contextlib.contextmanager
def redis_server(directory):
    """A throwaway redis-server on a free loopback port, nothing saved to disk; yields its URL."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (Debian: apt-get install redis-server; .ci/run does it)")
    port = free_port()
    command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    with open(directory / "redis.log", "w") as log:
        server = start([*command, "--dir", str(directory)], {**os.environ}, (log, subprocess.STDOUT))
    try:
        wait_until(lambda: _listens(port), timeout=30, message="redis-server to listen")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(server)


def _listens(port):
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["database", "redis"])
def test_gunicorn_and_a_worker_on_the_production_settings(tmp_path, broker):
    """gunicorn (config/gunicorn.py) and qcluster as separate processes, production settings, JSON logs.

    /health/ answers 503 while no worker has run; once a worker has run the
    heartbeat task, 200. Every line both processes wrote is a JSON object.
    Without REDIS_URL, the cache and the task queue are in the database; with
    it, both are in Redis (the heartbeat is found there).
    """
    from django.db import connection

    with contextlib.ExitStack() as stack:
        redis_url = stack.enter_context(redis_server(tmp_path)) if broker == "redis" else ""
        _run_the_stack(connection, tmp_path, redis_url)
        if redis_url:
            import redis

            client = redis.Redis.from_url(redis_url)
            try:
                assert client.get("po:1:health:worker-heartbeat") is not None  # Django's cache, KEY_PREFIX "po"
            finally:
                client.close()


def _run_the_stack(connection, tmp_path, redis_url):
    if not redis_url:
        with override_settings(
            CACHES={"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}
        ):
            call_command("createcachetable", verbosity=0)  # the production cache, without Redis
    port = free_port()
    env = child_env(
        {
            **database_env(connection),
            "REDIS_URL": redis_url,
            "STATIC_ROOT": str(tmp_path / "static"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "LOG_FORMAT": "json",
            "SECURE_PROXY_SSL_HEADER_ENABLED": "true",
            "TRUSTED_PROXY_COUNT": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "SMS_BACKEND": "memberspace.notifications.sms.console.ConsoleBackend",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "Q_WORKERS": "1",
        }
    )
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert collect.returncode == 0, collect.stderr
    logs = {name: tmp_path / name for name in ("web.out", "web.err", "worker.out")}
    health_url = f"http://127.0.0.1:{port}/health/"
    backend = "10.0.0.7:8000"  # how a load balancer addresses the backend: not an allowed host
    with open(logs["web.out"], "w") as web_out, open(logs["web.err"], "w") as web_err:
        web = start([GUNICORN, "-c", "config/gunicorn.py"], env, (web_out, web_err))
        worker = None
        try:
            wait_until(lambda: _answers(health_url, backend), timeout=60, message="gunicorn to answer")
            status, _, body = http_get(health_url, backend)
            assert status == 503, body  # plain HTTP, yet no redirect: the probe's path is exempt
            assert json.loads(body) == {
                "status": "error",
                "database": "ok",
                "cache": "ok",
                "worker": "no heartbeat",
                "worker_heartbeat_age": None,
                "notifications_failed": None,
                "notifications_late": None,
            }

            with open(logs["worker.out"], "w") as worker_out:
                worker = start([sys.executable, "manage.py", "qcluster"], env, (worker_out, subprocess.STDOUT))
            enqueue = subprocess.run(
                [sys.executable, "manage.py", "shell", "-c"]
                + ["from django_q.tasks import async_task; async_task('config.tasks.heartbeat')"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert enqueue.returncode == 0, enqueue.stderr
            wait_until(lambda: http_get(health_url, backend)[0] == 200, timeout=60, message="the heartbeat")
            status, headers, body = http_get(health_url, backend)
            assert json.loads(body)["worker"] == "ok" and json.loads(body)["worker_heartbeat_age"] <= 60
            request_id = headers["X-Request-ID"]

            assert http_get(f"http://127.0.0.1:{port}/", "intrus.example")[0] == 400
            _static_files_behind_the_proxy(port, tmp_path / "static")
        finally:
            stop(web)
            if worker is not None:
                stop(worker)

    access = json_lines(logs["web.out"])
    probe = [line for line in access if line.get("request_id") == request_id]
    assert len(probe) == 1, access
    assert probe[0]["logger"] == "gunicorn.access" and probe[0]["path"] == "/health/" and probe[0]["status"] == 200
    errors = json_lines(logs["web.err"])
    assert {"gunicorn.error", "django.security.DisallowedHost"} <= {line["logger"] for line in errors}
    (refused,) = [line for line in errors if line["logger"] == "django.security.DisallowedHost"]
    assert refused["level"] == "ERROR" and refused["path"] == "/"
    worker_lines = json_lines(logs["worker.out"])
    assert any(line["logger"] == "django-q" and line["level"] == "INFO" for line in worker_lines)
    for line in errors + worker_lines + access:
        assert {"time", "level", "logger", "message"} <= set(line)


def _static_files_behind_the_proxy(port, static_root):
    """WhiteNoise serves collectstatic's hashed, compressed files from gunicorn, over the proxy's HTTPS."""
    hashed = json.loads((static_root / "staticfiles.json").read_text())["paths"]["css/site.css"]
    path = f"/static/{hashed}"
    status, headers, _ = raw_get(port, path)
    assert status == 301 and headers["Location"] == f"https://www.le-po.com{path}"  # HTTP without the proxy
    status, headers, body = raw_get(port, path, {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"})
    assert status == 200, body
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]
    assert "Strict-Transport-Security" in headers


def raw_get(port, path, headers=None):
    """One GET by HTTP/1.1, redirects not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "www.le-po.com", **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _answers(url, host):
    try:
        http_get(url, host)
    except OSError:
        return False
    return True
