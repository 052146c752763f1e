"""The kinds of message: each declared once, with its French name, by the app that sends it.

An app declares its kinds with the Wagtail hook ``register_notification_kinds``, a
function returning ``{kind: label}``; the kind is also the name of the message's
templates (``notifications/<kind>.*`` in that app's templates folder). ``notify``
refuses a kind nobody declared, so a typo fails the first test that sends it, and
the secretariat's filter on the outbox reads the labels from here.
"""

from wagtail import hooks


def declare(labels):
    """Declare an app's kinds, ``{kind: label}`` (call from its wagtail_hooks.py)."""
    hooks.register("register_notification_kinds", lambda: labels)


def declared():
    """``{kind: label}`` of every kind the installed apps declare."""
    kinds = {}
    for register in hooks.get_hooks("register_notification_kinds"):
        for kind, label in register().items():
            if kind in kinds:
                raise ValueError(f"Notification kind {kind!r} is declared twice.")
            kinds[kind] = label
    return kinds


def check(kind):
    if kind not in declared():
        raise ValueError(f"Unknown notification kind {kind!r}: declare it with the register_notification_kinds hook.")


def label(kind):
    """The kind's French name; allauth's emails (``compte/…``) and undeclared ones keep their code."""
    return declared().get(kind, kind)
