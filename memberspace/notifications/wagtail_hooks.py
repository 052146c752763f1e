from django.conf import settings
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from memberspace.secretariat.history import declare_log_actions

from . import kinds, services

declare_log_actions({"po.notification.resend": _("Notification renvoyée")})


class NotificationsPanel(Component):
    """Notifications failed lately (waiting for their provider, or for the secretariat) and late ones."""

    name = "notifications"
    order = 45
    template_name = "notifications/admin/notifications_panel.html"

    def get_context_data(self, parent_context):
        return {
            **services.outbox_summary(),
            "horizon_days": settings.NOTIFICATION_RETRY_HORIZON // 86400,
            "late_minutes": settings.NOTIFICATION_LATE_AFTER // 60,
        }


@hooks.register("construct_homepage_panels")
def add_notifications_panel(request, panels):
    if request.user.has_perm("notifications.view_notification"):  # the secretariat and superusers
        panels.append(NotificationsPanel())


# The messages this app sends (memberspace.notifications.kinds): each kind names its templates.
NOTIFICATION_KINDS = {
    "technical_notification_failures": _("Technique : notifications en échec"),
    "test": _("Message d'essai"),
}

kinds.declare(NOTIFICATION_KINDS)
