"""SMS through Twilio's Messages API, with the official ``twilio`` client.

Credentials come from the settings (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, and a
sender: TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID). Every HTTP call has
a timeout (TWILIO_TIMEOUT, shorter than the task's). TWILIO_API_BASE_URL, when
set, sends the client's requests to another host (a test double of Twilio's API).
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .base import BaseSmsBackend, PermanentSmsError, SmsError

# Twilio error codes that no retry will fix: invalid "To", not a mobile, unsubscribed…
# https://www.twilio.com/docs/api/errors
PERMANENT_ERROR_CODES = {21211, 21214, 21408, 21610, 21612, 21614, 21617, 21635}


class RedirectingHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, pointed at ``base_url`` instead of https://*.twilio.com."""

    def __init__(self, base_url, **kwargs):
        super().__init__(**kwargs)
        self.base_url = urlsplit(base_url)

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        url = urlunsplit((self.base_url.scheme, self.base_url.netloc, parts.path, parts.query, parts.fragment))
        return super().request(method, url, *args, **kwargs)


class TwilioBackend(BaseSmsBackend):
    def __init__(self):
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
            raise ImproperlyConfigured("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set to send SMS.")
        if not (settings.TWILIO_FROM_NUMBER or settings.TWILIO_MESSAGING_SERVICE_SID):
            raise ImproperlyConfigured("Set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID to send SMS.")
        options = {"timeout": settings.TWILIO_TIMEOUT}
        if settings.TWILIO_API_BASE_URL:
            http_client = RedirectingHttpClient(settings.TWILIO_API_BASE_URL, **options)
        else:
            http_client = TwilioHttpClient(**options)
        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)

    def send(self, to, body):
        sender = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )
        try:
            message = self.client.messages.create(to=to, body=body, **sender)
        except TwilioRestException as error:
            text = f"Twilio {error.status}, code {error.code} : {error.msg}"
            if error.code in PERMANENT_ERROR_CODES or (400 <= error.status < 500 and error.status != 429):
                raise PermanentSmsError(text) from error
            raise SmsError(text) from error
        except (TwilioException, OSError) as error:
            raise SmsError(f"Twilio injoignable : {error}") from error
        return message.sid
