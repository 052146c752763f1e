"""``manage.py migrate`` alone is enough: it creates the database cache's table too.

Without it, every page failed on "no such table: django_cache" until someone ran
``createcachetable``. The table comes from a ``post_migrate`` handler of the config app
(``config/apps.py``), so every ``migrate`` creates whatever cache table the settings name.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
CHECK_TABLE = "po_setup_check_cache"


@pytest.mark.django_db(transaction=True)
def test_migrate_creates_the_database_cache_table(settings):
    """On the suite's database (SQLite or PostgreSQL): a migrate with nothing to apply still creates it."""
    settings.CACHES = {
        **settings.CACHES,
        "setup_check": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CHECK_TABLE},
    }
    drop_check_table()
    assert CHECK_TABLE not in connection.introspection.table_names()
    try:
        call_command("migrate", verbosity=0, interactive=False)
        assert CHECK_TABLE in connection.introspection.table_names()
        call_command("migrate", verbosity=0, interactive=False)  # a second run leaves it alone
    finally:
        drop_check_table()


def drop_check_table():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(CHECK_TABLE)}")


@pytest.mark.integration
def test_migrate_on_a_fresh_database_makes_the_site_usable(tmp_path):
    """The development settings on a new SQLite file: ``migrate``, then the cache works."""
    database = tmp_path / "fresh.sqlite3"
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "SQLITE_PATH": str(database)})
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    with sqlite3.connect(database) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "django_cache" in tables
    code = "import django; django.setup(); from django.core.cache import cache as c; c.set('k', 1); print(c.get('k'))"
    used = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert used.returncode == 0, used.stderr[-3000:]
    assert used.stdout.strip() == "1"
