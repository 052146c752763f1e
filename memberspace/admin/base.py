from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.views import InstanceSpecificView

from memberspace.errors import MemberspaceError


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
            raise PermissionDenied
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
        return redirect(self.index_url)

    def get_context_data(self, **kwargs):
        return super().get_context_data(question=self.question, confirm_label=self.confirm_label, **kwargs)

    def act(self, request):
        raise NotImplementedError
