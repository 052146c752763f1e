"""Staff need their second factor for the admin, and there is no way in with a password alone."""

import pytest
from django.urls import reverse

from tests.admin_urls import admin_url
from tests.auth import give_totp, totp_code
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "/admin/",
    "/admin/pages/",
    "/admin/images/",
    admin_url("accounts.parentaccount"),
    admin_url("notifications.notification"),
    "/admin/users/",
    "/admin/account/",
]


@pytest.fixture
def staff_with_totp(secretary):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=secretary, email=secretary.email, verified=True, primary=True)
    return secretary, give_totp(secretary)


def password_login(client, user, path=None):
    return client.post(path or reverse("account_login"), {"login": user.email, "password": PASSWORD})


def assert_no_admin_page(client):
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert not response["Location"].startswith("/admin/"), (url, response["Location"])


def test_password_alone_never_opens_the_admin(client, staff_with_totp):
    user, secret = staff_with_totp
    response = password_login(client, user)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not signed in before the second factor
    assert_no_admin_page(client)


def test_the_admin_login_url_is_allauths(client, staff_with_totp):
    user, _ = staff_with_totp
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/compte/login/?next=/admin/pages/"
    response = password_login(client, user, path="/admin/login/")
    assert "_auth_user_id" not in client.session
    assert_no_admin_page(client)
    # Wagtail's own password views are off.
    assert client.get("/admin/password_reset/").status_code == 404
    anonymous_admin = client.get("/admin/")
    assert anonymous_admin["Location"].startswith("/compte/login/")


def test_password_then_totp_opens_the_admin(client, staff_with_totp):
    user, secret = staff_with_totp
    password_login(client, user)
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused(client, staff_with_totp):
    user, secret = staff_with_totp
    password_login(client, user)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert_no_admin_page(client)


def test_a_session_without_the_second_factor_is_sent_to_it(client, staff_with_totp):
    """A session opened before TOTP was set up, or by any other path than allauth's 2FA stage."""
    user, secret = staff_with_totp
    client.force_login(user)
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    target = admin_url("accounts.parentaccount")
    response = client.post(reverse("mfa_reauthenticate") + f"?next={target}", {"code": totp_code(secret)})
    assert response["Location"] == target
    assert client.get(target).status_code == 200


def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, secretary):
    client.force_login(secretary)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    assert_no_admin_page(client)


@pytest.mark.django_db(transaction=True)  # allauth signals the new authenticator on commit, in the request
def test_setting_up_totp_opens_the_admin(client, secretary):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=secretary, email=secretary.email, verified=True, primary=True)
    password_login(client, secretary)  # no authenticator yet: signed in by password
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    response = client.get(response["Location"])  # setting up a factor asks for the password again
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_parents_are_not_asked_for_a_second_factor(client):
    from allauth.account.models import EmailAddress

    parent = UserFactory(account_status="validated")
    EmailAddress.objects.create(user=parent, email=parent.email, verified=True, primary=True)
    response = password_login(client, parent)
    assert response["Location"] == reverse("memberspace:dashboard")
    assert client.get("/espace-adherent/").status_code == 200
    # …and the admin is not theirs.
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/compte/login/")
