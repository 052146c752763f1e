import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

IBAN_RE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
BIC_RE = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def normalize_iban(value):
    return re.sub(r"\s+", "", value or "").upper()


def validate_iban(value):
    """ISO 13616 check: the rearranged IBAN read as a number is 1 modulo 97."""
    iban = normalize_iban(value)
    if not IBAN_RE.match(iban):
        raise ValidationError(_("Cet IBAN n'a pas un format valide (ex. FR76 3000 6000 0112 3456 7890 189)."))
    digits = "".join(str(int(char, 36)) for char in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        raise ValidationError(_("Cet IBAN est incorrect : sa clé de contrôle ne correspond pas."))


def validate_bic(value):
    if not BIC_RE.match((value or "").replace(" ", "").upper()):
        raise ValidationError(_("Ce BIC n'a pas un format valide (8 ou 11 caractères, ex. AGRIFRPP)."))


SEASON_RE = re.compile(r"^([0-9]{4})-([0-9]{4})$")  # ASCII digits: \d also matches "٢٠٢٦"


def validate_season(value):
    match = SEASON_RE.match(value or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValidationError(_("Indiquez la saison sous la forme 2026-2027."))


def validate_link(value):
    """A path on this site ("/compte/signup/") or an absolute http(s) address."""
    if value.startswith("/") and not value.startswith("//"):
        return
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(
            _("Saisissez une adresse du site commençant par « / » ou une adresse complète commençant par https://.")
        ) from None
