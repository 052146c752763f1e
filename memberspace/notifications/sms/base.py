import re
import unicodedata


class SmsError(Exception):
    """Sending failed; trying again later may work (network, provider down, rate limit)."""


class PermanentSmsError(SmsError):
    """Sending failed for good (invalid or unreachable number): no retry."""


class UncertainSmsError(SmsError):
    """The request may have reached the provider, but its answer was lost (timeout, dropped connection)."""


class BaseSmsBackend:
    def send(self, to, body):
        """Send ``body`` to the E.164 number ``to`` and return the provider's message id."""
        raise NotImplementedError

    def find_sent(self, to, body, since):
        """The ids of the messages ``body`` to ``to`` the provider accepted since ``since``, newest first.

        Asked before sending again a message whose earlier attempt may have been
        accepted. A backend that keeps no log finds nothing.
        """
        return []

    def probe(self):
        """Whether the provider answers now (after an outage, failed messages are then retried)."""
        return True


# The GSM 03.38 alphabet: a message written only with these characters travels as
# 7-bit text, 160 characters in one segment (153 per segment beyond). One other
# character and the whole message is UCS-2: 70 characters (67 per segment).
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = "^{}\\[~]|€\f"  # two septets each
REPLACEMENTS = {
    "\u00a0": " ",
    "\u202f": " ",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "œ": "oe",
    "Œ": "OE",
    "ç": "c",
}


def to_gsm(text):
    """``text`` written with the GSM alphabet only: accents it lacks (ê, î, ô, û…) lose them."""
    text = re.sub(r"\s*»", '"', re.sub(r"«\s*", '"', text))  # « guillemets » → "quotes"
    result = []
    for char in text:
        char = REPLACEMENTS.get(char, char)
        if all(c in GSM_BASIC or c in GSM_EXTENDED for c in char):
            result.append(char)
            continue
        base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        result.append(base or "?")
    return "".join(result)


def sms_segments(text):
    """How many SMS segments ``text`` takes once sent."""
    if all(char in GSM_BASIC or char in GSM_EXTENDED for char in text):
        septets = sum(2 if char in GSM_EXTENDED else 1 for char in text)
        return 1 if septets <= 160 else -(-septets // 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)
