"""A family whose stay the club validated: 450 € with a 150 € deposit, two guardians told of each payment."""

import datetime
from decimal import Decimal

import pytest

from memberspace.enrollments import services as enrollments
from tests import dates
from tests.factories import ChildFactory, ParentFactory, StaffFactory, StayPageFactory, club_settings
from tests.servers import FakeHelloAsso

CLIENT_ID = "po-client-id"
CLIENT_SECRET = "po-client-secret"  # noqa: S105 (a test value)
SLUG = "le-po"


@pytest.fixture
def club(home):
    return club_settings(
        contact_email="secretariat@le-po.test",
        deposit_due_days=15,
        balance_due_days_before_start=30,
        bank_account_holder="Association Le PO",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        cheque_payee="Le PO",
    )


@pytest.fixture
def mother(db):
    return ParentFactory(email="claire.martin@exemple.fr", first_name="Claire", last_name="Martin")


@pytest.fixture
def father(db):
    return ParentFactory(email="paul.martin@exemple.fr", first_name="Paul", last_name="Martin")


@pytest.fixture
def lea(mother, father):
    birth = dates.years_before(dates.offer_start(), 9)
    return ChildFactory(
        first_name="Léa", last_name="Martin", birth_date=birth, guardians=[(mother, "mere"), (father, "pere")]
    )


@pytest.fixture
def stay(club, stay_index):
    return StayPageFactory(
        parent=stay_index,
        title="Neige à Morzine",
        start_date=dates.offer_start(),
        end_date=dates.offer_start() + datetime.timedelta(days=6),
        capacity=10,
        price=Decimal("450.00"),
        deposit_amount=Decimal("150.00"),
    )


@pytest.fixture
def enrollment(stay, lea, mother, secretary):
    (requested,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    return enrollments.validate(requested, by=secretary)


@pytest.fixture
def treasurer(roles):
    return StaffFactory(email="tresorerie@le-po.test", first_name="Tom", last_name="Trésorier", groups=["Trésorerie"])


@pytest.fixture
def helloasso(settings):
    """HelloAsso's API faked on loopback, and the real HelloAsso backend (its own client) pointed at it."""
    fake = FakeHelloAsso(CLIENT_ID, CLIENT_SECRET, SLUG).start()
    settings.PAYMENT_BACKEND = "memberspace.payments.backends.helloasso.HelloAssoBackend"
    settings.HELLOASSO_API_BASE_URL = fake.base_url
    settings.HELLOASSO_CLIENT_ID = CLIENT_ID
    settings.HELLOASSO_CLIENT_SECRET = CLIENT_SECRET
    settings.HELLOASSO_ORGANIZATION_SLUG = SLUG
    settings.HELLOASSO_TIMEOUT = 5
    yield fake
    fake.stop()
