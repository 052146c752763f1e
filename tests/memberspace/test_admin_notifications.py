"""The notification log in the Wagtail admin: the secretariat's, read-only, with a resend button."""

import pytest
from bs4 import BeautifulSoup

from memberspace.models import Notification
from memberspace.services import notifications
from tests.auth import login_staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INDEX = "/admin/memberspace/notification/"


@pytest.fixture
def log(home):
    sent = notifications.notify(UserFactory(email="lea@exemple.fr", last_name="Martin"), "test")[0]
    notifications.deliver(sent.pk)
    failed = notifications.notify(UserFactory(email="hugo@exemple.fr", last_name="Bernard", by_sms=True), "test")[0]
    Notification.objects.filter(pk=failed.pk).update(status="failed", last_error="Twilio 400, code 21211")
    return {"sent": sent, "failed": failed}


def rows(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [row.get_text(" ", strip=True) for row in soup.select("table.listing tbody tr")]


def test_secretariat_sees_the_log_with_filters_and_search(client, secretary, log):
    login_staff(client, secretary)
    response = client.get(INDEX)
    assert response.status_code == 200
    assert len(rows(response)) == 2
    assert len(rows(client.get(INDEX, {"status": "failed"}))) == 1
    assert len(rows(client.get(INDEX, {"channel": "sms"}))) == 1
    assert len(rows(client.get(INDEX, {"kind": "test"}))) == 2
    found = rows(client.get(INDEX, {"q": "lea@exemple.fr"}))
    assert len(found) == 1 and "lea@exemple.fr" in found[0]
    assert len(rows(client.get(INDEX, {"q": "Bernard"}))) == 1


def test_the_kinds_are_filtered_by_their_french_name(client, secretary, log):
    notifications.notify(log["sent"].user, "account_validated")
    login_staff(client, secretary)
    soup = BeautifulSoup(client.get(INDEX).content, "html.parser")
    choices = [link.get_text(strip=True) for link in soup.select('a[href*="kind="]')]
    assert "Compte validé" in choices and "account_validated" not in choices
    assert len(rows(client.get(INDEX, {"kind": "account_validated"}))) == 1


def test_a_row_says_its_state_and_attempts_and_the_error_waits_on_the_inspect_page(client, secretary, log):
    login_staff(client, secretary)
    (row,) = rows(client.get(INDEX, {"status": "failed"}))
    assert "Échec" in row and "0 tentative" in row and "Twilio 400" not in row
    inspect = client.get(f"{INDEX}inspect/{log['failed'].pk}/")
    assert "Twilio 400, code 21211" in inspect.content.decode()


def test_the_log_is_read_only(client, secretary, log):
    login_staff(client, secretary)
    html = client.get(INDEX).content.decode()
    assert f"{INDEX}create/" not in html
    assert client.get(f"{INDEX}create/").status_code in (302, 403)
    assert client.get(f"{INDEX}edit/{log['sent'].pk}/").status_code in (302, 403)
    assert client.get(f"{INDEX}inspect/{log['sent'].pk}/").status_code == 200


def test_secretariat_resends_a_failed_notification(client, secretary, log, django_capture_on_commit_callbacks):
    login_staff(client, secretary)
    html = client.get(INDEX).content.decode()
    url = f"{INDEX}resend/{log['failed'].pk}/"
    assert url in html
    assert f"{INDEX}resend/{log['sent'].pk}/" not in html  # only failed ones
    assert "Renvoyer" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "est de nouveau en file d" in response.content.decode()
    failed = Notification.objects.get(pk=log["failed"].pk)
    assert failed.status == "sent"


def test_resending_a_sent_notification_is_refused_with_a_message(client, secretary, log):
    login_staff(client, secretary)
    response = client.post(f"{INDEX}resend/{log['sent'].pk}/", follow=True)
    assert "Seule une notification en échec peut être renvoyée." in response.content.decode()


def test_communication_editors_see_no_notification(client, editor, log):
    login_staff(client, editor)
    assert client.get(INDEX).status_code == 403
    assert client.get(f"{INDEX}inspect/{log['sent'].pk}/").status_code == 403
    assert client.post(f"{INDEX}resend/{log['failed'].pk}/").status_code == 403
    assert Notification.objects.get(pk=log["failed"].pk).status == "failed"
    assert "Notifications envoyées" not in client.get("/admin/").content.decode()
