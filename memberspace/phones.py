"""Phone numbers: parsed and normalised with ``phonenumbers``, French by default."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_REGION = "FR"
MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def parse(value, region=DEFAULT_REGION):
    """The ``PhoneNumber`` written in ``value`` (spaces, dots, +33 or 0…), or None if it is not a valid one."""
    if not value or not str(value).strip():
        return None
    try:
        number = phonenumbers.parse(str(value), region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def to_e164(value, region=DEFAULT_REGION):
    """``"06 12 34 56 78"`` → ``"+33612345678"``; None when not a valid number."""
    number = parse(value, region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else None


def mobile_e164(value, region=DEFAULT_REGION):
    """The number in E.164 if it can receive SMS (a mobile number), else None."""
    number = parse(value, region)
    if number is None or phonenumbers.number_type(number) not in MOBILE_TYPES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(value, region=DEFAULT_REGION):
    """``"+33612345678"`` → ``"06 12 34 56 78"`` (national format for French numbers)."""
    number = parse(value, region)
    if number is None:
        return value or ""
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def validate_mobile(value):
    if mobile_e164(value) is None:
        if parse(value) is None:
            raise ValidationError(
                _("Ce numéro de téléphone n'est pas valide. Exemple : 06 12 34 56 78 ou +33 6 12 34 56 78."),
                code="invalid_phone",
            )
        raise ValidationError(
            _("Indiquez un numéro de téléphone portable (06 ou 07…) : le club peut vous envoyer des SMS."),
            code="not_mobile",
        )
