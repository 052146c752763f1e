"""What the benchmarks that serve the site over HTTP share: a throwaway PostgreSQL database,
the production settings in this process, and gunicorn started, awaited and stopped."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def recreate_database(server_url, name, drop_only=False):
    """Drop the database ``name`` (and create it afresh unless ``drop_only``); return its URL."""
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url}/{name}"


def configure(database_url, redis_url, workdir, **extra):
    """The production settings on the benchmark's database and Redis, in this process and for gunicorn."""
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "benchmark-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        **extra,
    }
    os.environ.update(env)
    import django

    django.setup()
    import logging

    logging.getLogger("django-q").setLevel(logging.WARNING)
    return env


def start_gunicorn(env, port, workers, log=None, **extra_env):
    """gunicorn serving the site on loopback; its log lines to ``log`` (an open file) rather than the terminal."""
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--timeout=60",
        "--log-level=warning",
    ]
    full_env = {**os.environ, **env, **{name: str(value) for name, value in extra_env.items()}}
    return subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=full_env, start_new_session=True, stdout=log, stderr=log
    )


def wait_until_up(base_url, timeout=60):
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base_url}/robots.txt", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer")


def stop(process):
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
