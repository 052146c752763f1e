"""Registers the member area's admin screens, bulk actions, log actions and dashboard panel.

The classes live in memberspace/admin/.
"""

from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail_modeladmin.options import ModelAdminGroup, modeladmin_register

from .admin import BULK_ACTIONS, ChildAdmin, NotificationAdmin, ParentAccountAdmin
from .services.accounts import waiting_summary


@modeladmin_register
class SecretariatGroup(ModelAdminGroup):
    menu_label = _("Secrétariat")
    menu_icon = "group"
    menu_order = 150
    items = (ParentAccountAdmin, ChildAdmin, NotificationAdmin)


for bulk_action in BULK_ACTIONS:
    hooks.register("register_bulk_action", bulk_action)


@hooks.register("insert_global_admin_css")
def admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin.css"))


@hooks.register("register_log_actions")
def register_log_actions(actions):
    for action, label in [
        ("po.notification.resend", _("Notification renvoyée")),
        ("po.account.email_verified", _("Adresse e-mail vérifiée : compte en attente de validation")),
        ("po.account.validate", _("Compte validé")),
        ("po.account.reject", _("Compte refusé")),
        ("po.account.suspend", _("Compte suspendu")),
        ("po.account.reinstate", _("Compte rétabli")),
        ("po.child.create", _("Adhésion créée par un parent")),
        ("po.child.update", _("Fiche de l'enfant modifiée")),
        ("po.child.attach", _("Responsable rattaché")),
        ("po.child.detach", _("Responsable détaché")),
        ("po.invitation.create", _("Invitation envoyée")),
        ("po.invitation.withdraw", _("Invitation retirée")),
        ("po.invitation.accept", _("Invitation acceptée")),
    ]:
        actions.register_action(action, label, label)


class WaitingAccountsPanel(Component):
    name = "waiting_accounts"
    order = 50
    template_name = "memberspace/admin/waiting_accounts_panel.html"

    def get_context_data(self, parent_context):
        count, oldest = waiting_summary()
        return {"count": count, "oldest": oldest, "now": timezone.now()}


@hooks.register("construct_homepage_panels")
def add_waiting_accounts_panel(request, panels):
    if request.user.has_perm("memberspace.validate_parentaccount"):
        panels.append(WaitingAccountsPanel())
