"""The member area's dashboard: what each concept app gives a parent, on one page."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.utils import timezone

from memberspace.accounts.models import AccountStatus
from memberspace.enrollments.models import Enrollment, EnrollmentStatus, set_waiting_ranks
from memberspace.families.models import Child
from memberspace.families.services import invitations
from memberspace.notifications import phones


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
