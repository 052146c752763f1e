from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from memberspace.notifications import kinds
from memberspace.secretariat.history import declare_log_actions

from .admin import EraseAccountView

LOG_ACTIONS = {
    "po.account.erasure_request": _("Effacement du compte demandé par le parent"),
    "po.account.erasure_withdrawn": _("Demande d'effacement retirée"),
    "po.account.erase": _("Compte effacé"),
}


declare_log_actions(LOG_ACTIONS)


@hooks.register("register_parent_account_actions")
def register_erase():
    # Its button, guard and label: the "erase" transition of ACCOUNT_TRANSITIONS.
    return {"erase": EraseAccountView}


# The messages this app sends (memberspace.notifications.kinds): each kind names its templates.
NOTIFICATION_KINDS = {
    "account_erased": _("Compte effacé"),
    "secretariat_erasure_request": _("Secrétariat : demande d'effacement"),
}

kinds.declare(NOTIFICATION_KINDS)
