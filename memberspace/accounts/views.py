"""A parent's own details: profile and mobile phone."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from memberspace.accounts.access import validated_parent_required
from memberspace.accounts.forms import PhoneForm, ProfileForm
from memberspace.notifications import phones

from . import services


@validated_parent_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_details(request.user, data={name: form.cleaned_data[name] for name in form.Meta.fields})
        messages.success(request, _("Vos coordonnées sont enregistrées."))
        return redirect("memberspace:dashboard")
    return TemplateResponse(
        request, "accounts/profile.html", {"form": form, "phone_display": phones.display(request.user.phone)}
    )


@validated_parent_required
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def change_phone(request):
    """Changing the number the club sends SMS to asks for the password again (allauth's re-authentication)."""
    form = PhoneForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_details(request.user, data={"phone": form.cleaned_data["phone"]})
        messages.success(request, _("Votre numéro de téléphone est enregistré."))
        return redirect("memberspace:profile")
    return TemplateResponse(request, "accounts/phone.html", {"form": form})
