"""Signing in for tests: staff need their second factor for the admin (memberspace.accounts.middleware)."""

import time

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import RequestFactory

TOTP_PERIOD = 30


def totp_code(secret, at=None, margin=3):
    """The code of ``secret`` at ``at`` (default: now).

    allauth accepts only the current period's code (MFA_TOTP_TOLERANCE is 0), so a code read
    in the last seconds of its period may be refused by the time it is sent. For "now", wait
    for the next period when fewer than ``margin`` seconds are left; a browser, slower to type
    and send, asks for a wider margin.
    """
    if at is None:
        left = TOTP_PERIOD - time.time() % TOTP_PERIOD
        if left < margin:
            time.sleep(left + 0.05)
        at = time.time()
    return format_hotp_value(hotp_value(secret, int(at) // TOTP_PERIOD))


def give_totp(user, secret=None):
    """Set up TOTP for ``user`` (as done once on the set-up page); returns the secret."""
    secret = secret or generate_totp_secret()
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    TOTP.activate(user, secret)
    return secret


def login_staff(client, user):
    """Sign ``user`` in as if through allauth with password and TOTP (the full flow is tested elsewhere)."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        give_totp(user)
    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    record_authentication(request, user, "password", email=user.email)
    record_authentication(request, user, "mfa", type="totp")
    request.session.save()
    return client
