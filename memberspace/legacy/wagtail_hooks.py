from wagtail import hooks

from memberspace.families.admin import VIEW_PERMISSION

from . import services
from .admin import AttachSuggestedChildView, LegacyContactsPanel, MatchingPanel


@hooks.register("register_parent_account_actions")
def register_attach_child():
    # No button: each suggestion's form on the account's screen posts to it.
    return {"attach_child": (AttachSuggestedChildView, None, None)}


@hooks.register("construct_parent_account_panels")
def add_matching_panel(request, account, panels):
    # The suggested children and the old base's parents are children's personal data.
    if request.user.has_perm(VIEW_PERMISSION):
        panels.append(MatchingPanel(account, request))


@hooks.register("construct_child_panels")
def add_legacy_contacts_panel(request, child, panels):
    panels.append(LegacyContactsPanel(child))


# Families' services call these (memberspace.families.services.children).
hooks.register("after_create_child_known_to_old_base", services.flag_possible_duplicate)
hooks.register("attach_migrated_child", services.merge_into_own_copy)
