"""Sending SMS through a backend chosen by the ``SMS_BACKEND`` setting, like Django's email backends.

- ``memberspace.notifications.sms.twilio.TwilioBackend``: the official ``twilio`` client (production);
- ``memberspace.notifications.sms.console.ConsoleBackend``: prints the message (development);
- ``memberspace.notifications.sms.locmem.LocmemBackend``: keeps messages in ``sms.outbox`` (tests).
"""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import PermanentSmsError, SmsError, UncertainSmsError, sms_segments, to_gsm

# Messages sent by the in-memory backend: a list of (to, body, provider id).
outbox = []


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(to, body):
    """Send ``body`` to the E.164 number ``to``; returns the provider's message id."""
    return get_backend().send(to, body)


__all__ = [
    "PermanentSmsError",
    "SmsError",
    "UncertainSmsError",
    "get_backend",
    "outbox",
    "send_sms",
    "sms_segments",
    "to_gsm",
]
