"""Issue 16's journey at 360 px, in headless Chromium: money in, and the enrollment following it.

A parent whose stay the club validated pays the deposit online (the real HelloAsso
backend, against the local fake of HelloAsso's API and its simulated payment page):
back on the site, the page says it is received and the dashboard shows the deposit
paid, and the attestation de paiement downloads. A first attempt with a card refused
debits nothing and says so. Then the treasurer
imports the bank's statement, which holds the family's transfer of the balance: the
enrollment is « soldée », and the parent's dashboard says so.
"""

import datetime
import io
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment, EnrollmentStatus
from memberspace.payments.models import Payment, PaymentState
from tests.auth import give_totp
from tests.browser.pages import LoginPage
from tests.factories import (
    PASSWORD,
    ChildFactory,
    ParentFactory,
    StaffFactory,
    StayIndexPageFactory,
    StayPageFactory,
    club_settings,
)
from tests.memberspace.payments.test_statements import camt053
from tests.servers import FakeHelloAsso

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 360, "height": 740}
WIDE = {"width": 1280, "height": 900}
NBSP = "\u00a0"


@pytest.fixture
def helloasso(settings):
    fake = FakeHelloAsso("po-client", "po-secret", "le-po").start()
    settings.PAYMENT_BACKEND = "memberspace.payments.backends.helloasso.HelloAssoBackend"
    settings.HELLOASSO_API_BASE_URL = fake.base_url
    settings.HELLOASSO_CLIENT_ID = "po-client"
    settings.HELLOASSO_CLIENT_SECRET = "po-secret"  # noqa: S105 (the fake's)
    settings.HELLOASSO_ORGANIZATION_SLUG = "le-po"
    settings.HELLOASSO_TIMEOUT = 5
    yield fake
    fake.stop()


def test_a_parent_pays_the_deposit_online_and_the_treasurer_imports_the_balance(
    new_page, live_site, secretary, helloasso, roles, tmp_path
):
    club_settings(
        deposit_due_days=15,
        bank_account_holder="Association Le PO",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        cheque_payee="Le PO",
    )
    start = timezone.localdate() + datetime.timedelta(days=75)
    stay = StayPageFactory(
        parent=StayIndexPageFactory(parent=live_site),
        title="Neige à Morzine",
        start_date=start,
        end_date=start + datetime.timedelta(days=6),
        price=Decimal("450.00"),
        deposit_amount=Decimal("150.00"),
    )
    mother = ParentFactory(email="claire.martin@exemple.fr", first_name="Claire", last_name="Martin")
    lea = ChildFactory(
        first_name="Léa",
        last_name="Martin",
        birth_date=start.replace(year=start.year - 9),
        guardians=[(mother, "mere")],
    )
    (requested,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    enrollment = enrollments.validate(requested, by=secretary)

    page = new_page(viewport=NARROW)
    LoginPage(page).log_in(mother.email, PASSWORD)
    page.wait_for_url("**/espace-adherent/")
    item = page.locator(".enrollments li").filter(has_text="Neige à Morzine")
    expect(item).to_contain_text(f"Acompte : 150{NBSP}€ à régler avant le")
    item.get_by_role("link", name="Neige à Morzine").click()

    payment = page.get_by_role("region", name="Paiement")
    expect(payment.get_by_role("button", name=f"Payer l'acompte en ligne : 150{NBSP}€")).to_be_visible()
    expect(payment.locator(".transfer-code__image")).to_be_visible()  # the transfer's QR code, for a banking app
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone

    # A card refused: nothing debited, the parent can try again.
    payment.get_by_role("button", name=f"Payer l'acompte en ligne : 150{NBSP}€").click()
    expect(page.get_by_role("heading", name="Paiement HelloAsso (simulé)")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Montant : 150,00 €")
    page.get_by_role("button", name="Carte refusée").click()
    expect(page.locator(".messages")).to_contain_text("Le paiement n'a pas abouti : rien n'a été débité.")
    assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.VALIDATED

    # Paid: back on the enrollment's page, the money is there, the place secured.
    payment.get_by_role("button", name=f"Payer l'acompte en ligne : 150{NBSP}€").click()
    page.get_by_role("button", name="Payer 150,00 €").click()
    expect(page.locator(".messages")).to_contain_text(f"Paiement de 150{NBSP}€ reçu : merci !")
    expect(payment).to_contain_text("L'acompte est réglé : la place est réservée.")
    expect(payment).to_contain_text("Carte bancaire en ligne (HelloAsso)")
    expect(payment.get_by_role("button", name=f"Payer en ligne : 300{NBSP}€")).to_be_visible()
    received = Payment.objects.get(state=PaymentState.RECEIVED)
    assert received.amount == Decimal("150.00") and received.provider_payment_id
    assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.DEPOSIT_RECEIVED

    # The attestation de paiement, for a works council or the CAF: a PDF that says what was paid.
    with page.expect_download() as download:
        payment.get_by_role("link", name="Attestation de paiement (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    text = " ".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(download.value.path().read_bytes())).pages)
    assert "Léa Martin" in text and enrollment.reference in text and "150" in text

    page.goto("/espace-adherent/")
    expect(item).to_contain_text(f"Reçu : 150{NBSP}€. L'acompte est réglé : la place est réservée.")
    expect(item).to_contain_text(f"Solde : 300{NBSP}€ à régler avant le")

    # The treasurer imports the statement holding the family's transfer of the balance.
    treasurer = StaffFactory(
        email="tresorerie@le-po.test", first_name="Tom", last_name="Trésorier", groups=["Trésorerie"]
    )
    EmailAddress.objects.create(user=treasurer, email=treasurer.email, verified=True, primary=True)
    secret = give_totp(treasurer)
    statement = tmp_path / "releve-decembre.xml"
    statement.write_bytes(
        camt053([{"amount": "300.00", "payer": "MME CLAIRE MARTIN", "text": f"SOLDE SEJOUR {enrollment.reference}"}])
    )
    desk = new_page(viewport=WIDE)
    LoginPage(desk).log_in(treasurer.email, PASSWORD, totp_secret=secret)
    desk.wait_for_url("**/admin/**")
    desk.goto(reverse("payments_statementline_modeladmin_import"))
    desk.get_by_label("Relevé").set_input_files(statement)
    desk.get_by_role("button", name="Importer").click()
    expect(desk.locator(".messages")).to_contain_text("Relevé « releve-decembre.xml » importé")
    assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.PAID
    desk.goto(reverse("payments_totals"))
    expect(desk.locator("table.listing tbody")).to_contain_text(f"450{NBSP}€")

    page.goto("/espace-adherent/")
    expect(item).to_contain_text(f"Soldée : 450{NBSP}€ payés, plus rien à régler.")
