"""What a parent types into a name, an address line or an email address, checked the same way everywhere.

Names and address lines end up in the admin, the rosters and the emails: a value
made only of invisible characters looks empty there, and a bidi control
(U+202E RIGHT-TO-LEFT OVERRIDE…) reverses the text around it, so that a name can
pass for another one. Such values are refused with a French message, never
silently changed; letters of every script (« Zoé », « Nguyễn », Arabic or
Hebrew names typed normally) are welcome.

Email addresses are limited to 254 characters (RFC 5321, and the database
columns): a longer one is refused with a message. The fields carry no
``maxlength`` attribute, which would make the browser cut a pasted address
without a word.
"""

import re
import unicodedata

from allauth.account.fields import EmailField as AllauthEmailField
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from memberspace.secretariat.fields import CountedTextField

EMAIL_MAX_LENGTH = 254

# Format (Cf: bidi controls, zero-width characters, soft hyphen, BOM…), control (Cc: tabs, line
# breaks, NUL…), unassigned, private-use and surrogate code points.
REFUSED_CATEGORIES = {"Cf", "Cc", "Cn", "Co", "Cs"}
# Letters that show nothing (Hangul fillers): a "name" of them only would still look empty.
BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}

# ASCII digits only: in a str pattern, \d also matches Arabic-Indic (U+0660…) and other digits.
POSTAL_CODE_RE = re.compile(r"^[0-9]{5}$")


def normalize_text(value):
    """``value`` in Unicode NFC form (« é » as one character, however it was typed)."""
    return unicodedata.normalize("NFC", value)


def validate_visible_text(value):
    """Refuse invisible, formatting and control characters (bidi overrides, zero-width spaces…)."""
    if any(unicodedata.category(char) in REFUSED_CATEGORIES for char in value):
        raise ValidationError(
            _(
                "Ce texte contient un caractère invisible ou de mise en forme (souvent ajouté par un "
                "copier-coller) : retapez-le au clavier."
            ),
            code="invisible_character",
        )


def validate_has_letter(value):
    if not any(char.isalpha() and char not in BLANK_LETTERS for char in value):
        raise ValidationError(_("Ce texte doit contenir au moins une lettre."), code="no_letter")


class PersonTextField(forms.CharField):
    """A person's name or an address line: NFC, no invisible or control character, at least one letter."""

    default_validators = [validate_visible_text, validate_has_letter]

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_text(value) if value else value


def clean_postal_code(value):
    """A French postal code: five ASCII digits (spaces ignored)."""
    value = (value or "").replace(" ", "")
    if not POSTAL_CODE_RE.match(value):
        raise ValidationError(_("Le code postal compte 5 chiffres, par exemple 75005."), code="invalid_postal_code")
    return value


def validate_email_length(value):
    if len(value) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            _("Une adresse e-mail compte au plus 254 caractères."),
            code="email_too_long",
        )


class BoundedEmailMixin:
    """At most 254 characters, said in a message (not a ``maxlength`` the browser would cut at)."""

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = None
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value:
            validate_email_length(value)  # before the format's own check, which stops at 320


class EmailAddressField(BoundedEmailMixin, forms.EmailField):
    """An email address typed by a parent (an invitation's)."""


class AccountEmailField(BoundedEmailMixin, AllauthEmailField):
    """allauth's email field (lower-cased), bounded the same way."""


# Embeddings, overrides and isolates reverse or reorder the text around them; the marks U+200E and
# U+200F that right-to-left keyboards type are harmless and allowed in free text.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def validate_no_bidi_control(value):
    """Free text may hold line breaks and any script, but nothing that reorders what the club reads."""
    if BIDI_CONTROLS.intersection(value):
        raise ValidationError(
            _(
                "Ce texte contient un caractère qui inverse le sens de l'écriture (souvent ajouté par un "
                "copier-coller) : retapez le passage concerné au clavier."
            ),
            code="bidi_control",
        )


class LongTextField(CountedTextField):
    """A parent's free text: counted, never cut by the browser (``CountedTextField``),
    and without the bidi controls that would make the secretariat read another text."""

    default_validators = [validate_no_bidi_control]
