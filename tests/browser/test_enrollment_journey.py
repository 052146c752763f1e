"""Steps 5 and 6 of the enrollments in headless Chromium: a validated parent requests a stay for
a child; the secretariat validates it in the admin; the confirmation email holds the deposit
terms; the parent's dashboard shows the validated enrollment."""

import datetime
import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone, translation
from playwright.sync_api import expect
from wagtail.models import Site

from memberspace.enrollments.models import Enrollment, EnrollmentStatus
from memberspace.families.models import Child, Guardianship
from pages import formatting
from pages.models import ClubSettings
from tests.auth import give_totp
from tests.browser.pages import (
    AdminEnrollmentsPage,
    DashboardPage,
    EnrollmentRequestPage,
    LoginPage,
    log_in_where_sent,
)
from tests.factories import PASSWORD, StayIndexPageFactory, StayPageFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NBSP = "\u00a0"


def test_a_stay_is_requested_validated_and_its_deposit_terms_reach_the_parent(new_page, live_site, secretary):
    club = ClubSettings.for_site(Site.objects.get(is_default_site=True))
    club.contact_email = "secretariat@le-po.test"
    club.phone = "01 42 00 00 00"
    club.deposit_due_days = 15
    club.bank_account_holder = "Association Le PO"
    club.bank_name = "Crédit Coopératif"
    club.iban = "FR7630006000011234567890189"
    club.bic = "AGRIFRPP"
    club.cheque_payee = "Le PO"
    club.cheque_address = "12 rue des Écoles\n75005 Paris"
    club.save()
    start = timezone.localdate() + datetime.timedelta(days=60)
    stay = StayPageFactory(
        parent=StayIndexPageFactory(parent=live_site),
        title="Neige à Morzine",
        capacity=12,
        start_date=start,
        end_date=start + datetime.timedelta(days=6),
        price=Decimal("1250.50"),
        deposit_amount=Decimal("300.00"),
    )
    parent = UserFactory(
        email="claire.martin@exemple.fr", first_name="Claire", last_name="Martin", account_status="validated"
    )
    EmailAddress.objects.create(user=parent, email=parent.email, verified=True, primary=True)
    lea = Child.objects.create(
        first_name="Léa",
        last_name="Martin",
        birth_date=start.replace(year=start.year - 8) - datetime.timedelta(days=30),
    )
    Guardianship.objects.create(child=lea, parent=parent, relationship="mere")

    # The parent, on a phone, asks for the stay from its public page; the login brings her back.
    page = new_page()
    request_url = re.compile(rf"/espace-adherent/inscriptions/demande/\?offre={stay.pk}$")
    form = EnrollmentRequestPage(page).open_from_offer(stay.url)
    page.wait_for_url(re.compile(r"/compte/login/\?next="))
    log_in_where_sent(page, parent.email, PASSWORD)
    page.wait_for_url(request_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Demander l'inscription à « Neige à Morzine »")
    expect(page.locator("main")).to_contain_text(f"acompte de 300{NBSP}€ à la validation")
    form.fill(["Léa Martin"], comment="Léa peut partager une chambre avec sa cousine.").submit()
    page.wait_for_url("**/espace-adherent/")
    # Its position in line, from the first second (issue 15).
    expect(page.locator(".messages")).to_contain_text(
        f"Demande envoyée pour Léa : 1re demande pour {stay.capacity} places. "
        "Le club vous confirmera l'inscription par e-mail."
    )
    dashboard = DashboardPage(page)
    expect(dashboard.status_of("Léa Martin", "Neige à Morzine")).to_have_text("Demandée")
    enrollment = Enrollment.objects.get(child=lea, offer=stay)
    assert enrollment.status == EnrollmentStatus.REQUESTED
    assert enrollment.parent_comment == "Léa peut partager une chambre avec sa cousine."
    assert re.fullmatch(rf"PO-{enrollment.requested_at.year}-\d{{5}}", enrollment.reference)

    # The secretariat, with its second factor, validates the request from the stay's listing.
    EmailAddress.objects.create(user=secretary, email=secretary.email, verified=True, primary=True)
    secret = give_totp(secretary)
    staff = new_page(viewport={"width": 1280, "height": 900})
    LoginPage(staff).log_in(secretary.email, PASSWORD, totp_secret=secret)
    staff.wait_for_url("**/admin/")
    enrollments = AdminEnrollmentsPage(staff).open(stay.pk)
    row = enrollments.row("Léa Martin")
    expect(row).to_contain_text("Demandée")
    expect(row).to_contain_text("Léa peut partager une chambre")
    mail.outbox.clear()
    enrollments.validate("Léa Martin")
    expect(staff.locator(".messages")).to_contain_text(
        "Inscription de Léa Martin à « Neige à Morzine » validée ; les parents reçoivent l'acompte."
    )
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.VALIDATED and enrollment.validated_by == secretary
    due = timezone.localdate() + datetime.timedelta(days=15)
    assert enrollment.deposit_due_date == due
    with translation.override("fr"):
        due_text = formatting.day_month(due)

    # The confirmation email holds the deposit terms.
    (confirmation,) = [message for message in mail.outbox if message.to == [parent.email]]
    assert "Inscription validée : Léa à « Neige à Morzine »" in confirmation.subject
    for expected in (
        "Bonjour Claire,",
        "Léa Martin",
        f"1{NBSP}250,50{NBSP}€",
        f"réglez l'acompte de 300{NBSP}€ avant le {due_text}",
        enrollment.reference,
        "IBAN FR76 3000 6000 0112 3456 7890 189, BIC AGRIFRPP",
        "à l'ordre de « Le PO »",
        "12 rue des Écoles",
    ):
        assert expected in confirmation.body, expected
    (html, _mimetype), *_ = confirmation.alternatives
    assert f"300{NBSP}€" in html and enrollment.reference in html

    # The parent finds the enrollment validated, and its deposit terms on its page.
    page.reload()
    expect(dashboard.status_of("Léa Martin", "Neige à Morzine")).to_have_text("Validée")
    dashboard.open_enrollment("Léa Martin", "Neige à Morzine")
    page.wait_for_url(f"**/espace-adherent/inscriptions/{enrollment.pk}/")
    main = page.locator("main")
    expect(main).to_contain_text(enrollment.reference)
    expect(main).to_contain_text("Validée")
    deposit = page.get_by_role("region", name="Paiement")
    expect(deposit).to_contain_text(f"Réglez 300{NBSP}€ avant le {due_text} pour sécuriser la place.")
    expect(deposit).to_contain_text("IBAN FR76 3000 6000 0112 3456 7890 189, BIC AGRIFRPP")
    expect(deposit).to_contain_text(f"à l'ordre de « Le PO », avec la référence {enrollment.reference} au dos")
    expect(page.get_by_role("button", name="Annuler cette demande")).to_have_count(0)
