"""Two-factor authentication, required of every member of staff for the admin.

allauth has no setting that makes MFA mandatory. This middleware, on every
``/admin/`` page, sends a staff user who has no authenticator yet to the TOTP
set-up page, and a staff user whose session was not authenticated with the
second factor (a session opened before TOTP was set up, or by any other path)
to allauth's two-factor re-authentication. There is no other way into the
admin: ``/admin/login/`` redirects to allauth's login (config/urls.py) and
Wagtail's own password views are off (settings).
"""

from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

ADMIN_PREFIX = "/admin/"


def is_staff_member(user):
    return user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin")


def session_used_second_factor(request):
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


class StaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if request.path_info.startswith(ADMIN_PREFIX) and user.is_authenticated and is_staff_member(user):
            next_query = urlencode({"next": request.get_full_path()})
            if not is_mfa_enabled(user):
                messages.warning(
                    request,
                    _(
                        "L'administration du site contient les données des familles : activez la double "
                        "authentification (application d'authentification sur votre téléphone) pour y accéder."
                    ),
                )
                return redirect(f"{reverse('mfa_activate_totp')}?{next_query}")
            if not session_used_second_factor(request):
                messages.info(request, _("Confirmez votre identité avec votre code de double authentification."))
                return redirect(f"{reverse('mfa_reauthenticate')}?{next_query}")
        return self.get_response(request)


def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    """Setting up TOTP takes a valid code from the new authenticator: the session has used it."""
    from allauth.account.internal.flows.login import record_authentication

    if request is not None and request.user.is_authenticated and request.user.pk == user.pk:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
