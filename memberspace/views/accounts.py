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
from memberspace.models import AccountStatus, Child, Enrollment, EnrollmentStatus, Guardianship
from memberspace.services import invitations


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
            .with_waiting_rank()
            .in_arrival_order()
        )
        children = Child.objects.for_guardian(user).prefetch_related(
            Prefetch("guardianships", queryset=Guardianship.objects.select_related("parent")),
            Prefetch("enrollments", queryset=upcoming, to_attr="upcoming_enrollments"),
        )
        context.update(
            children=children,
            invitations_received=invitations.invitations_for(user).prefetch_related("children"),
            invitations_sent=user.invitations_sent.pending().prefetch_related("children"),
        )
    return TemplateResponse(request, "memberspace/dashboard.html", context)


@validated_parent_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
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
        form.save()
        messages.success(request, _("Votre numéro de téléphone est enregistré."))
        return redirect("memberspace:profile")
    return TemplateResponse(request, "memberspace/phone.html", {"form": form})
