"""Registers the member area's admin screens, bulk actions, log actions and dashboard panel.

The classes live in memberspace/admin/.
"""

from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail_modeladmin.options import ModelAdminGroup, modeladmin_register

from . import roles
from .admin import BULK_ACTIONS, ChildAdmin, EnrollmentAdmin, NotificationAdmin, ParentAccountAdmin
from .services import enrollments, notifications, personal_data
from .services.accounts import waiting_summary


@modeladmin_register
class SecretariatGroup(ModelAdminGroup):
    menu_label = _("Secrétariat")
    menu_icon = "group"
    menu_order = 150
    items = (EnrollmentAdmin, ParentAccountAdmin, ChildAdmin, NotificationAdmin)


for bulk_action in BULK_ACTIONS:
    hooks.register("register_bulk_action", bulk_action)


@hooks.register("after_create_page")
def secretariat_rights_on_a_new_catalogue(request, page):
    roles.grant_new_catalogue(page)


@hooks.register("insert_global_admin_css")
def admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin.css"))


@hooks.register("register_log_actions")
def register_log_actions(actions):
    for action, label in [
        ("po.notification.resend", _("Notification renvoyée")),
        ("po.account.signup_replaced", _("Inscription créée à la place d'une inscription antérieure jamais vérifiée")),
        ("po.account.email_verified", _("Adresse e-mail vérifiée : compte en attente de validation")),
        ("po.account.details_changed", _("Coordonnées modifiées par le parent")),
        ("po.account.validate", _("Compte validé")),
        ("po.account.reject", _("Compte refusé")),
        ("po.account.suspend", _("Compte suspendu")),
        ("po.account.reinstate", _("Compte rétabli")),
        ("po.account.erasure_request", _("Effacement du compte demandé par le parent")),
        ("po.account.erasure_withdrawn", _("Demande d'effacement retirée")),
        ("po.account.erase", _("Compte effacé")),
        ("po.child.create", _("Adhésion créée par un parent")),
        ("po.child.update", _("Fiche de l'enfant modifiée")),
        ("po.child.attach", _("Responsable rattaché")),
        ("po.child.merge_legacy", _("Fiche de l'ancienne base fusionnée dans celle créée par le parent")),
        ("po.child.detach", _("Responsable détaché")),
        ("po.invitation.create", _("Invitation envoyée")),
        ("po.invitation.withdraw", _("Invitation retirée")),
        ("po.invitation.accept", _("Invitation acceptée")),
        ("po.enrollment.request", _("Inscription demandée")),
        ("po.enrollment.validate", _("Inscription validée")),
        ("po.enrollment.waitlist", _("Inscription mise en liste d'attente")),
        ("po.enrollment.refuse", _("Inscription refusée")),
        ("po.enrollment.deposit", _("Acompte reçu")),
        ("po.enrollment.cancel", _("Inscription annulée")),
    ]:
        actions.register_action(action, label, label)


class WaitingAccountsPanel(Component):
    name = "waiting_accounts"
    order = 50
    template_name = "memberspace/admin/waiting_accounts_panel.html"

    def get_context_data(self, parent_context):
        count, oldest = waiting_summary()
        erasures = personal_data.erasure_requests().count()
        return {"count": count, "oldest": oldest, "now": timezone.now(), "erasures": erasures}


@hooks.register("construct_homepage_panels")
def add_waiting_accounts_panel(request, panels):
    if request.user.has_perm("memberspace.validate_parentaccount"):
        panels.append(WaitingAccountsPanel())


class EnrollmentsPanel(Component):
    """Each open offer's fill rate, its waiting list, and the requests waiting for a decision."""

    name = "enrollments"
    order = 40
    template_name = "memberspace/admin/enrollments_panel.html"

    def get_context_data(self, parent_context):
        count, oldest = enrollments.undecided_summary()
        return {
            "offers": enrollments.open_offers_figures(),
            "undecided_count": count,
            "oldest": oldest,
            "now": timezone.now(),
        }


@hooks.register("construct_homepage_panels")
def add_enrollments_panel(request, panels):
    if request.user.has_perm("memberspace.view_enrollment"):
        panels.append(EnrollmentsPanel())


class NotificationsPanel(Component):
    """Notifications failed lately (waiting for their provider, or for the secretariat) and late ones."""

    name = "notifications"
    order = 45
    template_name = "memberspace/admin/notifications_panel.html"

    def get_context_data(self, parent_context):
        from django.conf import settings

        return {
            **notifications.outbox_summary(),
            "horizon_days": settings.NOTIFICATION_RETRY_HORIZON // 86400,
            "late_minutes": settings.NOTIFICATION_LATE_AFTER // 60,
        }


@hooks.register("construct_homepage_panels")
def add_notifications_panel(request, panels):
    if request.user.has_perm("memberspace.view_notification"):  # the secretariat and superusers
        panels.append(NotificationsPanel())
