from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from memberspace.notifications import kinds
from memberspace.secretariat.history import declare_log_actions

from . import services
from .admin import BULK_ACTIONS

for bulk_action in BULK_ACTIONS:
    hooks.register("register_bulk_action", bulk_action)

LOG_ACTIONS = {
    "po.enrollment.request": _("Inscription demandée"),
    "po.enrollment.validate": _("Inscription validée"),
    "po.enrollment.waitlist": _("Inscription mise en liste d'attente"),
    "po.enrollment.refuse": _("Inscription refusée"),
    "po.enrollment.deposit": _("Acompte reçu"),
    "po.enrollment.settle": _("Inscription soldée"),
    "po.enrollment.reopen_payment": _("Paiement rouvert : la somme reçue ne couvre plus l'état"),
    "po.enrollment.cancel": _("Inscription annulée"),
    "po.enrollment.offer_place": _("Place libérée proposée"),
    "po.enrollment.accept_place": _("Place proposée acceptée : inscription validée"),
    "po.enrollment.decline_place": _("Place proposée laissée par la famille"),
    "po.enrollment.expire_place": _("Place proposée : délai passé, demande close"),
    "po.enrollment.release": _("Place libérée : acompte non reçu"),
    "po.waiting_list.pause": _("Propositions automatiques de places suspendues"),
    "po.waiting_list.resume": _("Propositions automatiques de places reprises"),
}


declare_log_actions(LOG_ACTIONS)


class EnrollmentsPanel(Component):
    """The requests waiting for a decision: near the top of the home, after the accounts to validate."""

    name = "enrollments"
    order = 20
    template_name = "enrollments/admin/enrollments_panel.html"

    def get_context_data(self, parent_context):
        count, oldest = services.undecided_summary()
        return {"undecided_count": count, "oldest": oldest, "now": timezone.now()}


class OffersFillPanel(Component):
    """Each open offer's fill rate and waiting list: below what waits for a decision (one row per offer)."""

    name = "offers_fill"
    order = 200
    template_name = "enrollments/admin/offers_fill_panel.html"

    def get_context_data(self, parent_context):
        return {"offers": services.open_offers_figures()}


@hooks.register("construct_homepage_panels")
def add_enrollments_panel(request, panels):
    if request.user.has_perm("enrollments.view_enrollment"):
        panels.extend([EnrollmentsPanel(), OffersFillPanel()])


# The messages this app sends (memberspace.notifications.kinds): each kind names its templates.
NOTIFICATION_KINDS = {
    "enrollment_requested": _("Inscription demandée"),
    "enrollment_validated": _("Inscription validée"),
    "enrollment_waitlisted": _("Liste d'attente"),
    "enrollment_refused": _("Inscription refusée"),
    "enrollment_cancelled": _("Inscription annulée"),
    "place_offered": _("Place libérée proposée"),
    "place_declined": _("Place proposée laissée"),
    "place_expired": _("Place proposée : délai passé"),
    "deposit_reminder": _("Rappel d'acompte"),
    "deposit_place_released": _("Place libérée : acompte non reçu"),
    "secretariat_overdue_deposits": _("Secrétariat : acomptes en retard"),
}

kinds.declare(NOTIFICATION_KINDS)


@hooks.register("construct_child_page_panels")
def add_child_enrollments(request, child, panels):
    """On a child's page of the member area (families), its enrollments and the request button."""
    from .views import ChildEnrollmentsPanel

    panels.append(ChildEnrollmentsPanel(child, request))
