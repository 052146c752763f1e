"""The history's action codes (Wagtail's ``log()``): each app declares its own, with a French label."""

from wagtail import hooks


def declare_log_actions(labels):
    """Declare ``{code: label}`` through Wagtail's ``register_log_actions`` hook (call from wagtail_hooks.py)."""

    def register(actions):
        for code, label in labels.items():
            actions.register_action(code, label, label)

    hooks.register("register_log_actions", register)
