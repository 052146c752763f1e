"""In development, emails show in the terminal as one line each (to, subject) and their links.

Django's console backend printed each demo email whole: MIME headers, base64 or
quoted-printable text, then the HTML part. ``config.mail.SummaryConsoleEmailBackend``
(the development settings' default) prints who it is for, the subject, and every http
link of the text part (the verification link among them) on a line of its own.
"""

import io
import os
import subprocess
import sys
from pathlib import Path

from django.core.mail import EmailMultiAlternatives

ROOT = Path(__file__).resolve().parent.parent

SEND = """
import django; django.setup()
from django.core.mail import EmailMultiAlternatives
message = EmailMultiAlternatives(
    "Le PO : Validez votre adresse e-mail (étape 2)",
    "Bonjour Awa N'Diaye,\\n\\nValidez votre adresse : http://127.0.0.1:8124/compte/confirm-email/MQ:abc/\\n",
    "Le PO <ne-pas-repondre@le-po.com>",
    ["awa.ndiaye@exemple.fr"],
)
html = "<html><body><p>Bonjour <a href='http://127.0.0.1:8124/'>ici</a></p></body></html>"
message.attach_alternative(html, "text/html")
message.send()
"""


def test_the_development_terminal_shows_one_line_per_email_and_its_link():
    env = {key: value for key, value in os.environ.items() if key not in ("EMAIL_BACKEND", "DATABASE_URL", "REDIS_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    result = subprocess.run(
        [sys.executable, "-c", SEND], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "<html>" not in out and "Content-Type" not in out and "MIME-Version" not in out
    lines = out.splitlines()
    assert "awa.ndiaye@exemple.fr" in lines[0] and "Le PO : Validez votre adresse e-mail (étape 2)" in lines[0]
    assert any(line.strip().endswith("http://127.0.0.1:8124/compte/confirm-email/MQ:abc/") for line in lines[1:])


def summary(*messages):
    from config.mail import SummaryConsoleEmailBackend

    stream = io.StringIO()
    sent = SummaryConsoleEmailBackend(stream=stream).send_messages(list(messages))
    assert sent == len(messages)
    return stream.getvalue()


def test_each_message_is_a_line_with_its_links_below():
    first = EmailMultiAlternatives(
        "Le PO : « Théâtre d'improvisation » & <chorale>",
        "Lien : http://127.0.0.1:8000/espace-adherent/.\nAutre (http://127.0.0.1:8000/compte/login/), "
        "et encore http://127.0.0.1:8000/espace-adherent/.",
        "club@le-po.com",
        ["a@exemple.fr", "b@exemple.fr"],
    )
    first.attach_alternative("<p>https://ailleurs.example/only-in-html</p>", "text/html")
    second = EmailMultiAlternatives("Sans lien", "Rien à cliquer.", "club@le-po.com", ["c@exemple.fr"])
    out = summary(first, second).splitlines()
    assert out[0].startswith("--- Email to a@exemple.fr, b@exemple.fr: ")
    assert out[0].endswith("Le PO : « Théâtre d'improvisation » & <chorale>")  # as written, not escaped
    # Each link once, in the order of the text, without the sentence's punctuation; none from the HTML part.
    assert [line.split()[-1] for line in out[1:3]] == [
        "http://127.0.0.1:8000/espace-adherent/",
        "http://127.0.0.1:8000/compte/login/",
    ]
    assert out[3] == "--- Email to c@exemple.fr: Sans lien"
    assert len(out) == 4
