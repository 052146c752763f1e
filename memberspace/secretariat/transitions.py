"""State machines as tables: each transition, its guard and its wording declared once.

A model's ``can_be_*`` guards, its app's services, and the secretariat's row
buttons, one-record action views and bulk actions (memberspace.secretariat.admin)
all read the same table, so a transition offered in one place is offered in all,
and refused in all.

    ENROLLMENT_TRANSITIONS = StateMachine(
        "status",
        [Transition("waitlist", sources=[Status.REQUESTED], service="memberspace.enrollments.services.waitlist", ...)],
        permission="enrollments.decide_enrollment",
    )
    ENROLLMENT_TRANSITIONS.allows("waitlist", enrollment)   # the guard
    ENROLLMENT_TRANSITIONS.offered(enrollment)              # what the secretariat may do with it now
"""

from dataclasses import dataclass
from functools import cached_property

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Transition:
    """One transition: from which states, on which extra condition, by which service function.

    ``name``: the action (the admin's URL segment and bulk action type).
    ``sources``: the states it leaves from.
    ``condition``: an extra read-only predicate on the record, beyond its state
    (e.g. a verified email address for an account's validation).
    ``service``: the dotted path of the service function, called as
    ``service(obj, by=user)``, plus ``reason=...`` when ``asks_reason``; resolved
    on first use (services import the models, which hold the tables). ``None``
    for a transition an app above carries out with its own view.
    ``label``: the short French label of its button and bulk action; ``None``:
    the secretariat is never offered it (a parent's own transition).
    ``title``, ``confirm_label``: the confirmation page's title and button.
    ``question``, ``done``: the confirmation page's question and the message once
    done, formatted with the admin's description of the record (``%(name)s``...).
    ``bulk_label``, ``bulk_done``: a bulk action's label and its success message
    (``%(count)s``); without ``bulk_done`` there is no bulk action.
    ``primary``: its button is the page's main one.
    """

    name: str
    sources: tuple
    service: str | None = None
    condition: object = None
    label: object = None
    title: object = ""
    confirm_label: object = ""
    question: object = ""
    done: object = ""
    asks_reason: bool = False
    primary: bool = False
    bulk_label: object = ""
    bulk_done: object = ""

    def allows(self, obj, state):
        """The guard: read-only, never writing."""
        return state in self.sources and (self.condition is None or self.condition(obj))

    @property
    def offered_to_staff(self):
        return self.label is not None

    @property
    def in_bulk(self):
        return self.offered_to_staff and bool(self.bulk_done)

    def run(self, obj, *, by, reason=""):
        """Call the transition's service function: the one way to carry it out."""
        if self.service is None:
            raise NotImplementedError(f"{self.name} is carried out by its own view")
        kwargs = {"reason": reason} if self.asks_reason else {}
        return import_string(self.service)(obj, by=by, **kwargs)


class StateMachine:
    """The transitions of one model's ``state_field``, in the order their buttons are shown."""

    def __init__(self, state_field, transitions, *, permission):
        self.state_field = state_field
        self.permission = permission
        self.transitions = {transition.name: transition for transition in transitions}
        if len(self.transitions) != len(transitions):
            raise ValueError("Two transitions share a name.")

    def __getitem__(self, name):
        return self.transitions[name]

    def __iter__(self):
        return iter(self.transitions.values())

    def get(self, name):
        return self.transitions.get(name)

    def allows(self, name, obj):
        return self[name].allows(obj, getattr(obj, self.state_field))

    def allowed(self, obj):
        """The transitions ``obj`` may take now, whoever carries them out."""
        return [transition for transition in self if transition.allows(obj, getattr(obj, self.state_field))]

    def offered(self, obj):
        """The transitions the secretariat may carry out on ``obj`` now."""
        return [transition for transition in self.allowed(obj) if transition.offered_to_staff]

    @cached_property
    def bulk(self):
        return [transition for transition in self if transition.in_bulk]

    def guard(self, name):
        """A model method saying whether the transition ``name`` applies: ``can_be_validated = machine.guard(...)``."""
        self[name]  # a typo fails at import, not at the first call

        def check(obj):
            return self.allows(name, obj)

        check.__doc__ = f"Whether the {name!r} transition applies now (read from the transition table)."
        return check
