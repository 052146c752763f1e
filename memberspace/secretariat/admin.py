from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.defaults import permission_denied
from wagtail.admin import messages as wagtail_messages
from wagtail.admin.views.bulk_action import BulkAction
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.views import InstanceSpecificView

from memberspace import MemberspaceError


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
    message, like any refused transition.
    """

    permission = None
    title = ""
    question = ""
    confirm_label = ""
    form_class = None
    form = None
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


class TransitionBulkAction(BulkAction):
    """Wagtail's bulk action running one service transition on each selected record.

    Subclasses set ``models``, ``permission``, ``guard`` (the model's method
    saying whether the transition applies) and ``run(obj, user, reason)``. The
    records it does not apply to are listed apart on the confirmation page; one
    refused on the way (changed meanwhile, offer full) is reported, and the
    others go on.
    """

    permission = None
    guard = None
    success_message = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            return forbidden(request)  # before any record is read
        self.failures = []
        return super().dispatch(request, *args, **kwargs)

    def check_perm(self, obj):
        return self.request.user.has_perm(self.permission) and getattr(obj, self.guard)()

    def get_execution_context(self):
        reason = self.cleaned_form.cleaned_data.get("reason") or ""
        return {"user": self.request.user, "reason": reason, "failures": self.failures}

    @classmethod
    def execute_action(cls, objects, user=None, reason="", failures=None, **kwargs):
        done = 0
        for obj in cls.in_order(objects):
            try:
                cls.run(obj, user, reason)
            except MemberspaceError as error:
                if failures is not None:
                    failures.append(str(error))
                continue
            done += 1
        return done, 0

    @classmethod
    def in_order(cls, objects):
        return objects

    @classmethod
    def run(cls, obj, user, reason):
        raise NotImplementedError

    def get_success_message(self, num_parent_objects, num_child_objects):
        for failure in self.failures:
            wagtail_messages.error(self.request, failure)
        return self.success_message % {"count": num_parent_objects} if num_parent_objects else None
