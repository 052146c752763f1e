from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from memberspace.notifications import kinds
from memberspace.secretariat.history import declare_log_actions

from .admin import VIEW_PERMISSION, FamilyPanel

LOG_ACTIONS = {
    "po.child.create": _("Adhésion créée par un parent"),
    "po.child.update": _("Fiche de l'enfant modifiée"),
    "po.child.attach": _("Responsable rattaché"),
    "po.child.merge_legacy": _("Fiche de l'ancienne base fusionnée dans celle créée par le parent"),
    "po.child.detach": _("Responsable détaché"),
    "po.child.merge": _("Fiches en double fusionnées"),
    "po.invitation.create": _("Invitation envoyée"),
    "po.invitation.withdraw": _("Invitation retirée"),
    "po.invitation.accept": _("Invitation acceptée"),
}


declare_log_actions(LOG_ACTIONS)


@hooks.register("construct_parent_account_panels")
def add_family_panel(request, account, panels):
    if request.user.has_perm(VIEW_PERMISSION):  # the account's children are children's personal data
        panels.append(FamilyPanel(account))


# The messages this app sends (memberspace.notifications.kinds): each kind names its templates.
NOTIFICATION_KINDS = {
    "child_attached": _("Enfant rattaché"),
    "child_updated": _("Fiche enfant modifiée"),
    "children_merged": _("Fiches en double réunies"),
    "coparent_invitation": _("Invitation d'un autre parent"),
    "coparent_accepted": _("Invitation acceptée"),
}

kinds.declare(NOTIFICATION_KINDS)
