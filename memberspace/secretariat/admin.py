from functools import cached_property, wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.defaults import permission_denied
from wagtail import hooks
from wagtail.admin import messages as wagtail_messages
from wagtail.admin.ui.components import Component
from wagtail.admin.views.bulk_action import BulkAction
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.views import InstanceSpecificView

from memberspace import MemberspaceError
from memberspace.secretariat.fields import CountedTextField


def forbidden(request):
    """A plain 403: the secretariat's screens are not merely "not for you", they do not exist for you."""
    return permission_denied(request, PermissionDenied())


class SecretariatOnlyMixin:
    """For a ModelAdmin holding personal data: anyone without its permissions gets a 403.

    Wagtail answers a refused admin view with a redirect to the dashboard; for
    families' data we answer 403, before any of the records is read.
    """

    def _forbid_unless(self, request, allowed):
        return None if allowed else forbidden(request)

    def _refused(self, request):
        """403 for anyone without any of the model's permissions; None for the others."""
        return self._forbid_unless(request, self.permission_helper.user_has_any_permissions(request.user))

    def index_view(self, request):
        return self._forbid_unless(request, self.permission_helper.user_can_list(request.user)) or super().index_view(
            request
        )

    def inspect_view(self, request, instance_pk):
        return self._refused(request) or super().inspect_view(request, instance_pk)

    def history_view(self, request, instance_pk):
        return self._refused(request) or super().history_view(request, instance_pk)

    # Off for everyone (ReadOnlyPermissionHelper), but checked here first: Wagtail's views read
    # the record before their own check, so a missing id would answer 404 and an existing one not.

    def create_view(self, request):
        return self._refused(request) or super().create_view(request)

    def edit_view(self, request, instance_pk):
        return self._refused(request) or super().edit_view(request, instance_pk)

    def delete_view(self, request, instance_pk):
        return self._refused(request) or super().delete_view(request, instance_pk)


class ReadOnlyPermissionHelper(PermissionHelper):
    """Records that only services change: listed and inspected, never created, edited or deleted by hand."""

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class ActionView(InstanceSpecificView):
    """Confirm, then run one service call on one record (GET shows the question, POST acts).

    Subclasses set ``permission``, ``title``, ``question`` and ``act(request)``,
    and ``form_class`` when the action asks for something (a reason); an invalid
    form is shown again with what was typed. A domain error is shown as a
    message, like any refused transition; when the action's form is on its own
    page (``form_on_this_page``), above that form shown again, so that what was
    typed is not lost.
    """

    permission = None
    title = ""
    question = ""
    confirm_label = ""
    form_class = None
    form = None
    # False when the form is on another screen (a record's page posts to the action): a refusal goes back there.
    form_on_this_page = True
    template_name = "secretariat/confirm_action.html"

    def check_action_permitted(self, user):
        return user.has_perm(self.permission)

    @classmethod
    def as_view(cls, **initkwargs):
        """The permission first: building the view reads the record (404 for a missing id).

        Checked before, a forbidden user gets the same 403 for an id that exists and one
        that does not: ids cannot be enumerated.
        """
        view = super().as_view(**initkwargs)

        @wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.has_perm(cls.permission):
                return forbidden(request)
            return view(request, *args, **kwargs)

        return checked

    def get_page_title(self):
        return self.title

    def get_form(self):
        return self.form_class(self.request.POST or None) if self.form_class else None

    def get(self, request, *args, **kwargs):
        return TemplateResponse(request, self.template_name, self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        self.form = self.get_form()
        if self.form is not None and not self.form.is_valid():
            return TemplateResponse(request, self.template_name, self.get_context_data(form=self.form))
        try:
            message = self.act(request)
        except MemberspaceError as error:
            if self.form is not None and self.form_on_this_page:
                self.form.add_error(None, str(error))
                return TemplateResponse(request, self.template_name, self.get_context_data(form=self.form))
            messages.error(request, str(error))
        else:
            messages.success(request, message)
        return redirect(self.get_success_url())

    def get_success_url(self):
        return self.index_url

    def get_context_data(self, **kwargs):
        return super().get_context_data(question=self.question, confirm_label=self.confirm_label, **kwargs)

    def act(self, request):
        raise NotImplementedError


# One transition table (memberspace.secretariat.transitions), three ways in: a row's buttons,
# one record's confirmation page, a selection's bulk action. All three read the table for
# which transitions apply, and carry them out by ``Transition.run``, the service call.


def _class_name(transition, base):
    """``DepositEnrollmentActionView``-like names for the classes made from a table, as tracebacks show them."""
    return "".join(part.title() for part in transition.name.split("_")) + base.__name__


class TransitionActionView(ActionView):
    """The confirmation page of one transition on one record, generated from the table.

    An app's subclass sets ``permission``, ``reason_form_class`` (for the
    transitions that ask a reason) and ``describe()``, the placeholders of the
    table's question and done messages; ``for_transition`` makes one view per
    transition.
    """

    transition = None
    reason_form_class = None

    @classmethod
    def for_transition(cls, transition):
        return type(_class_name(transition, cls), (cls,), {"transition": transition})

    @property
    def title(self):
        return self.transition.title

    @property
    def confirm_label(self):
        return self.transition.confirm_label or self.transition.title

    @property
    def form_class(self):
        return self.reason_form_class if self.transition.asks_reason else None

    @property
    def question(self):
        return self.transition.question % self.describe()

    def describe(self):
        return {}

    def get(self, request, *args, **kwargs):
        """A transition the table refuses is not offered here either: back to the listing, saying why."""
        if not self.model_admin.transitions.allows(self.transition.name, self.instance):
            refusal = _("« %(action)s » ne s'applique pas dans l'état actuel de ce dossier.")
            messages.error(request, refusal % {"action": self.title})
            return redirect(self.get_success_url())
        return super().get(request, *args, **kwargs)

    def act(self, request):
        reason = self.form.cleaned_data["reason"] if self.form is not None else ""
        self.transition.run(self.instance, by=request.user, reason=reason)
        return self.transition.done % self.describe()


class TransitionButtonHelper(ButtonHelper):
    """A row's buttons: one per transition of the table the record may take now (and the admin has a view for)."""

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        model_admin = self.view.model_admin
        if not self.request.user.has_perm(model_admin.transitions.permission):
            return buttons
        for transition in model_admin.transitions.offered(obj):
            if transition.name not in model_admin.action_views:
                continue  # carried out by an app that is not installed
            buttons.append(
                {
                    "url": self.url_helper.get_action_url(transition.name, obj.pk),
                    "label": transition.label,
                    "classname": "button button-small" + ("" if transition.primary else " button-secondary"),
                    "title": f"{transition.label} — {model_admin.button_subject(obj)}",
                }
            )
        return buttons


def reason_form(label, required_message):
    """The form of a transition that asks a reason (``asks_reason``): one text, sent to the family.

    Counted as it is typed, never cut by the browser (``CountedTextField``): a reason
    too long is refused with the server's message, kept whole in the field.
    """
    field = CountedTextField(
        label=label,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        error_messages={"required": required_message},
    )
    return type("ReasonForm", (forms.Form,), {"reason": field})


class ActionViewsMixin:
    """For a ModelAdmin: one URL per entry of ``action_views`` (``{action: ActionView class}``),
    named and built by the model admin's URL helper (``<app>_<model>_modeladmin_<action>``)."""

    action_views = {}

    def get_admin_urls_for_registration(self):
        urls = super().get_admin_urls_for_registration()
        for action, view_class in self.action_views.items():
            urls += (
                re_path(
                    self.url_helper.get_action_url_pattern(action),
                    self._action_view(view_class),
                    name=self.url_helper.get_action_url_name(action),
                ),
            )
        return urls

    def _action_view(self, view_class):
        def view(request, instance_pk):
            return view_class.as_view(model_admin=self, instance_pk=instance_pk)(request)

        return view


def registered_action_views(hook_name):
    """The action views the apps above add to a model admin's screens, read from ``hook_name``.

    Each registered function returns ``{action: view}``: the view of a transition of
    the model's table it carries out (its button, guard and label come from the
    table), or of an action that is no transition, which gets no button (a form
    elsewhere on the page posts to it). A value may also be ``(view, label, guard)``,
    of which only the view is read.
    """
    views = {}
    for register in hooks.get_hooks(hook_name):
        for action, view in register().items():
            views[action] = view[0] if isinstance(view, tuple) else view
    return views


def panels_for(hook_name, request, obj):
    """The panels the apps above add to ``obj``'s inspect page: ``fn(request, obj, panels)`` per hook, in order."""
    panels = []
    for construct in hooks.get_hooks(hook_name):
        construct(request, obj, panels)
    return sorted(panels, key=lambda panel: panel.order)


class RecordPanel(Component):
    """A panel about one record on another app's inspect page; subclasses set ``order``,
    ``template_name`` and ``context(request)``."""

    def __init__(self, record, request=None):
        self.record, self.request = record, request

    def get_context_data(self, parent_context):
        # A component renders with its own context: the page's CSRF token is passed on for its forms.
        return {"csrf_token": parent_context.get("csrf_token"), **self.context(self.request)}

    def context(self, request):
        raise NotImplementedError


class TransitionAdminMixin(ActionViewsMixin):
    """For a ModelAdmin of a state machine: one URL per transition, each to its generated action view.

    Sets ``transitions`` and ``action_view_class`` (a TransitionActionView);
    ``extra_action_views()`` adds the views apps above register (an action the
    table names but another app carries out, or a plain action without a button).
    """

    transitions = None
    action_view_class = None
    button_helper_class = TransitionButtonHelper

    def button_subject(self, obj):
        return str(obj)

    def extra_action_views(self):
        return {}

    @cached_property
    def action_views(self):
        views = {
            transition.name: self.action_view_class.for_transition(transition)
            for transition in self.transitions
            if transition.offered_to_staff and transition.service is not None
        }
        views.update(self.extra_action_views())
        return views


class TransitionBulkAction(BulkAction):
    """Wagtail's bulk action carrying out one transition of the table on each selected record.

    An app's subclass sets ``models``, ``transitions``, ``reason_form_class``
    and the wording of its confirmation page (``header_icon``, ``items_intro``,
    ``item_line``, ``excluded_line``...); ``for_table`` makes one bulk action per
    transition the table offers in bulk. The records the transition does not
    apply to are listed apart on the confirmation page; one refused on the way
    (changed meanwhile, offer full) is reported, and the others go on.
    """

    template_name = "secretariat/bulk_action.html"
    transitions = None
    transition = None
    reason_form_class = None
    header_icon = "list-ul"
    ordered = False  # the records are taken in their order: a numbered list
    excluded_intro = ""

    @classmethod
    def for_table(cls):
        return [
            type(
                _class_name(transition, cls),
                (cls,),
                {
                    "transition": transition,
                    "action_type": transition.name,
                    "display_name": transition.label,
                    "aria_label": transition.bulk_label,
                    "form_class": cls.reason_form_class if transition.asks_reason else forms.Form,
                    "action_priority": 10 * (position + 1),
                },
            )
            for position, transition in enumerate(cls.transitions.bulk)
        ]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.transitions.permission):
            return forbidden(request)  # before any record is read
        self.failures = []
        return super().dispatch(request, *args, **kwargs)

    def check_perm(self, obj):
        return self.request.user.has_perm(self.transitions.permission) and self.transitions.allows(
            self.transition.name, obj
        )

    def object_context(self, obj):
        return {"item": obj, "line": self.item_line(obj)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["items_intro"] = self.items_intro(len(context["items"]))
        context["excluded_lines"] = [self.excluded_line(obj) for obj in context["items_with_no_access"]]
        return context

    def items_intro(self, count):
        raise NotImplementedError

    def item_line(self, obj):
        raise NotImplementedError

    def excluded_line(self, obj):
        raise NotImplementedError

    def get_execution_context(self):
        reason = self.cleaned_form.cleaned_data.get("reason") or ""
        return {"user": self.request.user, "reason": reason, "failures": self.failures}

    @classmethod
    def execute_action(cls, objects, user=None, reason="", failures=None, **kwargs):
        done = 0
        for obj in cls.in_order(objects):
            try:
                cls.transition.run(obj, by=user, reason=reason)
            except MemberspaceError as error:
                if failures is not None:
                    failures.append(str(error))
                continue
            done += 1
        return done, 0

    @classmethod
    def in_order(cls, objects):
        return objects

    def get_success_message(self, num_parent_objects, num_child_objects):
        for failure in self.failures:
            wagtail_messages.error(self.request, failure)
        return self.transition.bulk_done % {"count": num_parent_objects} if num_parent_objects else None
