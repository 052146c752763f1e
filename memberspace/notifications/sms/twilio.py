"""SMS through Twilio's Messages API, with the official ``twilio`` client.

Credentials come from the settings (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, and a
sender: TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID). Every HTTP call has
a timeout (TWILIO_TIMEOUT, shorter than the task's). TWILIO_API_BASE_URL, when
set, sends the client's requests to another host (a test double of Twilio's API).
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ConnectTimeout
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from .base import BaseSmsBackend, PermanentSmsError, SmsError, UncertainSmsError

# Twilio error codes that no retry will fix: invalid "To", not a mobile, unsubscribed…
# https://www.twilio.com/docs/api/errors
PERMANENT_ERROR_CODES = {21211, 21214, 21408, 21610, 21612, 21614, 21617, 21635}
# A message in one of these states was not delivered: sending it again is no duplicate.
UNDELIVERED_STATUSES = {"failed", "undelivered", "canceled"}
# How many of the number's latest messages are read to find one already accepted.
LOOKUP_LIMIT = 50


def never_left(error):
    """Whether a failed request surely never reached Twilio (no connection was made)."""
    if isinstance(error, ConnectTimeout):
        return True
    if isinstance(error, RequestsConnectionError):
        reason = error.args[0] if error.args else None
        return isinstance(getattr(reason, "reason", reason), NewConnectionError)
    return False


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
            if never_left(error):
                raise SmsError(f"Twilio injoignable : {error}") from error
            # A read timeout or a connection lost after the request went out: Twilio may have
            # accepted the message. The next attempt looks for it first (find_sent).
            raise UncertainSmsError(f"Twilio sans réponse, message peut-être accepté : {error}") from error
        return message.sid

    def find_sent(self, to, body, since):
        """Twilio's REST API has no idempotency key: read the number's latest messages instead."""
        sender = {} if settings.TWILIO_MESSAGING_SERVICE_SID else {"from_": settings.TWILIO_FROM_NUMBER}
        try:
            messages = self.client.messages.list(to=to, limit=LOOKUP_LIMIT, **sender)
        except TwilioRestException as error:
            raise SmsError(f"Journal Twilio illisible : Twilio {error.status}, code {error.code}") from error
        except (TwilioException, OSError) as error:
            raise SmsError(f"Journal Twilio illisible : {error}") from error
        return [
            message.sid
            for message in messages
            if message.body == body
            and message.date_created is not None
            and message.date_created >= since
            and message.status not in UNDELIVERED_STATUSES
        ]

    def probe(self):
        self.client.messages.list(limit=1)  # raises when Twilio does not answer
        return True
