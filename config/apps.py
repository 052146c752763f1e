from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project package as an app: staff roles, the task schedules, the heartbeat, project-wide checks.

    Listed last of the project's apps: it knows them all (its schedules name their
    tasks), and none of them imports it back, except for ``config.health``.
    """

    name = "config"
    verbose_name = "Le PO"

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)
