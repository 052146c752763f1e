from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.defaults import permission_denied
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.views import InstanceSpecificView

from memberspace.errors import MemberspaceError


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

    def index_view(self, request):
        return self._forbid_unless(request, self.permission_helper.user_can_list(request.user)) or super().index_view(
            request
        )

    def inspect_view(self, request, instance_pk):
        allowed = self.permission_helper.user_has_any_permissions(request.user)
        return self._forbid_unless(request, allowed) or super().inspect_view(request, instance_pk)

    def history_view(self, request, instance_pk):
        allowed = self.permission_helper.user_has_any_permissions(request.user)
        return self._forbid_unless(request, allowed) or super().history_view(request, instance_pk)


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

    Subclasses set ``permission``, ``title``, ``question`` and ``act(request)``;
    a domain error is shown as a message, like any refused transition.
    """

    permission = None
    title = ""
    question = ""
    confirm_label = ""
    template_name = "memberspace/admin/confirm_action.html"

    def check_action_permitted(self, user):
        return user.has_perm(self.permission)

    def dispatch(self, request, *args, **kwargs):
        if not self.check_action_permitted(request.user):
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.title

    def get(self, request, *args, **kwargs):
        return TemplateResponse(request, self.template_name, self.get_context_data())

    def post(self, request, *args, **kwargs):
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
