"""The parents' side of payments: what is due and received, and paying online.

The amount of a checkout is worked out by the services from the ledger: the browser
only says which of the offered choices (the rest of the deposit, or everything).
The provider's notification is answered here, and trusted for nothing but the number
of the checkout to read back.
"""

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from config.csp import allow_form_action
from memberspace import MemberspaceError
from memberspace.accounts.access import validated_parent_required
from memberspace.enrollments import services as enrollments
from memberspace.enrollments.views import own_enrollment
from memberspace.secretariat.admin import RecordPanel
from pages import formatting
from pages.models import ClubSettings

from . import backends, receipts, services
from .ledger import DEPOSIT, EVERYTHING, ledger_for
from .models import Method, Payment, PaymentState
from .pdf import pdf_response, render_pdf, safe_filename
from .transfer import transfer_code

logger = logging.getLogger(__name__)

# A notification is a small JSON document; anything larger is not one.
MAX_NOTIFICATION_BYTES = 64 * 1024
OUTCOMES = ("retour", "abandon", "erreur")


def _urls(request):
    def urls(payment):
        def url(outcome):
            return request.build_absolute_uri(
                reverse("memberspace:payment_return", kwargs={"pk": payment.pk, "outcome": outcome})
            )

        return {"return_url": url("retour"), "back_url": url("abandon"), "error_url": url("erreur")}

    return urls


@validated_parent_required
@require_POST
def pay_online(request, pk):
    """Open a checkout for the choice sent (``montant``: the deposit or everything) and go to the provider."""
    enrollment = own_enrollment(request, pk)
    kind = request.POST.get("montant")
    if kind not in (DEPOSIT, EVERYTHING):
        messages.error(request, _("Choisissez ce que vous réglez : l'acompte, ou la totalité."))
        return redirect("memberspace:enrollment_detail", enrollment.pk)
    try:
        payment = services.start_online_payment(enrollment, kind=kind, by=request.user, urls=_urls(request))
    except MemberspaceError as error:
        messages.error(request, str(error))
        return redirect("memberspace:enrollment_detail", enrollment.pk)
    return HttpResponseRedirect(payment.checkout_url)


@validated_parent_required
def payment_return(request, pk, outcome):
    """Back from the provider: read the checkout back, and say plainly what happened."""
    if outcome not in OUTCOMES:
        raise Http404
    payment = get_object_or_404(Payment.objects.select_related("enrollment"), pk=pk, method=Method.ONLINE)
    enrollment = own_enrollment(request, payment.enrollment_id)  # 404 for another family's payment
    try:
        payment = services.sync_checkout(payment)
    except backends.PaymentError as error:
        logger.warning("Checkout of payment %s not read back: %s", payment.pk, error)
        messages.info(
            request,
            _(
                "Nous attendons la confirmation de HelloAsso : elle arrive d'habitude en quelques minutes. "
                "Vous recevrez un message dès que le paiement sera enregistré."
            ),
        )
        return redirect("memberspace:enrollment_detail", enrollment.pk)
    amount = formatting.euros(payment.amount)
    if payment.state == PaymentState.RECEIVED:
        messages.success(
            request,
            _(
                "Paiement de %(amount)s reçu : merci ! Une confirmation vous est envoyée, et l'attestation de "
                "paiement se télécharge sur cette page."
            )
            % {"amount": amount},
        )
    elif payment.state == PaymentState.FAILED or outcome == "erreur":
        messages.error(
            request,
            _("Le paiement n'a pas abouti : rien n'a été débité. Vous pouvez réessayer, ou régler autrement."),
        )
    elif outcome == "abandon":
        messages.info(request, _("Paiement abandonné : rien n'a été débité."))
    else:
        messages.info(
            request,
            _(
                "Votre paiement de %(amount)s est en cours de confirmation par HelloAsso. "
                "Vous recevrez un message dès qu'il sera enregistré."
            )
            % {"amount": amount},
        )
    return redirect("memberspace:enrollment_detail", enrollment.pk)


@csrf_exempt
@require_POST
def provider_notification(request):
    """The provider's notification: a hint of which checkout to read back (never trusted as sent).

    200 once read back, or when it names no checkout of ours; 503 when the provider
    could not be read, so that it sends the notification again later.
    """
    if len(request.body) > MAX_NOTIFICATION_BYTES:
        return HttpResponse(status=413)
    try:
        services.handle_notification(request.body)
    except backends.PaymentError as error:
        logger.warning("Notification not handled, the provider will send it again: %s", error)
        return HttpResponse(status=503)
    return HttpResponse("ok", content_type="text/plain")


# Receipts: 404 when there is nothing to attest, as for another family's enrollment.


def enrollment_pdf(request, pk, build, template, name):
    """One of the parent's enrollments as the PDF ``build`` gives a context for (404 when it gives none)."""
    enrollment = own_enrollment(request, pk)
    context = build(enrollment, ClubSettings.for_request(request))
    if context is None:
        raise Http404
    return pdf_response(render_pdf(template, context, request), safe_filename(name, enrollment.reference))


@validated_parent_required
@require_GET
def enrollment_receipt(request, pk):
    """The attestation de paiement of one of the parent's enrollments, as PDF (404 before any payment)."""
    return enrollment_pdf(
        request, pk, receipts.enrollment_receipt, receipts.ENROLLMENT_RECEIPT, _("attestation-paiement")
    )


@validated_parent_required
@require_GET
def enrollment_confirmation(request, pk):
    """The confirmation of one of the parent's enrollments, once validated, as PDF."""
    return enrollment_pdf(request, pk, receipts.confirmation, receipts.CONFIRMATION, _("confirmation-inscription"))


@validated_parent_required
@require_GET
def family_receipt(request, year):
    """The attestation of the parent's children's payments received in ``year``, as PDF (404 for a year without)."""
    if year not in receipts.receipt_years(request.user):
        raise Http404
    context = receipts.family_receipt(request.user, year, ClubSettings.for_request(request))
    if context is None:
        raise Http404
    pdf = render_pdf(receipts.FAMILY_RECEIPT, context, request)
    return pdf_response(pdf, safe_filename(_("attestation-paiement"), year))


class EnrollmentPaymentPanel(RecordPanel):
    """On the enrollment's page of the member area: what is due, received, and the ways to pay."""

    order = 10
    template_name = "payments/includes/enrollment_payments.html"

    def context(self, request):
        enrollment = self.record
        if not enrollment.takes_a_place and not enrollment.payments.exists():
            return {"enrollment": enrollment, "ledger": None}
        club = ClubSettings.for_request(request)
        ledger = ledger_for(enrollment, club)
        due = ledger.next_due() if enrollment.takes_a_place else None
        choices = ledger.choices() if enrollment.takes_a_place and backends.online_payment_on() else []
        if choices:  # its form is redirected to the provider's payment page: the page's policy must let it
            allow_form_action(request, backends.checkout_origins())
        payments = list(enrollment.payments.counted().order_by("received_on", "pk"))
        return {
            "enrollment": enrollment,
            "ledger": ledger,
            "payments": payments,
            # The PDFs: an attestation once money is counted, a confirmation once the place is taken.
            "receipt_url": reverse("memberspace:enrollment_receipt", args=[enrollment.pk]) if payments else "",
            "confirmation_url": (
                reverse("memberspace:enrollment_confirmation", args=[enrollment.pk]) if enrollment.takes_a_place else ""
            ),
            "refunds": enrollment.refunds.order_by("refunded_on", "pk"),
            "choices": choices,
            "how": enrollments.payment_context(enrollment, enrollment.offer),
            "transfer": {"due": due, "code": transfer_code(club, due.amount, enrollment.reference)} if due else None,
        }
