"""Confirming the address (step 2): the link opened again, the words used, allauth's emails as text."""

import re
from html import unescape

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.core import mail, signing
from django.urls import reverse

from memberspace.notifications.models import Notification
from tests.auth import totp_code
from tests.factories import PASSWORD, ParentFactory
from tests.memberspace.accounts.test_accounts import SIGNUP as ACCOUNTS_SIGNUP

pytestmark = pytest.mark.django_db

SIGNUP = {**ACCOUNTS_SIGNUP, "notification_preference": "email", "club_message": ""}
INVALID = "Ce lien n'est plus valable"
ALREADY = "Cette adresse e-mail est déjà confirmée"


def text(response):
    return unescape(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


def links(response):
    """The page's own links (not the site's header and footer)."""
    return [a["href"] for a in BeautifulSoup(response.content, "html.parser").select("main a[href]")]


@pytest.fixture
def link(client, home, django_capture_on_commit_callbacks):
    """The verification link of a fresh sign-up, as the email gives it."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), SIGNUP)
    [message] = mail.outbox
    return re.search(r"https?://testserver(/compte/confirm-email/[^\s]+)", message.body).group(1)


# Item 8: a link opened a second time


def test_a_link_opened_again_says_the_address_is_already_confirmed_and_offers_to_log_in(client, link):
    assert client.post(link).status_code == 302  # confirmed (and logged in)
    assert EmailAddress.objects.get(email=SIGNUP["email"]).verified

    again = client.get(link)  # same browser, logged in: on to the member area
    assert again.status_code == 200
    assert ALREADY in text(again) and INVALID not in text(again)
    assert reverse("memberspace:dashboard") in links(again)

    elsewhere = client.__class__().get(link)  # another device, not logged in: log in
    assert ALREADY in text(elsewhere) and INVALID not in text(elsewhere)
    assert reverse("account_login") in links(elsewhere)


def test_the_confirm_button_sent_twice_says_already_confirmed_not_an_error(client, link):
    assert client.post(link).status_code == 302
    again = client.post(link)
    assert again.status_code == 200 and ALREADY in text(again)


def test_a_bogus_or_unknown_key_still_says_the_link_is_not_valid(client, home):
    known = ParentFactory()  # verified; only its own link may say so
    unknown_pk = signing.dumps(obj=EmailAddress.objects.order_by("pk").last().pk + 1000, salt="account")
    forged = signing.dumps(obj=known.emailaddress_set.get().pk, salt="another-salt")
    for key in ("n-importe-quoi", unknown_pk, forged):
        page = client.get(reverse("account_confirm_email", args=[key]))
        assert page.status_code == 200
        assert INVALID in text(page) and ALREADY not in text(page), key


# allauth's own emails are plain text too


def test_allauths_emails_show_addresses_as_typed(home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        get_adapter().send_mail(
            "account/email/email_changed",
            "o'neil@exemple.fr",
            {"from_email": "o'neil@exemple.fr", "to_email": 'zoe"&<x>@exemple.fr'},
        )
    row = Notification.objects.get(kind="compte/email_changed")
    assert "o'neil@exemple.fr" in row.body_text and 'zoe"&<x>@exemple.fr' in row.body_text
    assert not re.search(r"&(#x?[0-9a-fA-F]+|[a-z]+);", row.subject + row.body_text)
    assert "zoe&quot;&amp;&lt;x&gt;@exemple.fr" in row.body_html  # the HTML part stays escaped


# Item 10: confirming the address is not « strong authentication »; the second factor is offered


def test_the_sign_up_pages_and_emails_call_the_verification_confirming_the_address(client, link):
    pages = [
        client.get(reverse("account_signup")),
        client.get(reverse("account_email_verification_sent")),
        client.get(link),
    ]
    [email] = mail.outbox
    for words in [text(page) for page in pages] + [email.subject, email.body]:
        assert "authentification forte" not in words.lower()
    sent = text(pages[1])
    assert "confirmer que cette adresse est bien la vôtre" in sent


def test_the_profile_offers_the_second_factor_and_a_parent_can_set_it_up_and_come_back(client, home):
    parent = ParentFactory(email="claire@exemple.fr")
    client.force_login(parent)
    profile = client.get(reverse("memberspace:profile"))
    section = BeautifulSoup(profile.content, "html.parser").find(id="double-authentification")
    assert section is not None
    assert "facultative" in section.get_text() and "code à six chiffres" in section.get_text()
    activate = reverse("mfa_activate_totp")
    assert activate in [a["href"] for a in section.select("a[href]")]

    # Setting it up asks for the password again (allauth's re-authentication), then shows the QR code.
    response = client.get(activate)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    page = client.get(activate)
    assert page.status_code == 200
    response = client.post(activate, {"code": totp_code(page.context["form"].secret)})
    assert response.status_code == 302
    codes = client.get(response["Location"])  # the recovery codes, then back to the profile
    assert codes.status_code == 200
    assert reverse("memberspace:profile") in [
        a["href"] for a in BeautifulSoup(codes.content, "html.parser").select("a")
    ]
    assert client.get(reverse("mfa_index")).status_code == 200

    section = BeautifulSoup(client.get(reverse("memberspace:profile")).content, "html.parser").find(
        id="double-authentification"
    )
    assert "est activée" in section.get_text()
    assert reverse("mfa_index") in [a["href"] for a in section.select("a[href]")]


def test_the_demo_steps_page_calls_the_verification_confirming_the_address():
    """The club's « how to sign up » steps (demo content) say what the verification is too."""
    from pages.demo.content import STEPS

    [(title, body)] = [(title, body) for title, body in STEPS if "adresse e-mail" in title.lower()]
    assert "authentification forte" not in body.lower()
    assert "bien la vôtre" in body
