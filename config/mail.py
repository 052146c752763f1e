"""An email backend for the developer's terminal: one line per message, its links below.

Django's console backend prints each message whole (MIME headers, encoded text, the
HTML part), which buries the one thing a developer looks for: the link to click. This
one prints who the message is for and its subject, then every http(s) link of the text
part (the verification link among them), each once. The development settings use it.
"""

import re

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend

LINK = re.compile(r"https?://[^\s<>\"]+")
# Punctuation that ends the sentence around a link, not the link.
TRAILING = ".,;:!?)]}»'\""


def links(text):
    """The http(s) links of ``text``, each once, in order."""
    return list(dict.fromkeys(link.rstrip(TRAILING) for link in LINK.findall(text)))


class SummaryConsoleEmailBackend(ConsoleEmailBackend):
    def write_message(self, message):
        recipients = ", ".join([*message.to, *message.cc, *message.bcc])
        self.stream.write(f"--- Email to {recipients}: {message.subject}\n")
        for link in links(message.body or ""):
            self.stream.write(f"    link: {link}\n")
