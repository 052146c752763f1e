"""The tester's pre-registration attack, replayed in headless Chromium with two browsers.

An attacker signs up first with a parent's address, their own password, phone and a
message naming the parent's children; then the parent signs up with the same address
and follows the link they receive. The parent must end with an account holding their
own password and details, with nothing of the attacker's on it.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from memberspace.accounts.models import User
from tests.browser.pages import LoginPage, SignupPage

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ADDRESS = "camille.petit@exemple.fr"
PARENT = {
    "first_name": "Camille",
    "last_name": "Petit",
    "email": ADDRESS,
    "password": "Le-mot-de-passe-de-Camille-2026",
    "phone": "06 12 34 56 78",
    "street": "3 rue des Lilas",
    "postal_code": "75020",
    "city": "Paris",
    "notification_label": "Par e-mail",
    "message": "Mes enfants Zoé et Noé Petit font du théâtre au PO.",
}
ATTACKER = {
    **PARENT,
    "password": "Le-mot-de-passe-du-pirate-99",
    "phone": "07 99 88 77 66",
    "street": "1 impasse du Pirate",
    "postal_code": "13001",
    "city": "Marseille",
    "notification_label": "Par SMS",
    "message": "Zoé et Noé Petit sont mes enfants, merci de les rattacher.",
}
CONFIRM_LINK = r"https?://[^\s]+/compte/confirm-email/[^\s]+"


def links_in_mail():
    return [match.group(0) for message in mail.outbox if (match := re.search(CONFIRM_LINK, message.body))]


def test_a_parent_whose_address_was_pre_registered_gets_an_account_of_their_own(new_page, live_site):
    attacker, parent = new_page(), new_page()

    SignupPage(attacker).open().fill(ATTACKER).accept_privacy_policy().submit()
    attacker.wait_for_url("**/compte/confirm-email/")
    [attackers_link] = links_in_mail()  # it lands in the parent's mailbox

    # The parent signs up with their own details: the same page as for anybody.
    SignupPage(parent).open().fill(PARENT).accept_privacy_policy().submit()
    parent.wait_for_url("**/compte/confirm-email/")
    assert "Étape 2" in parent.inner_text("main")
    [_, parents_link] = links_in_mail()

    # The link of the parent's own email names the parent's account, then confirms it.
    parent.goto(parents_link)
    summary = parent.locator("#compte-a-confirmer").inner_text()
    assert "Camille Petit" in summary and "se terminant par 78" in summary and "66" not in summary
    parent.get_by_role("button", name=re.compile("Confirmer", re.I)).click()
    parent.goto("/espace-adherent/")
    main = parent.inner_text("main")
    assert "Votre compte est en attente de validation par le club" in main
    assert "07 99 88 77 66" not in main

    # The attacker's link, followed from the parent's mailbox, no longer confirms anything.
    parent.goto(attackers_link)
    expect(parent.locator("main")).to_contain_text("Ce lien n'est plus valable")
    expect(parent.get_by_role("button", name=re.compile("Confirmer", re.I))).to_have_count(0)

    # The attacker's password opens nothing.
    attacker.context.clear_cookies()
    LoginPage(attacker).log_in(ADDRESS, ATTACKER["password"])
    expect(attacker.locator("main")).to_contain_text("L’adresse e-mail ou le mot de passe sont incorrects")

    # The parent's account holds the parent's password and details, and nothing of the attacker's.
    account = User.objects.get(email=ADDRESS)
    assert account.check_password(PARENT["password"]) and not account.check_password(ATTACKER["password"])
    assert (account.phone, account.street, account.city, account.notification_preference) == (
        "+33612345678",
        PARENT["street"],
        "Paris",
        "email",
    )
    assert account.club_message == PARENT["message"]
    assert User.objects.filter(email__iexact=ADDRESS).count() == 1
    assert not User.objects.filter(phone="+33799887766").exists()

    # And the parent signs in with their own password.
    parent.context.clear_cookies()
    LoginPage(parent).log_in(ADDRESS, PARENT["password"])
    parent.wait_for_url("**/espace-adherent/")
