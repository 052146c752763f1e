"""Enrollment requests: a parent asks for places, follows them, cancels them before validation."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from memberspace import MemberspaceError
from memberspace.accounts.access import id_from, validated_parent_required
from memberspace.accounts.validators import LongTextField
from memberspace.enrollments.models import Enrollment, set_positions
from memberspace.families.forms import ChildrenField
from memberspace.families.models import Child
from memberspace.secretariat.admin import RecordPanel
from pages.models import OfferPage

from . import services


class RequestForm(forms.Form):
    children = ChildrenField(
        label=gettext_lazy("Pour quel(s) enfant(s) ?"),
        queryset=Child.objects.none(),
        error_messages={"required": gettext_lazy("Choisissez au moins un enfant.")},
    )
    comment = LongTextField(
        label=gettext_lazy("Un message pour le club"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Par exemple : covoiturage, frère ou sœur dans le même groupe…"),
    )

    def __init__(self, *args, eligible, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].queryset = Child.objects.filter(pk__in=[child.pk for child in eligible])


def children_with_enrollments(user):
    return list(Child.objects.for_guardian(user).prefetch_related("enrollments__offer").order_by("birth_date"))


def checks_for(children, offer, now):
    return [
        services.eligibility(child, offer, now=now, active=[e for e in child.enrollments.all() if e.is_active])
        for child in children
    ]


@login_required
@require_http_methods(["GET", "POST"])
def request_enrollment(request):
    """Choose an offer (from a child) or the children (from an offer), see what is possible and why not."""
    user = request.user
    now = timezone.now()
    children = children_with_enrollments(user) if user.is_validated_parent else []
    chosen = request.GET.get("enfant")
    if chosen and not any(str(child.pk) == chosen for child in children):
        raise Http404  # another family's child, or none
    offer_id = id_from(request.POST.get("offre") or request.GET.get("offre"))
    if offer_id is None:
        selected = [child for child in children if str(child.pk) == chosen] or children
        offers = [(offer, checks_for(selected, offer, now)) for offer in services.offers_open_to_requests()]
        # What can be requested first; the others folded below, with their reasons.
        requestable = [(offer, checks) for offer, checks in offers if any(check.allowed for check in checks)]
        others = [(offer, checks) for offer, checks in offers if not any(check.allowed for check in checks)]
        return TemplateResponse(
            request,
            "enrollments/enrollment_choose_offer.html",
            {
                "offers": requestable,
                "other_offers": others,
                "children": children,
                "selected": selected,
                "chosen": chosen,
            },
        )
    base = get_object_or_404(OfferPage.objects.live().with_places_taken(), pk=offer_id)
    offer = base.specific
    offer.places_taken_count = base.places_taken_count
    checks = checks_for(children, offer, now)
    eligible = [check.child for check in checks if check.allowed]
    initial = {"children": [child for child in eligible if str(child.pk) == chosen]}
    form = RequestForm(request.POST or None, eligible=eligible, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.request_enrollments(
                    user, offer=offer, children=form.cleaned_data["children"], comment=form.cleaned_data["comment"]
                )
            except MemberspaceError as error:
                form.add_error(None, str(error))
            else:
                request_sent_message(request, offer, created)
                return redirect("memberspace:dashboard")
        posted = request.POST.getlist("children")
        already = services.already_requested(offer, [child for child in children if str(child.pk) in posted])
        if already:  # sent twice (a double click, a reload): the first one was recorded; not an error
            messages.info(
                request,
                _("La demande pour %(names)s à « %(offer)s » est bien enregistrée.")
                % {"names": ", ".join(child.first_name for child in already), "offer": offer.title},
            )
            return redirect("memberspace:dashboard")
    pending_requests = offer.enrollments.filter(status=services.Status.REQUESTED).count()
    return TemplateResponse(
        request,
        "enrollments/enrollment_request.html",
        {
            "offer": offer,
            "checks": checks,
            "form": form,
            "account_not_validated": not user.is_validated_parent,
            "pending_requests": pending_requests,
        },
    )


def request_sent_message(request, offer, created):
    names = ", ".join(enrollment.child.first_name for enrollment in created)
    if created[0].status == services.Status.WAITLISTED:
        messages.warning(
            request,
            _("« %(offer)s » est complet : la demande pour %(names)s est sur liste d'attente (rang %(rank)s).")
            % {"offer": offer.title, "names": names, "rank": created[0].waiting_rank()},
        )
    else:
        messages.success(
            request,
            _("Demande envoyée pour %(names)s. Le club vous confirmera l'inscription par e-mail.") % {"names": names},
        )


def own_enrollment(request, pk):
    """An enrollment of one of the signed-in parent's children, else 404."""
    queryset = Enrollment.objects.for_guardian(request.user).select_related("child", "offer", "requested_by")
    return get_object_or_404(queryset.distinct(), pk=pk)


@validated_parent_required
def enrollment_detail(request, pk):
    enrollment = own_enrollment(request, pk)
    context = {"enrollment": enrollment, "rank": enrollment.waiting_rank()}
    if enrollment.takes_a_place:
        context["payment"] = services.payment_context(enrollment, enrollment.offer)
    return TemplateResponse(request, "enrollments/enrollment_detail.html", context)


@validated_parent_required
@require_POST
def enrollment_cancel(request, pk):
    enrollment = own_enrollment(request, pk)
    try:
        services.cancel_by_guardian(enrollment, by=request.user)
    except MemberspaceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("La demande pour %(child)s à « %(offer)s » est annulée.")
            % {"child": enrollment.child.first_name, "offer": enrollment.offer.title},
        )
    return redirect("memberspace:dashboard")


class ChildEnrollmentsPanel(RecordPanel):
    """The child's enrollments and the way to request one, on the child's page (``construct_child_page_panels``).

    Two queries at most, whatever their number: the enrollments, and the waiting lists' order.
    """

    order = 10
    template_name = "enrollments/includes/child_enrollments.html"

    def context(self, request):
        child = self.record
        found = list(
            Enrollment.objects.filter(child=child)
            .select_related("offer")
            .only("child", "offer", "status", "requested_at", "offer__title", "offer__start_date")
            .order_by("-offer__start_date", "-requested_at", "-pk")
        )
        set_positions(found)
        return {"child": child, "enrollments": found}
