"""Co-parent invitations: send one for chosen children, withdraw it, accept one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from memberspace import MemberspaceError
from memberspace.accounts.access import id_from, validated_parent_required
from memberspace.families.forms import InvitationForm
from memberspace.families.models import Child, Invitation
from memberspace.families.services import invitations


@validated_parent_required
@require_http_methods(["GET", "POST"])
def invite(request):
    initial = {}
    chosen = id_from(request.GET.get("enfant"))
    if chosen is not None:
        initial["children"] = Child.objects.for_guardian(request.user).filter(pk=chosen)
    form = InvitationForm(request.POST or None, parent=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = invitations.invite(
                request.user,
                email=form.cleaned_data["email"],
                children=form.cleaned_data["children"],
                relationship=form.cleaned_data["relationship"],
            )
        except MemberspaceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Invitation envoyée à %(email)s. Elle est valable %(days)s jours.")
                % {"email": invitation.email, "days": invitations.INVITATION_DAYS},
            )
            return redirect("memberspace:dashboard")
    return TemplateResponse(request, "families/invitation_form.html", {"form": form})


@validated_parent_required
@require_POST
def withdraw(request, pk):
    invitation = get_object_or_404(Invitation, pk=pk, inviter=request.user)
    try:
        invitations.withdraw(invitation, by=request.user)
    except MemberspaceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("L'invitation à %(email)s est retirée.") % {"email": invitation.email})
    return redirect("memberspace:dashboard")


@login_required
@require_http_methods(["GET", "POST"])
def accept_link(request, token):
    """The link of the invitation email: shows what is offered, accepts on POST.

    Only its recipient (the account that verified its address, or accepted it) learns its
    state: used (by whom, when), withdrawn or expired. Anyone else gets the same answer
    whatever its state, so the link tells them nothing of who accepted it.
    """
    try:
        invitation = invitations.find_by_token(token)
    except MemberspaceError as error:
        return TemplateResponse(request, "families/invitation_accept.html", {"error": str(error)}, status=404)
    if request.method == "POST":
        return _accept(request, invitation)
    for_me = invitations.is_recipient(invitation, request.user)
    return TemplateResponse(request, "families/invitation_accept.html", {"invitation": invitation, "for_me": for_me})


@login_required
@require_POST
def accept(request, pk):
    """Accept from the dashboard an invitation sent to one of the account's verified addresses."""
    invitation = get_object_or_404(invitations.invitations_for(request.user), pk=pk)
    return _accept(request, invitation)


def _accept(request, invitation):
    try:
        invitations.accept(invitation, user=request.user)
    except MemberspaceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Vous êtes maintenant responsable de %(children)s, avec %(inviter)s.")
            % {
                "children": ", ".join(str(child) for child in invitation.children.all()),
                "inviter": invitation.inviter.get_full_name(),
            },
        )
    return redirect("memberspace:dashboard")
