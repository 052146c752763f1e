from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_tables(sender, using, verbosity=1, **kwargs):
    """After every ``migrate``: the database cache's table, if the settings use one (a no-op otherwise).

    A ``post_migrate`` handler rather than a migration: a migration runs once, with the
    settings of that day, while the cache backend is chosen by the environment
    (``REDIS_URL``) and may change later; ``createcachetable`` follows the current
    settings, leaves an existing table alone, and runs on SQLite and PostgreSQL alike,
    in the test database's creation too.
    """
    call_command("createcachetable", database=using, verbosity=verbosity)


class ProjectConfig(AppConfig):
    """The project package as an app: staff roles, the task schedules, the heartbeat, project-wide checks.

    Listed last of the project's apps: it knows them all (its schedules name their
    tasks), and none of them imports it back, except for ``config.health``.
    """

    name = "config"
    verbose_name = "Le PO"

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)

        # Sent once per migrate for this app, which has a models module for that reason (config/models.py).
        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="config.create_cache_tables")
