"""Registers the member area's admin screens, log actions and dashboard panels. The classes live in admin/."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail_modeladmin.options import ModelAdminGroup, modeladmin_register

from .admin import NotificationAdmin


@modeladmin_register
class SecretariatGroup(ModelAdminGroup):
    menu_label = _("Secrétariat")
    menu_icon = "group"
    menu_order = 150
    items = (NotificationAdmin,)


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action("po.notification.resend", _("Notification renvoyée"), _("Notification renvoyée"))
