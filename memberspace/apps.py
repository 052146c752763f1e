from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MemberspaceConfig(AppConfig):
    name = "memberspace"
    verbose_name = _("Espace adhérent")

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)
