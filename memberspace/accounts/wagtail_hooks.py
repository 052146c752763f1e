from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from memberspace.notifications import kinds
from memberspace.secretariat import working_time
from memberspace.secretariat.history import declare_log_actions

from . import services
from .admin import BULK_ACTIONS

for bulk_action in BULK_ACTIONS:
    hooks.register("register_bulk_action", bulk_action)

LOG_ACTIONS = {
    "po.account.signup_replaced": _("Inscription créée à la place d'une inscription antérieure jamais vérifiée"),
    "po.account.email_verified": _("Adresse e-mail vérifiée : compte en attente de validation"),
    "po.account.details_changed": _("Coordonnées modifiées par le parent"),
    "po.account.validate": _("Compte validé"),
    "po.account.reject": _("Compte refusé"),
    "po.account.suspend": _("Compte suspendu"),
    "po.account.reinstate": _("Compte rétabli"),
}


declare_log_actions(LOG_ACTIONS)


class WaitingAccountsPanel(Component):
    name = "waiting_accounts"
    order = 10  # first on the home: what waits for the secretariat's decision
    template_name = "accounts/admin/waiting_accounts_panel.html"

    def get_context_data(self, parent_context):
        now = timezone.now()
        count, oldest, late = services.waiting_summary(now)
        erasures = services.erasure_requests().count()
        waited = working_time.in_words(working_time.waited(oldest, now)) if oldest else ""
        return {"count": count, "oldest_waited": waited, "late": late, "erasures": erasures}


@hooks.register("construct_homepage_panels")
def add_waiting_accounts_panel(request, panels):
    if request.user.has_perm("accounts.validate_parentaccount"):
        panels.append(WaitingAccountsPanel())


# The messages this app sends (memberspace.notifications.kinds): each kind names its templates.
NOTIFICATION_KINDS = {
    "account_validated": _("Compte validé"),
    "account_rejected": _("Compte refusé"),
    "account_suspended": _("Compte suspendu"),
    "account_reinstated": _("Compte rétabli"),
    "secretariat_waiting_accounts": _("Secrétariat : comptes en attente"),
}

kinds.declare(NOTIFICATION_KINDS)
