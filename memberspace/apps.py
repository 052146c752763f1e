from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MemberspaceConfig(AppConfig):
    """The member area's shell: its URLs, the dashboard, the base templates, the « Secrétariat » menu."""

    name = "memberspace"
    verbose_name = _("Espace adhérent")
