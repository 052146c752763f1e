from wagtail import hooks

from .admin import AttachSuggestedChildView, MatchingPanel


@hooks.register("register_parent_account_actions")
def register_attach_child():
    # No button: each suggestion's form on the account's screen posts to it.
    return {"attach_child": (AttachSuggestedChildView, None, None)}


@hooks.register("construct_parent_account_panels")
def add_matching_panel(request, account, panels):
    panels.append(MatchingPanel(request, account))
