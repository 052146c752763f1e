from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegacyConfig(AppConfig):
    """The old base's migration: removable, with its commands and screens, once the season of migration is over."""

    name = "memberspace.legacy"
    label = "legacy"
    verbose_name = _("Reprise de l'ancienne base")

    def ready(self):
        from memberspace.legacy import signals  # noqa: F401
