from django.contrib.admin import SimpleListFilter
from django.urls import re_path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.options import ModelAdmin

from memberspace.notifications import kinds
from memberspace.notifications.models import Notification
from memberspace.secretariat.admin import ActionView, ReadOnlyPermissionHelper, SecretariatOnlyMixin

from . import services


class ResendNotificationView(ActionView):
    permission = "notifications.resend_notification"
    title = gettext_lazy("Renvoyer une notification")
    confirm_label = gettext_lazy("Renvoyer")

    @property
    def question(self):
        return _("Renvoyer « %(subject)s » à %(address)s ? Les tentatives repartent de zéro.") % {
            "subject": self.instance.subject or self.instance.kind,
            "address": self.instance.address,
        }

    def act(self, request):
        services.resend(self.instance, by=request.user)
        return _("La notification à %(address)s est de nouveau en file d'envoi.") % {"address": self.instance.address}


class NotificationButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if obj.can_be_resent() and self.request.user.has_perm("notifications.resend_notification"):
            buttons.append(
                {
                    "url": self.url_helper.get_action_url("resend", obj.pk),
                    "label": _("Renvoyer"),
                    "classname": "button button-small button-secondary",
                    "title": _("Renvoyer cette notification"),
                }
            )
        return buttons


class KindFilter(SimpleListFilter):
    title = gettext_lazy("type")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        sent = Notification.objects.order_by().values_list("kind", flat=True).distinct()
        return sorted(((kind, kinds.label(kind)) for kind in sent), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class NotificationAdmin(SecretariatOnlyMixin, ModelAdmin):
    model = Notification
    menu_label = gettext_lazy("Notifications envoyées")
    menu_icon = "mail"
    # Five columns: the listing stays readable beside the filters at 1280 px.
    list_display = ("created", "message", "address", "state")  # the error: on the inspect page
    list_filter = ("status", "failure_kind", KindFilter, "channel", "created_at")
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
        "failure_kind",
        "failed_at",
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

    def created(self, obj):
        return timezone.localtime(obj.created_at).strftime("%d/%m/%Y %H:%M")

    created.short_description = gettext_lazy("Créée le")
    created.admin_order_field = "created_at"

    def message(self, obj):
        subject = Truncator(obj.subject).chars(60) if obj.subject else obj.kind
        return format_html("{}<br><small>{}</small>", subject, obj.get_channel_display())

    message.short_description = gettext_lazy("Message, canal")

    def state(self, obj):
        attempts = ngettext("%(count)d tentative", "%(count)d tentatives", obj.attempts) % {"count": obj.attempts}
        if obj.sent_at:
            sent = timezone.localtime(obj.sent_at).strftime("%d/%m/%Y %H:%M")
            attempts = _("%(attempts)s, envoyée le %(sent)s") % {"attempts": attempts, "sent": sent}
        return format_html("{}<br><small>{}</small>", obj.get_status_display(), attempts)

    state.short_description = gettext_lazy("État")

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
