"""The member area's dashboard: what each concept app gives a parent, on one page.

The view only composes: each query is a service of the app that owns the concept.
"""

from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse

from memberspace.accounts.models import AccountStatus
from memberspace.enrollments import services as enrollments
from memberspace.families.services import children as families
from memberspace.families.services import invitations
from memberspace.notifications import phones
from memberspace.payments import ledger, receipts


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
        children = enrollments.with_upcoming_enrollments(families.children_for_dashboard(user))
        # What each place costs and what was paid: two queries, whatever the number of places.
        taken = [enrollment for child in children for enrollment in child.upcoming_enrollments]
        ledger.with_ledgers([enrollment for enrollment in taken if enrollment.takes_a_place])
        received, sent = invitations.pending_for_dashboard(user)
        context.update(
            children=children,
            invitations_received=received,
            invitations_sent=sent,
            receipt_years=receipts.receipt_years(user),  # the years with an attestation de paiement
        )
    return TemplateResponse(request, "memberspace/dashboard.html", context)
