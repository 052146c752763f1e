"""Phone numbers: parsed and normalised with ``phonenumbers``, French by default.

France's overseas departments and communities share the French national format
(« 0690 12 34 56 » in Guadeloupe, « 0696… » in Martinique, « 0694… » in Guyane,
« 0692… », « 0693… » in La Réunion, « 0639… » in Mayotte) but not its country
code: ``phonenumbers`` reads « 0690… » with the region FR as a mainland number,
which is not valid. A number written the national way that FR does not know is
therefore tried with each of those regions, and stored in E.164 (+590 690…).
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_REGION = "FR"
# Where a French national number (0…) that is not a mainland one may be from.
OVERSEAS_REGIONS = ("GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF")
FRENCH_REGIONS = {DEFAULT_REGION, *OVERSEAS_REGIONS}
MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def parse(value, region=DEFAULT_REGION):
    """The ``PhoneNumber`` written in ``value`` (spaces, dots, +33 or 0…), or None if it is not a valid one."""
    if not value or not str(value).strip():
        return None
    regions = [region]
    if region == DEFAULT_REGION:
        regions += OVERSEAS_REGIONS  # tried only if the mainland reading is not valid
    for candidate in regions:
        try:
            number = phonenumbers.parse(str(value), candidate, keep_raw_input=True)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return number
        if number.country_code_source != phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY:
            return None  # written with its country code (+33…, 0033…): no other reading
    return None


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
    """``"+33612345678"`` → ``"06 12 34 56 78"`` (national format for French numbers, overseas too)."""
    number = parse(value, region)
    if number is None:
        return value or ""
    if phonenumbers.region_code_for_number(number) in (FRENCH_REGIONS if region == DEFAULT_REGION else {region}):
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
