"""Deployment: health endpoint, JSON logs, backups, gunicorn, storage and proxy settings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 60 + "-production-secret-for-the-deploy-tests",
    "ALLOWED_HOSTS": "www.le-po.com",
    "CSRF_TRUSTED_ORIGINS": "https://www.le-po.com",
    "ADMINS": "technique@le-po.com",
    "SITE_BASE_URL": "https://www.le-po.com",  # links in emails (check --deploy warns otherwise)
}
# What the machine's environment may set that would change what a child process sees.
DEPLOYMENT_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SQLITE_PATH",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "MEDIA_STORAGE",
    "LOG_FORMAT",
    "DEBUG",
    "SECURE_PROXY_SSL_HEADER_ENABLED",
    "SECURE_SSL_REDIRECT",
    "TRUSTED_PROXY_COUNT",
    "TRUSTED_CLIENT_IP_HEADER",
    "FORWARDED_ALLOW_IPS",
)


def child_env(extra=None, base=None):
    """The environment of a child process: ours without the deployment variables, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in DEPLOYMENT_VARIABLES and not key.startswith(("AWS_", "GUNICORN_"))
    }
    env.update(base if base is not None else PRODUCTION_ENV)
    env.update(extra or {})
    return env


def run_python(code, extra_env=None, base=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=child_env(extra_env, base),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
