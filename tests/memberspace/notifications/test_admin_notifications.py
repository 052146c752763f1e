"""The notification log in the Wagtail admin: the secretariat's, read-only, with a resend button."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from memberspace.notifications import services as notifications
from memberspace.notifications.models import Notification
from tests.auth import login_staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("notifications_notification_modeladmin_index")


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


# The admin's home


def home_text(client):
    from html import unescape

    response = client.get("/admin/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    panel = soup.select_one('section[aria-labelledby="notifications-panel-title"]')
    return unescape(panel.get_text(" ", strip=True)) if panel else None


def test_the_home_tells_the_secretariat_of_failed_and_late_notifications(client, secretary, log):
    import datetime

    from django.utils import timezone

    login_staff(client, secretary)
    Notification.objects.filter(pk=log["failed"].pk).update(failure_kind="permanent")
    outage = notifications.notify(log["sent"].user, "test")[0]
    Notification.objects.filter(pk=outage.pk).update(status="failed", failure_kind="transient")
    late = notifications.notify(log["sent"].user, "test")[0]
    Notification.objects.filter(pk=late.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    text = home_text(client)
    assert "2 notifications en échec ces 7 derniers jours." in text
    assert "1 n'a pas pu partir (serveur d'envoi injoignable) : elle sera renvoyée automatiquement" in text
    assert "1 a été refusée (adresse ou numéro invalide)" in text
    assert "1 notification attend son envoi depuis plus de 30 minutes." in text
    assert "hugo@exemple.fr" not in text

    Notification.objects.all().update(status="sent")
    assert home_text(client) == "Notifications aux familles Toutes les notifications récentes sont parties."


def test_the_notifications_panel_is_the_secretariats_and_the_superusers_not_communications(client, editor, log):
    from memberspace.accounts.models import User

    login_staff(client, editor)
    assert home_text(client) is None
    admin = User.objects.create_superuser("admin@le-po.test", "x")
    login_staff(client, admin)
    assert "1 notification en échec" in home_text(client)
