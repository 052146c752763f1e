"""A parent's own details (profile, with the optional second factor; mobile phone); the confirmation link."""

from allauth.account import app_settings as allauth_settings
from allauth.account.decorators import reauthentication_required
from allauth.account.models import EmailAddress
from allauth.account.views import ConfirmEmailView as AllauthConfirmEmailView
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.core import signing
from django.http import Http404
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
        request,
        "accounts/profile.html",
        {
            "form": form,
            "phone_display": phones.display(request.user.phone),
            "two_factor_enabled": is_mfa_enabled(request.user),
        },
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


def confirmed_address(key):
    """The verified address an authentic confirmation link was sent for, or None.

    allauth's links carry the address's id, signed (``EmailConfirmationHMAC``), and
    allauth finds none once the address is verified. A key that is not authentic
    says nothing; an authentic one was sent to that mailbox, so saying that its
    address is confirmed tells its owner only what they did. Its age does not
    matter here: a confirmed address stays confirmed.
    """
    try:
        pk = signing.loads(key, salt=allauth_settings.SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return EmailAddress.objects.filter(pk=pk, verified=True).first()


class ConfirmEmailView(AllauthConfirmEmailView):
    """allauth's confirmation page; a link opened again, or its button sent twice, says the address is confirmed.

    allauth says « expired or not valid » for the link of an address already
    confirmed, which sends parents asking for a link they do not need.
    """

    def post(self, *args, **kwargs):
        try:
            return super().post(*args, **kwargs)
        except Http404:  # the same button sent twice, or a link confirmed meanwhile: answer as to a GET
            self.object = None
            return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.object:
            context["already_confirmed"] = confirmed_address(self.kwargs["key"]) is not None
        return context
