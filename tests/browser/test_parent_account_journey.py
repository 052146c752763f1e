"""Steps 1 to 4 of the announcement in headless Chromium: a parent signs up on a phone,
verifies the email, waits; the secretariat validates in the admin; the parent logs in."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from memberspace.accounts.models import AccountStatus, User
from memberspace.notifications.models import Notification
from tests.auth import give_totp
from tests.browser.pages import AdminAccountsPage, LoginPage, SignupPage, last_link_in_mail
from tests.factories import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PARENT = {
    "first_name": "Léa",
    "last_name": "Martin",
    "email": "lea.martin@exemple.fr",
    "password": "Un-mot-de-passe-solide-2026",
    "phone": "06 12 34 56 78",
    "street": "12 rue des Écoles",
    "postal_code": "75005",
    "city": "Paris",
    "notification_label": "Par e-mail et par SMS",
    "message": "Mes enfants Jules et Emma Martin font du judo au PO.",
}


def test_parent_signs_up_and_the_secretariat_validates(new_page, live_site, secretary):
    from allauth.account.models import EmailAddress

    page = new_page()
    signup = SignupPage(page).open()
    assert "vos propres informations" in page.content()

    # A mistake first: nothing typed is lost, the message sits next to the field.
    signup.fill({**PARENT, "phone": "12 34"}).accept_privacy_policy().submit()
    assert page.locator("#id_phone_error").inner_text().startswith("Ce numéro de téléphone n'est pas valide")
    assert page.get_by_label("Votre prénom").input_value() == "Léa"
    assert page.get_by_label("Message à l'intention du club").input_value() == PARENT["message"]
    page.get_by_label("Votre téléphone portable").fill(PARENT["phone"])
    page.get_by_label("J'ai lu la politique de confidentialité").check()
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/compte/confirm-email/")
    assert "Étape 2" in page.inner_text("main")

    # Step 2: the link in the email.
    link = last_link_in_mail(r"https?://[^\s]+/compte/confirm-email/[^\s]+")
    page.goto(link)
    page.get_by_role("button", name=re.compile("Confirmer", re.I)).click()
    page.goto("/espace-adherent/")
    assert "Votre compte est en attente de validation par le club" in page.inner_text("main")
    assert "jusqu'à 24 h, hors week-end" in page.inner_text("main")

    # Step 3: the secretariat, with its second factor, validates in the admin.
    EmailAddress.objects.create(user=secretary, email=secretary.email, verified=True, primary=True)
    secret = give_totp(secretary)
    staff = new_page(viewport={"width": 1280, "height": 900})
    LoginPage(staff).log_in(secretary.email, PASSWORD, totp_secret=secret)
    staff.wait_for_url("**/admin/")
    accounts = AdminAccountsPage(staff).open()
    assert "Mes enfants Jules et Emma Martin font du judo au PO." in staff.content()
    accounts.validate("Léa Martin")
    expect(staff.locator(".messages")).to_contain_text("est validé ; le parent est prévenu")
    parent = User.objects.get(email=PARENT["email"])
    assert parent.account_status == AccountStatus.VALIDATED
    assert set(
        Notification.objects.filter(user=parent, kind="account_validated").values_list("channel", flat=True)
    ) == {
        "email",
        "sms",
    }
    assert any("Votre compte du PO est validé" in message.subject for message in mail.outbox)

    # Step 4: the parent logs in again and finds the member area open.
    page.context.clear_cookies()
    LoginPage(page).log_in(PARENT["email"], PARENT["password"])
    page.wait_for_url("**/espace-adherent/")
    main = page.inner_text("main")
    assert "Bonjour Léa" in main and "Votre compte est validé" in main and "Mes enfants" in main
