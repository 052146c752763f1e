from django.urls import re_path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from memberspace.notifications import kinds
from memberspace.secretariat.history import declare_log_actions

from . import services
from .admin import (
    VIEW_PERMISSION,
    EnrollmentLedgerPanel,
    EnrollmentReceiptView,
    RecordPaymentView,
    RecordRefundView,
    balances_view,
    totals_view,
)

declare_log_actions(
    {
        "po.payment.record": _("Paiement enregistré"),
        "po.payment.online": _("Paiement en ligne confirmé par HelloAsso"),
        "po.payment.checkout": _("Paiement en ligne ouvert"),
        "po.payment.cash": _("Chèque encaissé"),
        "po.payment.refund": _("Remboursement enregistré"),
        "po.payment.review": _("Paiement à vérifier traité"),
        "po.statement.import": _("Relevé bancaire importé"),
        "po.statement.attach": _("Ligne de relevé rattachée à une inscription"),
        "po.statement.dismiss": _("Ligne de relevé ignorée"),
    }
)

# The messages this app sends (memberspace.notifications.kinds): each kind names its templates.
kinds.declare({"payment_received": _("Paiement reçu"), "payment_due_soon": _("Rappel avant une échéance")})


@hooks.register("register_enrollment_actions")
def register_payment_actions():
    # "payment" is the transition table's (its button, label and guard); "refund" and "receipt"
    # (the attestation de paiement, a PDF) have no button: the ledger panel links to them.
    return {"payment": RecordPaymentView, "refund": RecordRefundView, "receipt": EnrollmentReceiptView}


@hooks.register("construct_enrollment_panels")
def add_ledger_panel(request, enrollment, panels):
    if request.user.has_perm(VIEW_PERMISSION):
        panels.append(EnrollmentLedgerPanel(enrollment, request))


@hooks.register("construct_enrollment_page_panels")
def add_enrollment_payments(request, enrollment, panels):
    """On the enrollment's page of the member area: what is due, received, and paying online."""
    from .views import EnrollmentPaymentPanel

    panels.append(EnrollmentPaymentPanel(enrollment, request))


class ReviewQueuePanel(Component):
    """The payments the secretariat must look at (money for a place released, more than due…)."""

    name = "payments_to_review"
    order = 25
    template_name = "payments/admin/review_panel.html"

    def __init__(self, count):
        self.count = count

    def get_context_data(self, parent_context):
        return {"count": self.count}


@hooks.register("construct_homepage_panels")
def add_review_panel(request, panels):
    if request.user.has_perm(VIEW_PERMISSION):
        count = services.queue().count()
        if count:
            panels.append(ReviewQueuePanel(count))


@hooks.register("register_admin_urls")
def register_totals_urls():
    return [
        # Under the payments' admin prefix: the access matrix (tests/security) tries them as every role.
        re_path(r"^payments/totals/$", totals_view, name="payments_totals"),
        re_path(
            r"^payments/balances/(?P<offer_pk>\d+)/(?P<file_format>\w+)/$", balances_view, name="payments_balances"
        ),
    ]


class TreasuryMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(VIEW_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_totals_menu_item():
    return TreasuryMenuItem(_("Trésorerie"), reverse("payments_totals"), icon_name="doc-full", order=160)
