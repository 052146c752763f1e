"""Enrollment requests: a parent asks for places, follows them, cancels them before validation."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from memberspace import MemberspaceError
from memberspace.accounts.access import id_from, validated_parent_required
from memberspace.accounts.models import User
from memberspace.accounts.validators import LongTextField
from memberspace.enrollments.models import Enrollment, EnrollmentStatus, PlaceOffer, set_positions
from memberspace.families.forms import ChildrenField
from memberspace.families.models import Child
from memberspace.secretariat.admin import RecordPanel, panels_for
from pages import formatting
from pages.models import ClubSettings, OfferPage

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
    may_split = forms.BooleanField(
        label=gettext_lazy(
            "Si une seule place se libère, elle peut être proposée à l'un de mes enfants sans les autres"
        ),
        required=False,
        help_text=gettext_lazy(
            "Sans cette case, des frères et sœurs demandés ensemble se voient proposer des places ensemble, "
            "ou pas du tout."
        ),
    )

    def __init__(self, *args, eligible, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].queryset = Child.objects.filter(pk__in=[child.pk for child in eligible])


def children_with_enrollments(user):
    return list(Child.objects.for_guardian(user).prefetch_related("enrollments__offer").order_by("birth_date"))


def checks_for(children, offer, now, windows):
    """Each child's eligibility for ``offer``; ``windows``: the priority windows (``services.priority_windows``)."""
    return [
        services.eligibility(
            child, offer, now=now, active=[e for e in child.enrollments.all() if e.is_active], windows=windows
        )
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
    # Read only for an annual activity with an opening date (its members' priority window).
    club = SimpleLazyObject(lambda: ClubSettings.for_request(request))
    if offer_id is None:
        selected = [child for child in children if str(child.pk) == chosen] or children
        open_offers = services.offers_open_to_requests()
        windows = services.priority_windows(selected, open_offers, now=now, club=club)
        offers = [(offer, checks_for(selected, offer, now, windows)) for offer in open_offers]
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
    checks = checks_for(children, offer, now, services.priority_windows(children, [offer], now=now, club=club))
    eligible = [check.child for check in checks if check.allowed]
    initial = {"children": [child for child in eligible if str(child.pk) == chosen]}
    form = RequestForm(request.POST or None, eligible=eligible, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.request_enrollments(
                    user,
                    offer=offer,
                    children=form.cleaned_data["children"],
                    comment=form.cleaned_data["comment"],
                    may_split=form.cleaned_data["may_split"],
                )
            except MemberspaceError as error:
                form.add_error(None, str(error))
            else:
                request_sent_message(request, offer, created)
                return redirect("memberspace:dashboard")
        posted = request.POST.getlist("children")
        already = services.already_requested(offer, [child for child in children if str(child.pk) in posted])
        if already:  # sent twice (a double click, a reload): the first one was recorded; not an error
            already_sent_message(request, offer, already)
            return redirect("memberspace:dashboard")
    in_line = offer.enrollments.active().values("arrival").distinct().count()
    return TemplateResponse(
        request,
        "enrollments/enrollment_request.html",
        {
            "offer": offer,
            "checks": checks,
            "form": form,
            "account_not_validated": not user.is_validated_parent,
            "in_line": in_line,
            "next_position": formatting.ordinal(in_line + 1, feminine=True),
            "places_text": ngettext("%(count)s place", "%(count)s places", offer.capacity) % {"count": offer.capacity},
            "several_eligible": len(eligible) > 1,
            "priority_rule": services.priority_rule(offer, club=club, now=now),
        },
    )


def request_sent_message(request, offer, created):
    """What the parent reads once the request is recorded: its position, and what it means."""
    names = formatting.names_list(enrollment.child.first_name for enrollment in created)
    line = services.describe_position(created[0], offer)
    if created[0].status == services.Status.WAITLISTED:
        messages.warning(
            request,
            _("La demande pour %(names)s est sur la liste d'attente de « %(offer)s » : %(line)s.")
            % {"offer": offer.title, "names": names, "line": line},
        )
    else:
        messages.success(
            request,
            _("Demande envoyée pour %(names)s : %(line)s. Le club vous confirmera l'inscription par e-mail.")
            % {"names": names, "line": line},
        )


def already_sent_message(request, offer, children):
    """The answer to a request sent again: it was recorded, and here is where it stands (as the first answer said)."""
    values = {"names": formatting.names_list(child.first_name for child in children), "offer": offer.title}
    first = offer.enrollments.active().filter(child=children[0]).first()
    line = services.describe_position(first, offer) if first else ""
    if line:
        message = _("La demande pour %(names)s à « %(offer)s » est bien enregistrée : %(line)s.") % {
            **values,
            "line": line,
        }
    else:
        message = _("La demande pour %(names)s à « %(offer)s » est bien enregistrée.") % values
    messages.info(request, message)


def own_enrollment(request, pk):
    """An enrollment of one of the signed-in parent's children, else 404."""
    queryset = Enrollment.objects.for_guardian(request.user).select_related("child", "offer", "requested_by")
    return get_object_or_404(queryset.distinct(), pk=pk)


@validated_parent_required
def enrollment_detail(request, pk):
    enrollment = own_enrollment(request, pk)
    context = {
        "enrollment": enrollment,
        "line": services.describe_position(enrollment, enrollment.offer),
        # What the apps above add (its payments): ``construct_enrollment_page_panels`` hook.
        "panels": panels_for("construct_enrollment_page_panels", request, enrollment),
    }
    if enrollment.status == EnrollmentStatus.OFFERED and enrollment.place_offer_id:
        place_offer = enrollment.place_offer
        context["place_offer"] = place_offer
        family = [offered.child for offered in place_offer.enrollments.select_related("child")]
        if services.guards_all(request.user, family):  # half-siblings: the parent of them all answers
            context["answer_url"] = services.answer_url(place_offer, request.user)
    return TemplateResponse(request, "enrollments/enrollment_detail.html", context)


@validated_parent_required
@require_http_methods(["GET", "POST"])
def enrollment_cancel(request, pk):
    """Withdraw a request or leave the waiting list: asked to confirm (GET), then done (POST)."""
    enrollment = own_enrollment(request, pk)
    if request.method == "GET":
        if not enrollment.can_be_cancelled_by_guardian:
            messages.info(request, _("Cette demande n'est plus en cours."))
            return redirect("memberspace:enrollment_detail", enrollment.pk)
        rank = enrollment.waiting_rank()
        context = {"enrollment": enrollment, "rank": formatting.ordinal(rank, feminine=True) if rank else ""}
        return TemplateResponse(request, "enrollments/enrollment_cancel.html", context)
    enrollment.refresh_from_db(fields=["status", "place_offer"])
    if enrollment.status == EnrollmentStatus.OFFERED:  # offered a place while the parent read the question
        messages.info(request, _("Une place vient de vous être proposée : acceptez-la ou laissez-la ici."))
        return redirect("memberspace:enrollment_detail", enrollment.pk)
    was_waiting = enrollment.status == EnrollmentStatus.WAITLISTED
    try:
        services.cancel_by_guardian(enrollment, by=request.user)
    except MemberspaceError as error:
        messages.error(request, str(error))
    else:
        text = (
            _("%(child)s a quitté la liste d'attente de « %(offer)s ».")
            if was_waiting
            else _("La demande pour %(child)s à « %(offer)s » est annulée.")
        )
        messages.success(request, text % {"child": enrollment.child.first_name, "offer": enrollment.offer.title})
    return redirect("memberspace:dashboard")


@never_cache
@require_http_methods(["GET", "POST"])
def place_offer_answer(request, token):
    """The page the offer's email and SMS link to: accept the place, or let it go, in one tap.

    The link is the guardian's own, signed by the site (``services.answer_token``): it
    answers without signing in, from a phone. A link altered, or of someone no longer a
    guardian of the children, finds nothing. Opening it (a mail scanner too) changes
    nothing: only a button's POST answers. Signed out, the page names no child (a link
    forwarded or seen on a lock screen tells nothing of them); signed in, it answers for
    a guardian of the children only, and names them.
    """
    found = services.read_answer_token(token)
    place_offer = guardian = None
    if found:
        place_offer = PlaceOffer.objects.select_related("offer").filter(pk=found[0]).first()
        guardian = User.objects.filter(pk=found[1], is_active=True).first()
    family = list(place_offer.enrollments.select_related("child").order_by("pk")) if place_offer else []
    children = [enrollment.child for enrollment in family]
    # The link's guardian must still be one, of every child, in an account the club has not suspended.
    if (
        not family
        or guardian is None
        or not guardian.is_validated_parent
        or not services.guards_all(guardian, children)
    ):
        return TemplateResponse(request, "enrollments/place_offer_unknown.html", status=404)
    user = request.user
    if user.is_authenticated and not (user.is_validated_parent and services.guards_all(user, children)):
        return TemplateResponse(request, "enrollments/place_offer_not_yours.html", status=403)
    by = user if user.is_authenticated else guardian
    names = (
        formatting.names_list(enrollment.child.first_name for enrollment in family)
        if user.is_authenticated
        else ngettext("votre enfant", "vos enfants", len(family))
    )
    if request.method == "POST":
        answer_place_offer(request, place_offer, by, names)
        return redirect(request.path)
    place_offer.refresh_from_db()
    return TemplateResponse(
        request,
        "enrollments/place_offer_answer.html",
        {
            "place_offer": place_offer,
            "offer": place_offer.offer.specific,
            "family": family,
            "names": names,
            "choice": request.GET.get("reponse"),
            "open": place_offer.is_open and timezone.now() < place_offer.expires_at,
            "deadline": formatting.date_and_time(place_offer.expires_at),
            "dates": formatting.date_range(place_offer.offer.start_date, place_offer.offer.end_date),
            "deposit_due_date": family[0].deposit_due_date,
        },
    )


def answer_place_offer(request, place_offer, by, names):
    choice = request.POST.get("reponse")
    answer = {"accepter": services.accept_place, "laisser": services.decline_place}.get(choice)
    if answer is None:
        messages.error(request, _("Choisissez : accepter la place, ou la laisser à la famille suivante."))
        return
    try:
        answer(place_offer, by=by)
    except MemberspaceError as error:
        messages.error(request, str(error))
    else:
        if choice == "accepter":
            text = _(
                "C'est noté : l'inscription de %(names)s à « %(offer)s » est validée. "
                "Les modalités de paiement de l'acompte vous sont envoyées par e-mail."
            )
        else:
            text = _("C'est noté : la place est proposée à la famille suivante. Merci de l'avoir laissée.")
        messages.success(request, text % {"names": names, "offer": place_offer.offer.title})


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
            .select_related("offer", "place_offer")
            .only(
                "child",
                "offer",
                "status",
                "arrival",
                "requested_at",
                "offer__title",
                "offer__start_date",
                "offer__capacity",
                "place_offer__expires_at",
            )
            .order_by("-offer__start_date", "-requested_at", "-pk")
        )
        set_positions(found)
        for enrollment in found:
            enrollment.line = services.describe_position(enrollment, enrollment.offer)
        return {"child": child, "enrollments": found}
