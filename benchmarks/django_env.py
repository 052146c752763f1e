"""Django on a fresh database for a benchmark: a SQLite file in ``workdir``, or DATABASE_URL's (it must be empty)."""

import os
import sys
from pathlib import Path


def setup_django(workdir):
    """Production settings, migrated; exits if DATABASE_URL's database already holds families."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "benchmark-only-" + "x" * 50,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SQLITE_PATH": str(Path(workdir) / "bench.sqlite3"),
            "REDIS_URL": "",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    from memberspace.accounts.models import User
    from memberspace.families.models import Child

    call_command("migrate", verbosity=0)
    if os.environ.get("DATABASE_URL") and (Child.objects.exists() or User.objects.exists()):
        sys.exit("DATABASE_URL's database is not empty: give the benchmark an empty one.")
