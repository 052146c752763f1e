"""Parent accounts: sign-up, verification, the club's validation, the member area's shell."""

import re
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse
from wagtail.models import ModelLogEntry

from memberspace.accounts import services as accounts
from memberspace.accounts.models import AccountStatus, User
from memberspace.accounts.services import AccountError
from memberspace.notifications.models import Notification
from tests.admin_urls import admin_url
from tests.auth import login_staff
from tests.factories import PASSWORD, ParentFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "first_name": "Marie",
    "last_name": "Dupont",
    "email": "marie.dupont@exemple.fr",
    "password1": "Un-mot-de-passe-solide-2026",
    "phone": "06 12 34 56 78",
    "street": "12 rue des Écoles",
    "postal_code": "75005",
    "city": "Paris",
    "notification_preference": "both",
    "club_message": "Mes enfants Léa et Hugo Dupont sont déjà au judo.",
    "privacy_consent": "on",
}


def text(response):
    return unescape(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


def field_errors(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        error["id"].removesuffix("_error").removeprefix("id_"): error.get_text(" ", strip=True)
        for error in soup.select(".field__error")
    }


def sign_up(client, **overrides):
    return client.post(reverse("account_signup"), {**SIGNUP, **overrides})


# The journey, steps 1 to 4


def test_sign_up_verify_wait_validate_log_in(client, home, secretary, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="marie.dupont@exemple.fr")
    assert (user.first_name, user.phone, user.postal_code) == ("Marie", "+33612345678", "75005")
    assert user.account_status == AccountStatus.PENDING and user.pending_since is None
    assert user.club_message == SIGNUP["club_message"] and user.privacy_consent_at
    assert "Étape 2" in text(client.get(response["Location"]))

    # Step 2: the verification email went through the outbox.
    row = Notification.objects.get(kind="compte/email_confirmation_signup")
    assert row.status == "sent" and row.address == user.email
    [message] = mail.outbox
    assert message.subject == "Le PO : Validez votre adresse e-mail (étape 2)"
    link = re.search(r"https?://testserver(/compte/confirm-email/[^\s]+)", message.body).group(1)
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.pending_since is not None  # waiting for the club from now on
    assert ModelLogEntry.objects.filter(action="po.account.email_verified", object_id=str(user.pk)).exists()

    # Logged in after the confirmation: the dashboard says what happens next, and nothing else is offered.
    response = client.get(reverse("memberspace:dashboard"))
    dashboard = text(response)
    assert "Votre compte est en attente de validation par le club" in dashboard
    assert "jusqu'à 24 h, hors week-end" in dashboard
    assert BeautifulSoup(response.content, "html.parser").find(id="mes-enfants") is None
    assert client.get(reverse("memberspace:profile")).status_code == 302

    # Step 3: the secretariat validates in the admin; the parent is told by email and SMS.
    staff = client_class_for(client)
    login_staff(staff, secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(admin_url("accounts.parentaccount", "validate", user.pk))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.account_status == AccountStatus.VALIDATED
    rows = Notification.objects.filter(kind="account_validated", user=user)
    assert {row.channel for row in rows} == {"email", "sms"}
    email_row = rows.get(channel="email")
    assert "Étape 4" in email_row.body_text and "/compte/login/" in email_row.body_text

    # Step 4: log in again with email and password.
    client.post(reverse("account_logout"))
    response = client.post(
        reverse("account_login"), {"login": "Marie.Dupont@exemple.fr", "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302
    dashboard = text(client.get(response["Location"]))
    assert "Bonjour Marie" in dashboard and "Votre compte est validé" in dashboard and "Mes enfants" in dashboard


def client_class_for(client):
    return client.__class__()


# Sign-up form


def test_signup_form_says_these_are_the_parents_details(client, home):
    page = text(client.get(reverse("account_signup")))
    assert "vos propres informations, en tant que parent" in page
    assert "Message à l'intention du club" in page
    assert "Si vos enfants sont déjà membres du PO, indiquez impérativement ici leurs nom et prénom" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": "12 34"}, "phone", "Ce numéro de téléphone n'est pas valide"),
        ({"phone": "01 42 68 53 00"}, "phone", "Indiquez un numéro de téléphone portable"),
        ({"privacy_consent": ""}, "privacy_consent", "Vous devez accepter la politique de confidentialité"),
        ({"club_message": "x" * 2001}, "club_message", "au plus 2000 caractères"),
        ({"postal_code": "7500"}, "postal_code", "Le code postal compte 5 chiffres"),
        ({"email": "pas-une-adresse"}, "email", "Saisissez une adresse de courriel valide."),
        ({"password1": "123456789012"}, "password1", "entièrement numérique"),
        ({"first_name": ""}, "first_name", "Indiquez votre prénom."),
        ({"email": ""}, "email", "Indiquez votre adresse e-mail."),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_lost(client, home, overrides, field, message):
    response = sign_up(client, **overrides)
    assert response.status_code == 200
    errors = field_errors(response)
    assert message in errors[field], errors
    assert not User.objects.exists()
    soup = BeautifulSoup(response.content, "html.parser")
    for name, value in SIGNUP.items():
        if name in overrides or name in ("privacy_consent", "notification_preference"):
            continue
        element = soup.find(attrs={"name": name})
        typed = element.get_text() if element.name == "textarea" else element.get("value")
        assert (typed or "").strip() == value, name
    assert soup.find("input", {"name": "notification_preference", "value": "both"}).has_attr("checked")
    assert soup.find(id=f"id_{field}").get("aria-invalid") == "true" if field != "privacy_consent" else True


# No enumeration


def test_signup_answers_the_same_for_a_known_email(client, home):
    ParentFactory(email="deja@exemple.fr")
    known = sign_up(client, email="deja@exemple.fr")
    unknown = client.__class__().post(reverse("account_signup"), {**SIGNUP, "email": "nouveau@exemple.fr"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert User.objects.filter(email="deja@exemple.fr").count() == 1


def test_password_reset_answers_the_same_for_known_and_unknown_emails(client, home):
    ParentFactory(email="connu@exemple.fr")
    known = client.post(reverse("account_reset_password"), {"email": "connu@exemple.fr"})
    unknown = client.post(reverse("account_reset_password"), {"email": "inconnu@exemple.fr"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert text(client.get(known["Location"])) == text(client.get(unknown["Location"]))


def test_login_failure_does_not_say_whether_the_account_exists(client, home):
    ParentFactory(email="connu@exemple.fr")
    wrong_password = text(client.post(reverse("account_login"), {"login": "connu@exemple.fr", "password": "faux"}))
    no_account = text(client.post(reverse("account_login"), {"login": "personne@exemple.fr", "password": "faux"}))
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in wrong_password
    assert wrong_password.replace("connu@exemple.fr", "X") == no_account.replace("personne@exemple.fr", "X")


def test_repeated_bad_logins_hit_the_rate_limit(client, home):
    ParentFactory(email="cible@exemple.fr")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "cible@exemple.fr", "password": "faux"})
    response = client.post(reverse("account_login"), {"login": "cible@exemple.fr", "password": PASSWORD})
    assert "Trop de tentatives" in text(response) or response.status_code == 429
    assert "_auth_user_id" not in client.session  # even the right password is refused for now


# Who reaches the member area


@pytest.mark.parametrize("status", [AccountStatus.PENDING, AccountStatus.REJECTED])
def test_pending_or_rejected_parents_reach_only_the_dashboard(client, home, status):
    client.force_login(ParentFactory(account_status=status, status_reason="Adresse inconnue du club."))
    dashboard = client.get(reverse("memberspace:dashboard"))
    assert dashboard.status_code == 200
    for url in (reverse("memberspace:profile"), reverse("memberspace:change_phone")):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, reverse("memberspace:dashboard"))
    if status == AccountStatus.REJECTED:
        assert "Adresse inconnue du club." in text(dashboard)


def test_logged_out_visitors_are_sent_to_login_and_back(client, home):
    response = client.get(reverse("memberspace:profile"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/espace-adherent/profil/"
    parent = ParentFactory()
    response = client.post(response["Location"], {"login": parent.email, "password": PASSWORD})
    assert response["Location"] == "/espace-adherent/profil/"


def test_validated_parent_edits_their_profile(client, home):
    parent = ParentFactory()
    client.force_login(parent)
    response = client.post(
        reverse("memberspace:profile"),
        {
            "first_name": "Marie",
            "last_name": "Durand",
            "street": "1 place",
            "postal_code": "69001",
            "city": "Lyon",
            "notification_preference": "sms",
        },
    )
    assert response.status_code == 302
    parent.refresh_from_db()
    assert (parent.last_name, parent.city, parent.notification_preference) == ("Durand", "Lyon", "sms")


def test_changing_the_phone_asks_for_the_password_again_and_keeps_the_number_typed(client, home, settings):
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    parent = ParentFactory()
    client.force_login(parent)
    response = client.post(reverse("memberspace:change_phone"), {"phone": "07 98 76 54 32"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    parent.refresh_from_db()
    assert parent.phone == "+33612345678"
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
    response = client.post(response["Location"], {"password": PASSWORD})
    parent.refresh_from_db()
    assert parent.phone == "+33798765432"  # the suspended request was resumed


def test_suspension_ends_the_parents_sessions(client, home, secretary):
    parent = ParentFactory()
    client.force_login(parent)
    assert client.get(reverse("memberspace:dashboard")).status_code == 200
    accounts.suspend(parent, by=secretary, reason="Impayés")
    response = client.get(reverse("memberspace:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    response = client.post(reverse("account_login"), {"login": parent.email, "password": PASSWORD})
    assert (
        "Votre compte est suspendu" in text(client.get(response["Location"]))
        if response.status_code == 302
        else ("Votre compte est suspendu" in text(response))
    )


def test_parents_may_turn_on_two_factor_authentication(client, home):
    client.force_login(ParentFactory())
    assert client.get(reverse("mfa_index")).status_code == 200
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code in (200, 302)  # 302: asks for the password first


# Transitions


def test_validate_requires_a_verified_email(secretary):
    user = UserFactory()  # pending, email never verified
    with pytest.raises(AccountError, match="n'a pas encore vérifié son adresse e-mail"):
        accounts.validate(user, by=secretary)


@pytest.mark.parametrize(
    ("status", "transition"),
    [
        (AccountStatus.VALIDATED, "validate"),
        (AccountStatus.REJECTED, "validate"),
        (AccountStatus.VALIDATED, "reject"),
        (AccountStatus.PENDING, "suspend"),
        (AccountStatus.REJECTED, "suspend"),
        (AccountStatus.VALIDATED, "reinstate"),
        (AccountStatus.PENDING, "reinstate"),
    ],
)
def test_forbidden_transitions_are_refused(secretary, status, transition):
    user = ParentFactory(account_status=status)
    kwargs = {"reason": "Motif"} if transition in ("reject", "suspend") else {}
    with pytest.raises(AccountError):
        getattr(accounts, transition)(user, by=secretary, **kwargs)
    user.refresh_from_db()
    assert user.account_status == status
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("start", "transition", "end", "kind", "active"),
    [
        (AccountStatus.PENDING, "validate", AccountStatus.VALIDATED, "account_validated", True),
        (AccountStatus.PENDING, "reject", AccountStatus.REJECTED, "account_rejected", True),
        (AccountStatus.VALIDATED, "suspend", AccountStatus.SUSPENDED, "account_suspended", False),
        (AccountStatus.SUSPENDED, "reinstate", AccountStatus.VALIDATED, "account_reinstated", True),
    ],
)
def test_allowed_transitions_log_and_notify(secretary, start, transition, end, kind, active):
    user = ParentFactory(account_status=start, notification_preference="both")
    kwargs = {"reason": "Nous ne retrouvons pas vos enfants."} if transition in ("reject", "suspend") else {}
    getattr(accounts, transition)(user, by=secretary, **kwargs)
    user.refresh_from_db()
    assert user.account_status == end and user.is_active == active
    entry = ModelLogEntry.objects.get(action=f"po.account.{transition}")
    assert entry.user == secretary and entry.object_id == str(user.pk)
    rows = Notification.objects.filter(kind=kind, user=user)
    assert {row.channel for row in rows} == {"email", "sms"}
    if kwargs:
        assert user.status_reason == kwargs["reason"]
        assert kwargs["reason"] in rows.get(channel="email").body_text


def test_a_reason_is_required_to_reject(secretary):
    with pytest.raises(AccountError, match="Indiquez le motif"):
        accounts.reject(ParentFactory(account_status=AccountStatus.PENDING), by=secretary, reason="  ")


def test_daily_digest_is_silent_when_nobody_waits(secretary):
    ParentFactory(account_status=AccountStatus.VALIDATED)
    assert accounts.send_waiting_accounts_digest() == 0
    assert not Notification.objects.exists()


def test_daily_digest_lists_the_waiting_accounts_for_the_secretariat(secretary):
    import datetime
    from zoneinfo import ZoneInfo

    now = datetime.datetime(2026, 11, 26, 8, tzinfo=ZoneInfo("Europe/Paris"))  # a Thursday
    ParentFactory(
        pending=True,
        pending_since=now - datetime.timedelta(days=2),
        first_name="Julien",
        last_name="Bernard",
        club_message="Léa et Hugo Bernard",
    )
    UserFactory()  # not verified yet: not waiting for the club
    assert accounts.send_waiting_accounts_digest(now=now) == 1
    row = Notification.objects.get(kind="secretariat_waiting_accounts")
    assert row.user == secretary and row.channel == "email"
    assert row.subject == "1 compte parent attend votre validation"
    assert "Julien Bernard" in row.body_text and "depuis 48 heures ouvrées" in row.body_text


def test_changing_the_email_or_two_factor_asks_for_the_password_again(client, home):
    client.force_login(ParentFactory())
    response = client.post(reverse("account_email"), {"email": "nouvelle@exemple.fr", "action_add": ""})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="nouvelle@exemple.fr").exists()
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))


def test_a_new_email_is_used_only_once_verified(client, home, django_capture_on_commit_callbacks):
    parent = ParentFactory(email="ancienne@exemple.fr")
    client.force_login(parent)
    response = client.post(reverse("account_email"), {"email": "nouvelle@exemple.fr", "action_add": ""})
    client.post(response["Location"], {"password": PASSWORD})  # re-authenticate, the change resumes
    parent.refresh_from_db()
    assert parent.email == "ancienne@exemple.fr"
    assert EmailAddress.objects.get(email="nouvelle@exemple.fr").verified is False
    assert Notification.objects.filter(kind="compte/email_confirmation", address="nouvelle@exemple.fr").exists()
