"""Paiements: the treasurer's and the secretariat's screens.

- on an enrollment's page, its ledger, and the forms to record a payment (cheque, transfer,
  chèques-vacances, cash, a works council…) or a refund;
- the payments' listing, filtered by offer, method, payer, state and date, with the queue
  of payments to look at (money for a place released, more than due…);
- a held cheque marked cashed, a payment of the queue marked dealt with;
- an enrollment's attestation de paiement, as the family downloads it (receipts.py).

Only the « Trésorerie » and « Secrétariat » groups have these permissions
(config/roles.py); every change calls memberspace.payments.services.
"""

from django import forms
from django.contrib.admin import SimpleListFilter
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail_modeladmin.options import ModelAdmin

from memberspace import MemberspaceError
from memberspace.secretariat import spreadsheets
from memberspace.secretariat.admin import (
    ActionView,
    ActionViewsMixin,
    ReadOnlyPermissionHelper,
    RecordPanel,
    SecretariatOnlyMixin,
    forbidden,
)
from memberspace.secretariat.fields import CountedTextField
from pages import formatting
from pages.models import ClubSettings, OfferPage

from . import exports, receipts, services
from .ledger import ledger_for
from .models import Method, Payer, Payment, PaymentState
from .pdf import pdf_response, render_pdf, safe_filename

VIEW_PERMISSION = "payments.view_payment"
RECORD_PERMISSION = "payments.record_payment"
OFFLINE_METHODS = [(value, label) for value, label in Method.choices if value != Method.ONLINE]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class AmountField(forms.CharField):
    """Euros as the secretariat types them (« 120 », « 120,50 », « 1 250 € »), checked by the services' rule."""

    def clean(self, value):
        value = super().clean(value)
        try:
            return services.money(value)
        except MemberspaceError as error:
            raise forms.ValidationError(str(error)) from None


class PaymentForm(forms.Form):
    amount = AmountField(label=gettext_lazy("Montant (€)"), max_length=20)
    method = forms.ChoiceField(label=gettext_lazy("Moyen de paiement"), choices=OFFLINE_METHODS)
    payer = forms.ChoiceField(label=gettext_lazy("Payé par"), choices=Payer.choices, initial=Payer.FAMILY)
    payer_name = forms.CharField(
        label=gettext_lazy("Nom du payeur"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Le tireur du chèque, le nom du CSE ou de l'organisme…"),
    )
    reference = forms.CharField(
        label=gettext_lazy("Référence"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Numéro du chèque ou des chèques-vacances, libellé du virement…"),
    )
    received_on = forms.DateField(label=gettext_lazy("Reçu le"), widget=DateInput())
    cash_on = forms.DateField(
        label=gettext_lazy("À encaisser le"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Pour un chèque gardé et encaissé plus tard, à la date convenue avec la famille."),
    )
    note = CountedTextField(
        label=gettext_lazy("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    again = forms.BooleanField(
        label=gettext_lazy("Enregistrer quand même"),
        required=False,
        help_text=gettext_lazy("Seulement pour un second paiement identique à un autre enregistré juste avant."),
    )


class RefundForm(forms.Form):
    amount = AmountField(label=gettext_lazy("Montant remboursé (€)"), max_length=20)
    method = forms.ChoiceField(label=gettext_lazy("Moyen de remboursement"), choices=OFFLINE_METHODS)
    refunded_on = forms.DateField(label=gettext_lazy("Remboursé le"), widget=DateInput())
    reason = forms.CharField(label=gettext_lazy("Motif"), max_length=200)


class EnrollmentMoneyView(ActionView):
    """A form about one enrollment's money, on the enrollments' admin; shown again, as typed, on any refusal."""

    permission = RECORD_PERMISSION
    template_name = "payments/admin/money_form.html"

    def get_form(self):
        if self.request.method == "POST":
            return self.form_class(self.request.POST)
        return self.form_class(initial=self.initial())

    def initial(self):
        return {}

    def get_success_url(self):
        return reverse("enrollments_enrollment_modeladmin_inspect", args=[self.instance.pk])

    def get_context_data(self, **kwargs):
        ledger = ledger_for(self.instance, ClubSettings.current())
        return super().get_context_data(enrollment=self.instance, ledger=ledger, **kwargs)


class RecordPaymentView(EnrollmentMoneyView):
    form_class = PaymentForm
    confirm_label = gettext_lazy("Enregistrer le paiement")

    @property
    def title(self):
        return _("Enregistrer un paiement")

    @property
    def question(self):
        return _("Paiement pour %(child)s à « %(offer)s » (%(ref)s)") % {
            "child": self.instance.child,
            "offer": self.instance.offer.title,
            "ref": self.instance.reference,
        }

    def initial(self):
        due = ledger_for(self.instance, ClubSettings.current()).next_due()
        amount = formatting.euros(due.amount).replace("\u00a0€", "") if due else ""
        return {"amount": amount, "received_on": timezone.localdate()}

    def act(self, request):
        data = self.form.cleaned_data
        payment = services.record_payment(self.instance, by=request.user, **data)
        return _("Paiement de %(amount)s enregistré pour %(child)s (%(ref)s).") % {
            "amount": formatting.euros(payment.amount),
            "child": self.instance.child,
            "ref": self.instance.reference,
        }


class RecordRefundView(EnrollmentMoneyView):
    form_class = RefundForm
    confirm_label = gettext_lazy("Enregistrer le remboursement")

    @property
    def title(self):
        return _("Enregistrer un remboursement")

    @property
    def question(self):
        return _("Remboursement pour %(child)s à « %(offer)s » (%(ref)s)") % {
            "child": self.instance.child,
            "offer": self.instance.offer.title,
            "ref": self.instance.reference,
        }

    def initial(self):
        ledger = ledger_for(self.instance, ClubSettings.current())
        amount = formatting.euros(ledger.to_refund).replace("\u00a0€", "") if ledger.to_refund else ""
        return {"amount": amount, "refunded_on": timezone.localdate()}

    def act(self, request):
        refund = services.record_refund(self.instance, by=request.user, **self.form.cleaned_data)
        return _("Remboursement de %(amount)s enregistré pour %(child)s (%(ref)s).") % {
            "amount": formatting.euros(refund.amount),
            "child": self.instance.child,
            "ref": self.instance.reference,
        }


class EnrollmentReceiptView(ActionView):
    """An enrollment's attestation de paiement, as PDF (404 before any payment): a download, nothing to confirm.

    The permission is checked before the enrollment is read (``ActionView.as_view``): 403 alike
    for an id that exists and one that does not.
    """

    permission = VIEW_PERMISSION
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        enrollment = self.instance
        context = receipts.enrollment_receipt(enrollment, ClubSettings.for_request(request))
        if context is None:
            raise Http404
        pdf = render_pdf(receipts.ENROLLMENT_RECEIPT, context, request)
        return pdf_response(pdf, safe_filename(_("attestation-paiement"), enrollment.reference))


class PaymentActionView(ActionView):
    """A confirmed action on one payment (a cheque cashed, a payment of the queue dealt with)."""

    permission = RECORD_PERMISSION

    def describe(self):
        payment = self.instance
        return {
            "amount": formatting.euros(payment.amount),
            "method": payment.get_method_display().lower(),
            "child": payment.enrollment.child,
            "ref": payment.enrollment.reference,
        }

    @property
    def question(self):
        return self.question_text % self.describe()

    def get_success_url(self):
        return admin_next_url(self.request, self.index_url)


def admin_next_url(request, default):
    """The ``next`` page a payments screen was opened from, when it is one of the admin's own; else ``default``."""
    url = request.GET.get("next")
    return url if url and url.startswith("/admin/") and "//" not in url else default


class CashChequeView(PaymentActionView):
    title = gettext_lazy("Chèque encaissé")
    question_text = gettext_lazy("Le chèque de %(amount)s de %(child)s (%(ref)s) a-t-il été remis en banque ?")
    confirm_label = gettext_lazy("Oui, encaissé aujourd'hui")

    def act(self, request):
        services.cash_cheque(self.instance, by=request.user)
        return _("Chèque de %(amount)s de %(child)s encaissé.") % self.describe()


class ReviewView(PaymentActionView):
    title = gettext_lazy("Paiement traité")
    question_text = gettext_lazy(
        "Le paiement de %(amount)s (%(method)s) de %(child)s (%(ref)s) a-t-il été traité (remboursé, rattaché…) ?"
    )
    confirm_label = gettext_lazy("Oui, il est traité")

    def act(self, request):
        if not services.mark_reviewed(self.instance, by=request.user):
            raise services.PaymentRefused(_("Ce paiement n'est pas à vérifier."))
        return _("Paiement de %(amount)s de %(child)s marqué comme traité.") % self.describe()


class OfferFilter(SimpleListFilter):
    title = gettext_lazy("offre")
    parameter_name = "offre"

    def lookups(self, request, model_admin):
        offers = OfferPage.objects.filter(enrollments__payments__isnull=False).distinct().order_by("-start_date")
        return [(offer.pk, offer.title) for offer in offers]

    def queryset(self, request, queryset):
        if self.value() and str(self.value()).isdigit():
            return queryset.filter(enrollment__offer_id=self.value())
        return queryset


class ReviewFilter(SimpleListFilter):
    title = gettext_lazy("à vérifier")
    parameter_name = "verifier"

    def lookups(self, request, model_admin):
        return [("oui", _("À vérifier"))]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.to_review()
        return queryset


class PaymentAdmin(SecretariatOnlyMixin, ActionViewsMixin, ModelAdmin):
    model = Payment
    menu_label = gettext_lazy("Paiements")
    menu_icon = "doc-full"
    list_display = ("received_on", "enrollment_link", "amount_display", "method", "payer", "state_badge", "review")
    list_filter = (OfferFilter, ReviewFilter, "method", "payer", "state", "received_on")
    search_fields = (
        "enrollment__reference",
        "enrollment__child__first_name",
        "enrollment__child__last_name",
        "payer_name",
        "reference",
        "checkout_id",
    )
    list_per_page = 50
    inspect_view_enabled = True
    inspect_view_fields = [
        "enrollment",
        "amount",
        "method",
        "payer",
        "payer_name",
        "reference",
        "state",
        "received_on",
        "cash_on",
        "recorded_at",
        "recorded_by",
        "provider",
        "checkout_id",
        "provider_payment_id",
        "review_reason",
        "reviewed_at",
        "note",
    ]
    permission_helper_class = ReadOnlyPermissionHelper
    action_views = {"cash": CashChequeView, "review": ReviewView}
    # The listing's download, as filtered (offer, method, payer, state, dates): one row per payment, for the accounts.
    list_export = (
        "received_on",
        "amount",
        "method_label",
        "payer_label",
        "payer_name",
        "reference",
        "state_label",
        "cash_on",
        "child_name",
        "offer_name",
        "enrollment_reference",
        "checkout_id",
        "provider_payment_id",
    )
    export_filename = "paiements"

    def get_queryset(self, request):
        return Payment.objects.select_related("enrollment__child", "enrollment__offer")

    def get_ordering(self, request):
        return ["-received_on", "-recorded_at", "-pk"]

    def enrollment_link(self, obj):
        enrollment = obj.enrollment
        return format_html(
            '<a href="{}">{}</a><br><small>{} · {}</small>',
            reverse("enrollments_enrollment_modeladmin_inspect", args=[enrollment.pk]),
            enrollment.child,
            enrollment.offer.title,
            enrollment.reference,
        )

    enrollment_link.short_description = gettext_lazy("Inscription")

    def method_label(self, obj):
        return obj.get_method_display()

    method_label.short_description = gettext_lazy("Moyen")

    def payer_label(self, obj):
        return obj.get_payer_display()

    payer_label.short_description = gettext_lazy("Payé par")

    def state_label(self, obj):
        return obj.get_state_display()

    state_label.short_description = gettext_lazy("État")

    def child_name(self, obj):
        return str(obj.enrollment.child)

    child_name.short_description = gettext_lazy("Enfant")

    def offer_name(self, obj):
        return obj.enrollment.offer.title

    offer_name.short_description = gettext_lazy("Offre")

    def enrollment_reference(self, obj):
        return obj.enrollment.reference

    enrollment_reference.short_description = gettext_lazy("Inscription")

    def amount_display(self, obj):
        return formatting.euros(obj.amount)

    amount_display.short_description = gettext_lazy("Montant")

    def state_badge(self, obj):
        if obj.state == PaymentState.HELD and obj.cash_on:
            return format_html(
                '{} <small>({})</small><br><a class="button button-small button-secondary" href="{}">{}</a>',
                obj.get_state_display(),
                formatting.day_month(obj.cash_on),
                self.url_helper.get_action_url("cash", obj.pk),
                _("Encaissé"),
            )
        return obj.get_state_display()

    state_badge.short_description = gettext_lazy("État")

    def review(self, obj):
        if not obj.review_reason:
            return ""
        if obj.reviewed_at:
            return format_html(
                "<small>{}</small>", _("Traité le %(date)s") % {"date": formatting.day_month(obj.reviewed_at)}
            )
        return format_html(
            '<strong>{}</strong><br><a class="button button-small button-secondary" href="{}">{}</a>',
            obj.review_reason,
            self.url_helper.get_action_url("review", obj.pk),
            _("Marquer comme traité"),
        )

    review.short_description = gettext_lazy("À vérifier")


class EnrollmentLedgerPanel(RecordPanel):
    """On an enrollment's page of the admin: its ledger, payments and refunds, and the forms' links."""

    order = 10
    template_name = "payments/admin/ledger_panel.html"

    def context(self, request):
        enrollment = self.record
        payments = list(enrollment.payments.select_related("recorded_by").order_by("received_on", "pk"))
        counted = any(payment.is_counted for payment in payments)
        return {
            "enrollment": enrollment,
            "ledger": ledger_for(enrollment, ClubSettings.current()),
            "payments": payments,
            "receipt_url": (
                reverse("enrollments_enrollment_modeladmin_receipt", args=[enrollment.pk]) if counted else ""
            ),
            "refunds": enrollment.refunds.select_related("recorded_by").order_by("refunded_on", "pk"),
            "can_record": request.user.has_perm(RECORD_PERMISSION) and enrollment.can_take_payment(),
            "can_refund": request.user.has_perm(RECORD_PERMISSION),
            "payment_url": reverse("enrollments_enrollment_modeladmin_payment", args=[enrollment.pk]),
            "refund_url": reverse("enrollments_enrollment_modeladmin_refund", args=[enrollment.pk]),
        }


def totals_view(request):
    """Each offer's totals (due, received, outstanding, to refund, cheques to cash), and their downloads."""
    if not request.user.has_perm(VIEW_PERMISSION):
        return forbidden(request)
    rows = exports.totals_by_offer()
    return TemplateResponse(
        request,
        "payments/admin/totals.html",
        {
            "rows": rows,
            "total": exports.grand_total(rows),
            "payments_url": reverse("payments_payment_modeladmin_index"),
        },
    )


def balances_view(request, offer_pk, file_format):
    if not request.user.has_perm(VIEW_PERMISSION):
        return forbidden(request)
    if file_format not in spreadsheets.FORMATS:
        raise Http404
    offer = get_object_or_404(OfferPage, pk=offer_pk)
    return spreadsheets.response(exports.balances(offer), file_format, exports.filename(offer))
