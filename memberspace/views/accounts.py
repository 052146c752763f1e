"""The member area (/espace-adherent/): thin views over the forms and services."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from memberspace import phones
from memberspace.access import validated_parent_required
from memberspace.forms import PhoneForm, ProfileForm
from memberspace.models import AccountStatus, Child, Enrollment, EnrollmentStatus, set_waiting_ranks
from memberspace.services import accounts, invitations


@login_required
def dashboard(request):
    user = request.user
    context = {
        "status": user.account_status,
        "statuses": AccountStatus,
        # Called by the template only where it shows (a pending account): one query less for the others.
        "email_verified": user.has_verified_email,
        "phone_display": phones.display(user.phone),
    }
    if user.is_validated_parent:
        upcoming = (
            Enrollment.objects.exclude(status=EnrollmentStatus.CANCELLED)
            .filter(offer__end_date__gte=timezone.localdate())
            .select_related("offer", "requested_by")
            # What the dashboard shows: an offer's row is wide (Wagtail's page and the offer's own fields).
            .only(
                "child", "offer", "status", "requested_at", "requested_by", "offer__title", "requested_by__first_name"
            )
            .in_arrival_order()
        )
        children = list(
            Child.objects.for_guardian(user)
            .only("first_name", "last_name", "birth_date", "school_level")
            .prefetch_related(Prefetch("enrollments", queryset=upcoming, to_attr="upcoming_enrollments"))
        )
        set_waiting_ranks([enrollment for child in children for enrollment in child.upcoming_enrollments])
        received, sent = invitations.pending_for_dashboard(user)
        context.update(children=children, invitations_received=received, invitations_sent=sent)
    return TemplateResponse(request, "memberspace/dashboard.html", context)


@validated_parent_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        accounts.update_details(request.user, data={name: form.cleaned_data[name] for name in form.Meta.fields})
        messages.success(request, _("Vos coordonnées sont enregistrées."))
        return redirect("memberspace:dashboard")
    return TemplateResponse(
        request, "memberspace/profile.html", {"form": form, "phone_display": phones.display(request.user.phone)}
    )


@validated_parent_required
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def change_phone(request):
    """Changing the number the club sends SMS to asks for the password again (allauth's re-authentication)."""
    form = PhoneForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        accounts.update_details(request.user, data={"phone": form.cleaned_data["phone"]})
        messages.success(request, _("Votre numéro de téléphone est enregistré."))
        return redirect("memberspace:profile")
    return TemplateResponse(request, "memberspace/phone.html", {"form": form})
