import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pages import formatting
from pages.models import ClubSettings, RegistrationState, age_on
from pages.validators import validate_iban, validate_link, validate_season
from tests.factories import ActivityPageFactory, StayPageFactory, aware


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (datetime.date(2016, 7, 10), datetime.date(2026, 7, 9), 9),
        (datetime.date(2016, 7, 10), datetime.date(2026, 7, 10), 10),
        (datetime.date(2016, 2, 29), datetime.date(2026, 2, 28), 9),
        (datetime.date(2016, 2, 29), datetime.date(2026, 3, 1), 10),
    ],
)
def test_age_on_a_day(birth, day, age):
    assert age_on(birth, day) == age


@pytest.mark.django_db
def test_age_eligibility_is_measured_on_the_start_date(stay_index):
    stay = StayPageFactory(parent=stay_index, min_age=8, max_age=12, start_date=datetime.date(2027, 7, 10))
    assert stay.is_age_eligible(datetime.date(2019, 7, 10))  # 8 on the first day
    assert not stay.is_age_eligible(datetime.date(2019, 7, 11))  # still 7 on the first day
    assert stay.is_age_eligible(datetime.date(2014, 7, 11))  # 12, turns 13 during the stay
    assert not stay.is_age_eligible(datetime.date(2014, 7, 10))  # 13 on the first day


@pytest.mark.django_db
def test_offer_validation_messages(stay_index):
    stay = StayPageFactory.build(
        min_age=12,
        max_age=8,
        start_date=datetime.date(2027, 7, 10),
        end_date=datetime.date(2027, 7, 1),
        price=Decimal("100"),
        deposit_amount=Decimal("150"),
        registration_opens_at=aware(datetime.date(2027, 2, 1)),
        registration_closes_at=aware(datetime.date(2027, 1, 1)),
    )
    with pytest.raises(ValidationError) as error:
        stay.clean()
    messages = error.value.message_dict
    assert messages["max_age"] == ["L'âge maximum doit être supérieur ou égal à l'âge minimum."]
    assert messages["end_date"] == ["La date de fin doit suivre la date de début."]
    assert messages["deposit_amount"] == ["L'acompte ne peut pas dépasser le prix."]
    assert messages["registration_closes_at"] == ["La clôture des inscriptions doit suivre leur ouverture."]


@pytest.mark.django_db
def test_stay_period_defaults_from_its_month(stay_index):
    stay = StayPageFactory.build(holiday_period="", start_date=datetime.date(2027, 4, 17))
    stay.clean()
    assert stay.holiday_period == "printemps"


@pytest.mark.django_db
def test_registration_states(activity_index):
    now = timezone.now()
    not_yet = ActivityPageFactory(parent=activity_index, not_yet_open=True)
    closed = ActivityPageFactory(parent=activity_index, closed=True)
    open_offer = ActivityPageFactory(parent=activity_index, capacity=3)
    assert not_yet.registration_state(now) == RegistrationState.NOT_YET_OPEN
    assert closed.registration_state(now) == RegistrationState.CLOSED
    assert open_offer.registration_state(now) == RegistrationState.OPEN
    assert open_offer.places_left == 3
    # Without a closing date, registration closes when the offer starts.
    started = ActivityPageFactory(parent=activity_index, start_date=timezone.localdate())
    assert started.registration_state(now) == RegistrationState.CLOSED


@pytest.mark.django_db
def test_full_offer(activity_index):
    offer = ActivityPageFactory(parent=activity_index, capacity=2)
    offer.places_taken_count = 2
    assert offer.places_left == 0
    assert offer.registration_state() == RegistrationState.FULL


def test_euros_the_french_way():
    assert formatting.euros(Decimal("1250")) == "1\u00a0250\u00a0€"
    assert formatting.euros(Decimal("12.5")) == "12,50\u00a0€"
    assert formatting.euros(Decimal("0")) == "0\u00a0€"
    assert formatting.euros(None) == ""


def test_french_date_ranges():
    assert (
        formatting.date_range(datetime.date(2027, 7, 12), datetime.date(2027, 7, 19)) == "du 12 au 19\u00a0juillet 2027"
    )
    assert (
        formatting.date_range(datetime.date(2027, 7, 28), datetime.date(2027, 8, 5))
        == "du 28\u00a0juillet au 5\u00a0août 2027"
    )
    assert (
        formatting.date_range(datetime.date(2026, 12, 26), datetime.date(2027, 1, 1))
        == "du 26\u00a0décembre 2026 au 1er\u00a0janvier 2027"
    )
    assert formatting.date_range(datetime.date(2027, 3, 3), datetime.date(2027, 3, 3)) == "le 3\u00a0mars 2027"
    assert formatting.age_range(6, 10) == "de 6 à 10 ans"
    assert formatting.age_range(1, 1) == "1 an"
    assert formatting.time_of_day(datetime.time(14, 30)) == "14\u00a0h\u00a030"
    assert formatting.time_of_day(datetime.time(9, 0)) == "9\u00a0h"


def test_iban_check_digits():
    validate_iban("FR76 3000 6000 0112 3456 7890 189")
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_iban("FR76 3000 6000 0112 3456 7890 188")
    with pytest.raises(ValidationError, match="format"):
        validate_iban("pas un iban")


def test_club_settings_normalise_bank_details():
    club = ClubSettings(iban="fr76 3000 6000 0112 3456 7890 189", bic="ccop fr pp")
    club.clean()
    assert club.iban == "FR7630006000011234567890189"
    assert club.iban_display == "FR76 3000 6000 0112 3456 7890 189"
    assert club.bic == "CCOPFRPP"


def test_season_and_link_validators():
    validate_season("2026-2027")
    for bad in ("2026-2028", "2026/2027", "26-27"):
        with pytest.raises(ValidationError):
            validate_season(bad)
    validate_link("/compte/signup/")
    validate_link("https://www.le-po.com/")
    for bad in ("//evil.example/", "javascript:alert(1)", "compte"):
        with pytest.raises(ValidationError):
            validate_link(bad)
