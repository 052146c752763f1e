from django.urls import re_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.options import ModelAdmin

from memberspace.models import Notification
from memberspace.services import notifications

from .base import ActionView, ReadOnlyPermissionHelper, SecretariatOnlyMixin


class ResendNotificationView(ActionView):
    permission = "memberspace.resend_notification"
    title = gettext_lazy("Renvoyer une notification")
    confirm_label = gettext_lazy("Renvoyer")

    @property
    def question(self):
        return _("Renvoyer « %(subject)s » à %(address)s ? Les tentatives repartent de zéro.") % {
            "subject": self.instance.subject or self.instance.kind,
            "address": self.instance.address,
        }

    def act(self, request):
        notifications.resend(self.instance, by=request.user)
        return _("La notification à %(address)s est de nouveau en file d'envoi.") % {"address": self.instance.address}


class NotificationButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if obj.can_be_resent() and self.request.user.has_perm("memberspace.resend_notification"):
            buttons.append(
                {
                    "url": self.url_helper.get_action_url("resend", obj.pk),
                    "label": _("Renvoyer"),
                    "classname": "button button-small button-secondary",
                    "title": _("Renvoyer cette notification"),
                }
            )
        return buttons


class NotificationAdmin(SecretariatOnlyMixin, ModelAdmin):
    model = Notification
    menu_label = gettext_lazy("Notifications envoyées")
    menu_icon = "mail"
    list_display = ("created_at", "kind", "channel", "address", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status", "kind", "channel", "created_at")
    search_fields = ("address", "user__email", "user__first_name", "user__last_name", "subject")
    list_per_page = 50
    inspect_view_enabled = True
    inspect_view_fields = [
        "kind",
        "channel",
        "user",
        "address",
        "subject",
        "body_text",
        "status",
        "attempts",
        "last_error",
        "remarks",
        "provider_message_id",
        "created_at",
        "sent_at",
        "next_attempt_at",
    ]
    permission_helper_class = ReadOnlyPermissionHelper
    button_helper_class = NotificationButtonHelper

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def resend_view(self, request, instance_pk):
        return ResendNotificationView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def get_admin_urls_for_registration(self):
        return super().get_admin_urls_for_registration() + (
            re_path(
                self.url_helper.get_action_url_pattern("resend"),
                self.resend_view,
                name=self.url_helper.get_action_url_name("resend"),
            ),
        )
