"""gunicorn's configuration, read from the environment (docs/deployment.md).

    DJANGO_SETTINGS_MODULE=config.settings.production .venv/bin/gunicorn -c config/gunicorn.py

Run from the project's root. Every setting has a default fit for one machine
behind a reverse proxy on the same host; the environment changes it:

GUNICORN_BIND        addresses, comma-separated (127.0.0.1:8000; 0.0.0.0:8000 in a container)
GUNICORN_WORKERS     worker processes (2 × CPUs + 1, at most 8: ~150 MB each)
GUNICORN_THREADS     threads per worker (1: sync workers; more switches to gthread)
GUNICORN_TIMEOUT     seconds a request may take before its worker is restarted (30)
GUNICORN_MAX_REQUESTS  requests after which a worker is replaced, against slow leaks (1000, ±10 %)
FORWARDED_ALLOW_IPS  the proxies whose X-Forwarded-Proto gunicorn believes (gunicorn's own
                     variable: 127.0.0.1,::1 by default); Django decides with
                     SECURE_PROXY_SSL_HEADER_ENABLED, allauth with TRUSTED_PROXY_COUNT
GUNICORN_CONTROL_SOCKET  path of gunicorn's control socket (off unless set)
LOG_FORMAT           json (default) or text, like the Django settings: with json, gunicorn's
                     error and access lines are JSON objects too (config/logging.py)
"""

import os


def _env_int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value else default


def _cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


wsgi_app = "config.wsgi:application"
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if address.strip()]
workers = _env_int("GUNICORN_WORKERS", min(2 * _cpus() + 1, 8))
threads = _env_int("GUNICORN_THREADS", 1)
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Workers' heartbeat files in memory, not on a disk that may stall (containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (gunicorn's documented choice)
# The control socket's default path is shared by every gunicorn of the user: off unless named.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
proc_name = "le-po"

accesslog = "-"  # stdout
errorlog = "-"  # stderr
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

if os.environ.get("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "WARNING", "handlers": ["error_console"]},
        "formatters": {
            "json": {"()": "config.logging.JsonFormatter"},
            "access": {"()": "config.logging.GunicornAccessJsonFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
            "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }
