from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .admin import EraseAccountView

LOG_ACTIONS = {
    "po.account.erasure_request": _("Effacement du compte demandé par le parent"),
    "po.account.erasure_withdrawn": _("Demande d'effacement retirée"),
    "po.account.erase": _("Compte effacé"),
}


@hooks.register("register_log_actions")
def register_log_actions(actions):
    for action, label in LOG_ACTIONS.items():
        actions.register_action(action, label, label)


@hooks.register("register_parent_account_actions")
def register_erase():
    # Its button, guard and label: the "erase" transition of ACCOUNT_TRANSITIONS.
    return {"erase": EraseAccountView}


# The messages this app sends (memberspace.notifications.kinds): each kind names its templates.
NOTIFICATION_KINDS = {
    "account_erased": _("Compte effacé"),
    "secretariat_erasure_request": _("Secrétariat : demande d'effacement"),
}


@hooks.register("register_notification_kinds")
def register_notification_kinds():
    return NOTIFICATION_KINDS
