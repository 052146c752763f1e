from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecretariatConfig(AppConfig):
    """The frame of the secretariat's screens: action views, bulk actions, transition tables, exports."""

    name = "memberspace.secretariat"
    label = "secretariat"
    verbose_name = _("Secrétariat")

    def ready(self):
        from .spreadsheets import protect_wagtail_exports

        protect_wagtail_exports()
