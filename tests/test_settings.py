"""Settings sanity: French, Paris time, email login, SQLite tuned for two processes,
PostgreSQL and Redis from the environment, production hardened."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler

from config.settings import base

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 60 + "-production-secret-for-the-checks",
    "ALLOWED_HOSTS": "www.le-po.com",
    "CSRF_TRUSTED_ORIGINS": "https://www.le-po.com",
    "ADMINS": "technique@le-po.com",  # check --deploy warns when server errors would be mailed to nobody
    "SITE_BASE_URL": "https://www.le-po.com",  # links in emails (check --deploy warns otherwise)
}


def run_python(code, settings_module, extra_env=None, drop=()):
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.update({"DJANGO_SETTINGS_MODULE": settings_module, **(extra_env or {})})
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def settings_of(module, extra_env=None, drop=("DATABASE_URL", "REDIS_URL")):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'cache': s.CACHES['default']['BACKEND'], "
        "'q': sorted(k for k in ('orm', 'redis') if k in s.Q_CLUSTER), 'debug': s.DEBUG}))"
    )
    result = run_python(code, module, extra_env, drop)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_french_and_paris():
    assert settings.LANGUAGE_CODE == "fr"
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.USE_I18N and settings.USE_TZ
    assert settings.AUTH_USER_MODEL == "accounts.User"


def test_whitenoise_right_after_security_middleware():
    """Behind only the Permissions-Policy header, which every response carries (static files too)."""
    middleware = settings.MIDDLEWARE
    assert middleware[0] == "config.middleware.PermissionsPolicyMiddleware"
    assert middleware[1] == "django.middleware.security.SecurityMiddleware"
    assert middleware[2] == "whitenoise.middleware.WhiteNoiseMiddleware"


def test_sqlite_is_tuned_for_a_web_server_and_a_worker(tmp_path, django_db_blocker):
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": tmp_path / "db.sqlite3",
                "OPTIONS": base.SQLITE_OPTIONS,
            }
        }
    )
    connection = handler["default"]
    with django_db_blocker.unblock():
        try:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                assert cursor.fetchone()[0] == "wal"
                cursor.execute("PRAGMA busy_timeout")
                assert cursor.fetchone()[0] == 20000
                cursor.execute("PRAGMA foreign_keys")
                assert cursor.fetchone()[0] == 1
            assert connection.transaction_mode == "IMMEDIATE"
        finally:
            connection.close()


def test_sqlite_by_default_postgresql_and_redis_from_the_environment():
    default = settings_of("config.settings.dev")
    assert default == {
        "db": "django.db.backends.sqlite3",
        "cache": "django.core.cache.backends.db.DatabaseCache",
        "q": ["orm"],
        "debug": True,
    }
    configured = settings_of(
        "config.settings.dev",
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/po", "REDIS_URL": "redis://127.0.0.1:6379/0"},
        drop=(),
    )
    assert configured["db"] == "django.db.backends.postgresql"
    assert configured["cache"] == "config.cache.RedisCache"
    assert configured["q"] == ["redis"]


def test_production_refuses_to_start_without_its_secrets():
    result = run_python("import django; django.setup()", "config.settings.production", drop=("SECRET_KEY",))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    result = run_python(
        "import django; django.setup()", "config.settings.production", {"SECRET_KEY": "s" * 60}, drop=("ALLOWED_HOSTS",)
    )
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_production_passes_check_deploy_without_a_warning():
    code = "import sys; from django.core.management import execute_from_command_line as run; " + (
        "run(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    result = run_python(code, "config.settings.production", PRODUCTION_ENV, drop=("DEBUG",))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_security_headers_on_public_pages(client, home):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_admin_gets_its_own_looser_policy(client, home):
    from tests.auth import login_staff
    from tests.factories import UserFactory

    login_staff(client, UserFactory(is_superuser=True, is_staff=True))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "'unsafe-inline'" in response["Content-Security-Policy"]


def test_sqlite_chosen_by_database_url_keeps_the_tuning(tmp_path):
    """DATABASE_URL=sqlite:///… is tuned like SQLITE_PATH: WAL, IMMEDIATE transactions, a busy timeout."""
    code = (
        "import json, django; django.setup(); from django.db import connection as c; cursor = c.cursor(); "
        "pragma = lambda name: cursor.execute('PRAGMA ' + name).fetchone()[0]; "
        "print(json.dumps({'name': str(c.settings_dict['NAME']), 'journal': pragma('journal_mode'), "
        "'timeout': pragma('busy_timeout'), 'fk': pragma('foreign_keys'), 'mode': c.transaction_mode, "
        "'age': c.settings_dict['CONN_MAX_AGE']}))"
    )
    database = tmp_path / "from-url.sqlite3"
    result = run_python(code, "config.settings.dev", {"DATABASE_URL": f"sqlite:///{database}"}, drop=("REDIS_URL",))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "name": str(database),
        "journal": "wal",
        "timeout": 20000,
        "fk": 1,
        "mode": "IMMEDIATE",
        "age": 600,
    }


def test_database_url_options_win_over_the_sqlite_defaults():
    database = base.database_settings("sqlite:////var/lib/po/db.sqlite3?timeout=5", sqlite_path=None)["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["OPTIONS"]["timeout"] == 5
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["init_command"] == base.SQLITE_OPTIONS["init_command"]
    postgresql = base.database_settings("postgres://po@127.0.0.1:5432/po", sqlite_path=None)["default"]
    assert postgresql["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "transaction_mode" not in postgresql.get("OPTIONS", {})
