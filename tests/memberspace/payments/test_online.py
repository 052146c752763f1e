"""Paying online (issue 16, item 2): HelloAsso's real client against a local fake of its API.

The parent opens a checkout from the enrollment's page for what the ledger says is due;
the return page and the provider's notifications both read the checkout back, and
only what the API confirms is recorded, once.
"""

import datetime
import json
import threading
import time
from decimal import Decimal
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import EnrollmentStatus
from memberspace.notifications.models import Notification
from memberspace.payments import services as payments
from memberspace.payments.models import Method, Payment, PaymentState
from tests.factories import ChildFactory

pytestmark = pytest.mark.integration

NOTIFY = reverse("memberspace:payment_notification")
Status = EnrollmentStatus


def pay_url(enrollment):
    return reverse("memberspace:pay_online", args=[enrollment.pk])


def open_checkout(client, enrollment, part="deposit"):
    """The parent's click on « Payer … en ligne »: the checkout's id at the fake."""
    response = client.post(pay_url(enrollment), {"montant": part})
    assert response.status_code == 302, response
    path = urlsplit(response["Location"]).path
    assert path.startswith("/checkout/")  # the fake's payment page, not ours
    return int(path.rstrip("/").rsplit("/", 1)[-1])


def come_back(client, payment, outcome="retour"):
    response = client.get(reverse("memberspace:payment_return", args=[payment.pk, outcome]))
    assert response.status_code == 302
    assert response["Location"] == reverse("memberspace:enrollment_detail", args=[payment.enrollment_id])
    told = [str(message) for message in get_messages(response.wsgi_request)]
    client.get(response["Location"])  # the enrollment's page shows them: they are not told twice
    return told


def notify(client, body):
    return client.post(NOTIFY, json.dumps(body), content_type="application/json")


def page_text(response):
    return unescape(response.content.decode())


def refresh(enrollment):
    enrollment.refresh_from_db()
    return enrollment


@pytest.fixture
def parent_client(client, mother):
    client.force_login(mother)
    return client


def test_the_deposit_paid_online_secures_the_place(parent_client, enrollment, helloasso, mother, father):
    page = parent_client.get(reverse("memberspace:enrollment_detail", args=[enrollment.pk])).content.decode()
    assert "Payer l'acompte en ligne : 150\u00a0€" in page and "Payer en ligne : 450\u00a0€" in page
    checkout_id = open_checkout(parent_client, enrollment)
    body = helloasso.checkouts[checkout_id]["body"]
    payment = Payment.objects.get()
    assert body["totalAmount"] == body["initialAmount"] == 15000 and body["containsDonation"] is False
    assert body["metadata"] == {"payment": payment.pk, "enrollment": enrollment.reference}
    assert body["payer"] == {"firstName": mother.first_name, "lastName": mother.last_name, "email": mother.email}
    assert body["returnUrl"].endswith(f"/espace-adherent/paiements/{payment.pk}/retour/")
    assert payment.state == PaymentState.PENDING and payment.checkout_id == str(checkout_id)
    assert refresh(enrollment).status == Status.VALIDATED

    helloasso.pay(checkout_id)
    assert come_back(parent_client, payment) == [
        "Paiement de 150\u00a0€ reçu : merci ! Une confirmation vous est envoyée, et l'attestation de paiement se "
        "télécharge sur cette page."
    ]
    landing = parent_client.get(reverse("memberspace:enrollment_detail", args=[enrollment.pk]))
    assert "Attestation de paiement (PDF)" in landing.content.decode()  # the page the message speaks of
    payment.refresh_from_db()
    assert payment.state == PaymentState.RECEIVED and payment.amount == Decimal("150") and payment.provider_payment_id
    assert refresh(enrollment).status == Status.DEPOSIT_RECEIVED and enrollment.deposit_received_by is None
    told = Notification.objects.filter(kind="payment_received", channel="email")
    assert sorted(told.values_list("address", flat=True)) == sorted([mother.email, father.email])
    page = parent_client.get(reverse("memberspace:enrollment_detail", args=[enrollment.pk])).content.decode()
    assert "Payer en ligne : 300\u00a0€" in page and "Payer l'acompte" not in page
    assert "Carte bancaire en ligne (HelloAsso)" in page


def test_a_notification_replayed_ten_times_records_one_payment(parent_client, client, enrollment, helloasso):
    checkout_id = open_checkout(parent_client, enrollment, "everything")
    helloasso.pay(checkout_id)
    client.logout()  # the provider is nobody's session
    for event in ("Order", "Payment") * 5:
        response = notify(client, helloasso.notification(checkout_id, event))
        assert response.status_code == 200
    payment = Payment.objects.get()
    assert payment.state == PaymentState.RECEIVED and payment.amount == Decimal("450")
    assert refresh(enrollment).status == Status.PAID
    # Read back once: a checkout recorded already is not asked again (replays cost HelloAsso nothing).
    reads = [path for method, path in helloasso.api_requests() if method == "GET"]
    assert reads == [f"/v5/organizations/le-po/checkout-intents/{checkout_id}"]
    assert Notification.objects.filter(kind="payment_received", channel="email").count() == 2  # one per guardian


def test_notifications_read_a_payments_checkout_at_most_once_in_an_interval(
    client, parent_client, enrollment, helloasso, monkeypatch
):
    """Posted by anyone, notifications naming an open payment cost HelloAsso one read per interval, not one each."""
    monkeypatch.setattr(payments, "NOTIFICATION_READ_SECONDS", 1)
    checkout_id = open_checkout(parent_client, enrollment)
    client.logout()

    def reads():
        return [path for method, path in helloasso.api_requests() if method == "GET"]

    unpaid = {"eventType": "Order", "data": {"checkoutIntentId": checkout_id}}
    for _flood in range(20):  # not paid yet: each would be read
        assert notify(client, unpaid).status_code == 200
    assert len(reads()) == 1
    helloasso.pay(checkout_id)
    time.sleep(1.2)  # the interval has passed
    assert notify(client, helloasso.notification(checkout_id)).status_code == 200
    assert len(reads()) == 2 and Payment.objects.get().state == PaymentState.RECEIVED


def test_notifications_sent_at_once_record_one_payment(transactional_db, enrollment, helloasso, mother):
    """Ten deliveries of the same notification at the same time, each in its own thread and connection."""
    payment = payments.start_online_payment(enrollment, kind="everything", by=mother, urls=lambda p: urls())
    helloasso.pay(int(payment.checkout_id))
    body = json.dumps(helloasso.notification(int(payment.checkout_id)))
    errors, start = [], threading.Barrier(10)

    def deliver():
        try:
            start.wait()
            payments.handle_notification(body)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()  # the thread's own: PostgreSQL would keep it and refuse to drop the test database

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Payment.objects.filter(state=PaymentState.RECEIVED).count() == 1
    assert refresh(enrollment).status == Status.PAID


def urls():
    return dict.fromkeys(("return_url", "back_url", "error_url"), "https://www.le-po.com/retour/")


def test_a_forged_notification_records_only_what_the_api_confirms(
    client, parent_client, enrollment, helloasso, monkeypatch
):
    monkeypatch.setattr(payments, "NOTIFICATION_READ_SECONDS", 0)  # each notification read (the interval: above)
    checkout_id = open_checkout(parent_client, enrollment)
    forged = {
        "eventType": "Order",
        "data": {"checkoutIntentId": checkout_id, "amount": {"total": 45000}, "payments": [{"amount": 45000}]},
        "metadata": {"payment": Payment.objects.get().pk},
    }
    assert notify(client, forged).status_code == 200  # not paid at HelloAsso: nothing to record
    assert Payment.objects.get().state == PaymentState.PENDING and refresh(enrollment).status == Status.VALIDATED
    helloasso.pay(checkout_id)
    assert notify(client, forged).status_code == 200  # paid now: the API's amount, not the forged one
    payment = Payment.objects.get()
    assert payment.amount == Decimal("150") and refresh(enrollment).status == Status.DEPOSIT_RECEIVED


def test_a_notification_for_an_unknown_checkout_is_ignored(client, enrollment, helloasso):
    before = len(helloasso.api_requests())
    for body in (
        {"eventType": "Order", "data": {"checkoutIntentId": 999999}},
        {"eventType": "Payment", "data": {"order": {"id": 5}}, "metadata": {"payment": 424242}},
        {"eventType": "Order", "data": {"checkoutIntentId": "1; DROP TABLE"}},
        ["not", "an", "object"],
    ):
        assert notify(client, body).status_code == 200
    assert client.post(NOTIFY, b"\xff{not json", content_type="application/json").status_code == 200
    assert client.post(NOTIFY, b"x" * 70_000, content_type="application/json").status_code == 413
    assert len(helloasso.api_requests()) == before and not Payment.objects.exists()


def test_a_provider_that_cannot_be_read_gets_the_notification_again(client, parent_client, enrollment, helloasso):
    checkout_id = open_checkout(parent_client, enrollment)
    helloasso.pay(checkout_id)
    helloasso.fail_next(500)
    assert notify(client, helloasso.notification(checkout_id)).status_code == 503
    assert Payment.objects.get().state == PaymentState.PENDING
    assert notify(client, helloasso.notification(checkout_id)).status_code == 200
    assert Payment.objects.get().state == PaymentState.RECEIVED


def test_a_refused_or_abandoned_payment_debits_nothing_and_says_so(parent_client, enrollment, helloasso):
    checkout_id = open_checkout(parent_client, enrollment)
    payment = Payment.objects.get()
    assert come_back(parent_client, payment, "abandon") == ["Paiement abandonné : rien n'a été débité."]
    helloasso.pay(checkout_id, state="Refused")
    assert come_back(parent_client, payment, "erreur") == [
        "Le paiement n'a pas abouti : rien n'a été débité. Vous pouvez réessayer, ou régler autrement."
    ]
    assert refresh(enrollment).status == Status.VALIDATED
    assert not Payment.objects.filter(state=PaymentState.RECEIVED).exists()


def test_the_amount_never_comes_from_the_browser(parent_client, enrollment, helloasso, secretary):
    for part in ("15000", "1", "", "deposit; everything"):
        response = parent_client.post(pay_url(enrollment), {"montant": part, "amount": "1"}, follow=True)
        assert "Choisissez ce que vous réglez" in page_text(response)
    payments.record_payment(enrollment, amount="150", method=Method.CHEQUE, by=secretary)
    response = parent_client.post(pay_url(enrollment), {"montant": "deposit"}, follow=True)
    assert "Il n'y a rien à régler en ligne" in page_text(response)
    assert helloasso.checkouts == {}
    open_checkout(parent_client, enrollment, "everything")
    [checkout] = helloasso.checkouts.values()
    assert checkout["body"]["totalAmount"] == 30000  # what remains after the cheque


def test_a_double_click_opens_one_checkout(parent_client, enrollment, helloasso):
    first = open_checkout(parent_client, enrollment)
    again = open_checkout(parent_client, enrollment)
    assert first == again and len(helloasso.checkouts) == 1 and Payment.objects.count() == 1
    other = open_checkout(parent_client, enrollment, "everything")  # another amount: another checkout
    assert other != first and len(helloasso.checkouts) == 2


def test_helloasso_down_leaves_the_parent_a_clear_way_out(parent_client, enrollment, helloasso):
    helloasso.fail_next(503)
    response = parent_client.post(pay_url(enrollment), {"montant": "deposit"}, follow=True)
    page = page_text(response)
    assert "Le paiement en ligne est indisponible pour le moment : rien n'a été débité." in page
    assert "IBAN" in page  # the other ways to pay stay on the page
    assert not Payment.objects.filter(state=PaymentState.PENDING).exclude(checkout_id="").exists()


def test_another_family_can_neither_pay_nor_read_the_return(client, enrollment, helloasso, mother):
    from tests.factories import ParentFactory

    payment = payments.start_online_payment(enrollment, kind="deposit", by=mother, urls=lambda p: urls())
    client.force_login(ParentFactory(email="voisin@exemple.fr"))
    assert client.post(pay_url(enrollment), {"montant": "deposit"}).status_code == 404
    assert client.get(reverse("memberspace:payment_return", args=[payment.pk, "retour"])).status_code == 404


def test_a_payment_after_the_place_was_released_goes_to_the_secretariat(
    client, parent_client, enrollment, helloasso, secretary
):
    checkout_id = open_checkout(parent_client, enrollment)
    enrollments.cancel_by_staff(enrollment, by=secretary)
    helloasso.pay(checkout_id)
    assert notify(client, helloasso.notification(checkout_id)).status_code == 200
    payment = Payment.objects.get()
    assert payment.state == PaymentState.RECEIVED and "inscription annulée" in payment.review_reason
    assert refresh(enrollment).status == Status.CANCELLED
    assert list(payments.queue()) == [payment]
    told = Notification.objects.filter(kind="payment_received", channel="email").first().body_text
    assert "L'inscription étant annulée, le secrétariat vous contacte pour rembourser ce paiement" in told
    assert "la place est réservée" not in told


def test_a_different_amount_paid_is_recorded_and_flagged(client, parent_client, enrollment, helloasso):
    checkout_id = open_checkout(parent_client, enrollment)
    helloasso.pay(checkout_id, amount=10000)
    notify(client, helloasso.notification(checkout_id))
    payment = Payment.objects.get()
    assert payment.amount == Decimal("100") and refresh(enrollment).status == Status.VALIDATED
    assert payment.review_reason == "Montant payé (100\u00a0€) différent du montant demandé (150\u00a0€)."


def test_no_online_payment_is_offered_without_credentials(parent_client, enrollment, settings):
    settings.PAYMENT_BACKEND = "memberspace.payments.backends.helloasso.HelloAssoBackend"
    settings.HELLOASSO_CLIENT_ID = ""
    page = parent_client.get(reverse("memberspace:enrollment_detail", args=[enrollment.pk])).content.decode()
    assert "Payer l'acompte en ligne" not in page and "IBAN" in page


def test_the_page_lets_its_payment_form_lead_to_helloasso_only(parent_client, enrollment, helloasso, settings):
    url = reverse("memberspace:enrollment_detail", args=[enrollment.pk])
    policy = parent_client.get(url)["Content-Security-Policy"]
    assert f"form-action 'self' {helloasso.base_url}" in policy  # the fake's pages
    settings.HELLOASSO_API_BASE_URL = "https://api.helloasso.com"
    assert "form-action 'self' https://*.helloasso.com" in parent_client.get(url)["Content-Security-Policy"]
    settings.HELLOASSO_API_BASE_URL = "https://api.helloasso-sandbox.com"
    assert "https://*.helloasso-sandbox.com" in parent_client.get(url)["Content-Security-Policy"]
    # Elsewhere, and once nothing is left to pay online, forms stay on the site.
    assert "helloasso" not in parent_client.get(reverse("memberspace:dashboard"))["Content-Security-Policy"]
    Payment.objects.create(enrollment=enrollment, amount=Decimal("450"), method=Method.CHEQUE)
    assert "helloasso" not in parent_client.get(url)["Content-Security-Policy"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"eventType": "Order", "data": {"checkoutIntentId": 1e400}}',
        b'{"eventType": "Order", "data": {"checkoutIntentId": "\\u00b2"}}',
        b'{"eventType": "Payment", "data": {}, "metadata": {"payment": 1e400}}',
        b'{"eventType": "Payment", "data": {}, "metadata": {"payment": 99999999999999999999999}}',
        b"[" * 100_00 + b"]" * 100_00,
    ],
)
def test_a_malformed_notification_is_answered_calmly(db, client, body, helloasso):
    assert client.post(NOTIFY, body, content_type="application/json").status_code == 200
    assert helloasso.api_requests() == []


def test_a_payment_whose_notification_was_lost_is_recorded_by_the_quarter_hours_reading(
    parent_client, enrollment, helloasso
):
    checkout_id = open_checkout(parent_client, enrollment)
    abandoned_id = open_checkout(parent_client, enrollment, "everything")
    Payment.objects.filter(checkout_id=str(abandoned_id)).update(
        recorded_at=timezone.now() - payments.CHECKOUT_LIFETIME - datetime.timedelta(minutes=1)
    )
    helloasso.pay(checkout_id)  # no notification reaches the site, the parent closed the tab
    helloasso.fail_next(500)
    # The oldest first: HelloAsso down for its read, it is read again next time, not abandoned unread.
    assert payments.sync_open_checkouts() == (1, 1, 0)
    assert Payment.objects.get(checkout_id=str(checkout_id)).state == PaymentState.RECEIVED
    assert Payment.objects.get(checkout_id=str(abandoned_id)).state == PaymentState.PENDING
    assert payments.sync_open_checkouts() == (1, 0, 1)
    assert Payment.objects.get(checkout_id=str(abandoned_id)).state == PaymentState.FAILED
    assert refresh(enrollment).status == Status.DEPOSIT_RECEIVED
    assert payments.sync_open_checkouts() == (0, 0, 0)


def test_a_contribution_to_helloasso_is_not_counted_as_the_clubs(client, parent_client, enrollment, helloasso):
    checkout_id = open_checkout(parent_client, enrollment)
    helloasso.pay(checkout_id, tip=1500)  # 150 € for the club, 15 € for HelloAsso
    notify(client, helloasso.notification(checkout_id))
    payment = Payment.objects.get()
    assert payment.amount == Decimal("150") and payment.review_reason == ""
    assert refresh(enrollment).status == Status.DEPOSIT_RECEIVED


def test_notifications_read_at_most_so_many_checkouts_in_an_interval_across_payments(
    client, stay, lea, mother, father, secretary, helloasso, monkeypatch
):
    """A flood naming many open payments (their numbers are sequential) costs HelloAsso a bounded number of
    reads; a payment not read then is read by the next notification, once the interval is over."""
    monkeypatch.setattr(payments, "NOTIFICATION_READ_SECONDS", 1)
    monkeypatch.setattr(payments, "NOTIFICATION_READS", 2)
    brothers = [
        ChildFactory(first_name=name, last_name="Martin", birth_date=lea.birth_date, guardians=[(mother, "mere")])
        for name in ("Hugo", "Tom")
    ]
    opened = []
    for child in (lea, *brothers):
        (requested,) = enrollments.request_enrollments(mother, offer=stay, children=[child])
        enrollment = enrollments.validate(requested, by=secretary)
        opened.append(payments.start_online_payment(enrollment, kind="deposit", by=mother, urls=lambda p: urls()))

    def reads():
        return [path for method, path in helloasso.api_requests() if method == "GET"]

    for payment in opened:
        helloasso.pay(int(payment.checkout_id))
        assert notify(client, helloasso.notification(int(payment.checkout_id))).status_code == 200
    assert len(reads()) == 2
    states = [Payment.objects.get(pk=payment.pk).state for payment in opened]
    assert states == [PaymentState.RECEIVED, PaymentState.RECEIVED, PaymentState.PENDING]
    time.sleep(1.2)  # the interval is over
    assert notify(client, helloasso.notification(int(opened[2].checkout_id))).status_code == 200
    assert Payment.objects.get(pk=opened[2].pk).state == PaymentState.RECEIVED and len(reads()) == 3
