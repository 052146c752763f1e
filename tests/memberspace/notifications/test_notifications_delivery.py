"""Notifications against real components: an SMTP server on loopback (aiosmtpd), the
real ``twilio`` client against a local fake of Twilio's HTTP API, and a real
django-q2 cluster in processes of its own, killed with SIGKILL mid-send."""

import base64
import time
from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.urls import reverse
from django_q.conf import Conf

from memberspace.notifications import services as notifications
from memberspace.notifications.models import Notification
from tests.factories import UserFactory
from tests.servers import FakeTwilio, QCluster, SmtpServer, free_port, wait_until

pytestmark = pytest.mark.integration

Status = Notification.Status
TWILIO_SID = "AC" + "1" * 32
TWILIO_TOKEN = "secret-token"


# SMTP, in process


@pytest.mark.django_db
def test_email_reaches_the_smtp_server_with_its_headers_and_both_parts(smtp_server):
    row = notifications.notify(UserFactory(email="lea.martin@exemple.fr", first_name="Léa"), "test")[0]
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.SENT
    [message] = smtp_server.messages
    assert message["To"] == "lea.martin@exemple.fr"
    assert message["From"] == "Le PO <ne-pas-repondre@le-po.com>"
    assert message["Subject"] == "Message de test du PO"
    assert message["Message-ID"] == row.message_id
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Bonjour Léa," in text
    assert "Bonjour Léa," in html and '<html lang="fr">' in html


@pytest.mark.django_db
def test_smtp_down_then_back_delivers_exactly_once(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 2
    row = notifications.notify(UserFactory(), "test")[0]
    notifications.deliver(row.pk)  # nobody listens on the port
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.attempts == 1
    assert "connexion refusée" in row.last_error
    server = SmtpServer(port=port).start()
    try:
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at)  # the back-off has passed
        notifications.deliver(row.pk)
        notifications.deliver(row.pk)  # a duplicate task changes nothing
        assert notifications.sweep() == 0
    finally:
        server.stop()
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2
    assert server.message_ids() == [row.message_id]


@pytest.mark.django_db
def test_a_password_reset_during_an_smtp_outage_is_not_an_error(client, settings, monkeypatch):
    """allauth's emails go through the outbox: the request never talks to the SMTP server."""
    monkeypatch.setattr(Conf, "SYNC", False)  # as in production: the worker sends, not the request
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = free_port()  # nobody listens
    user = UserFactory(email="parent@exemple.fr")
    # A confirmed address: an unconfirmed sign-up's password is never reset (tests/security/test_preregistration.py).
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(reverse("account_reset_password"), {"email": "parent@exemple.fr"})
    assert response.status_code == 302
    row = Notification.objects.get()
    assert row.user == user and row.kind == "compte/password_reset_key"
    assert row.status == Status.QUEUED and row.attempts == 0
    assert "/compte/password/reset/key/" in row.body_text


# Twilio's real client against a fake of its API


@pytest.fixture
def twilio(settings):
    fake = FakeTwilio(TWILIO_SID, TWILIO_TOKEN, invalid_numbers={"+33600000000"}).start()
    settings.SMS_BACKEND = "memberspace.notifications.sms.twilio.TwilioBackend"
    settings.TWILIO_ACCOUNT_SID = TWILIO_SID
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.TWILIO_FROM_NUMBER = "+33757000000"
    settings.TWILIO_MESSAGING_SERVICE_SID = None
    settings.TWILIO_API_BASE_URL = fake.base_url
    yield fake
    fake.stop()


@pytest.mark.django_db
def test_twilio_client_sends_to_from_and_body_with_basic_auth(twilio):
    row = notifications.notify(UserFactory(by_sms=True, phone="06 11 22 33 44"), "test")[0]
    notifications.deliver(row.pk)
    row.refresh_from_db()
    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert request["form"] == {"To": "+33611223344", "From": "+33757000000", "Body": row.body_text}
    credentials = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert request["headers"]["Authorization"] == f"Basic {credentials}"
    assert row.status == Status.SENT
    assert row.provider_message_id.startswith("SM") and len(row.provider_message_id) == 34


@pytest.mark.django_db
def test_twilio_messaging_service_instead_of_a_number(twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "2" * 32
    row = notifications.notify(UserFactory(by_sms=True), "test")[0]
    notifications.deliver(row.pk)
    assert twilio.requests[0]["form"]["MessagingServiceSid"] == "MG" + "2" * 32
    assert "From" not in twilio.requests[0]["form"]


@pytest.mark.django_db
def test_twilio_error_ends_as_failed_with_a_readable_reason(twilio):
    row = notifications.notify(UserFactory(by_sms=True, phone="+33600000000"), "test")[0]
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 1
    assert "Twilio 400, code 21211" in row.last_error
    assert "is not a valid phone number" in row.last_error
    assert row.provider_message_id == ""


@pytest.mark.django_db
def test_twilio_unreachable_is_retried(twilio, settings):
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{free_port()}"
    row = notifications.notify(UserFactory(by_sms=True), "test")[0]
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.QUEUED and "Twilio injoignable" in row.last_error


def retry_now(row):
    """The back-off has passed: the row is due again."""
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at)


def send_while_twilio_answers_too_late(twilio, settings, row):
    """The first attempt: Twilio keeps the message, then answers after the client gave up."""
    settings.TWILIO_TIMEOUT = 1
    twilio.reply_delay = 2.5
    notifications.deliver(row.pk)
    twilio.reply_delay = 0


def retry(row):
    """The retry, once the back-off has passed; the row as it ends."""
    retry_now(row)
    notifications.deliver(row.pk)
    row.refresh_from_db()
    return row


@pytest.mark.django_db
def test_an_sms_twilio_accepted_before_its_answer_timed_out_is_not_sent_again(twilio, settings):
    row = notifications.notify(UserFactory(by_sms=True, phone="06 11 22 33 44"), "test")[0]
    send_while_twilio_answers_too_late(twilio, settings, row)
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.failure_kind == Notification.FailureKind.UNCERTAIN
    assert "peut-être accepté" in row.last_error
    [accepted] = twilio.messages

    row = retry(row)
    assert row.status == Status.SENT and row.attempts == 2
    assert row.provider_message_id == accepted["sid"]  # found in Twilio's log, not sent again
    assert len(twilio.messages) == 1
    assert [request["method"] for request in twilio.requests] == ["POST", "GET"]
    assert twilio.requests[1]["params"]["To"] == "+33611223344"


@pytest.mark.django_db
def test_an_sms_twilio_never_logged_is_sent_on_the_retry_after_a_timeout(twilio, settings):
    row = notifications.notify(UserFactory(by_sms=True, phone="06 11 22 33 44"), "test")[0]
    send_while_twilio_answers_too_late(twilio, settings, row)
    twilio.messages.clear()  # this time Twilio had not kept it
    row = retry(row)
    [sent] = twilio.messages
    assert row.status == Status.SENT and row.provider_message_id == sent["sid"]
    assert [request["method"] for request in twilio.requests] == ["POST", "GET", "POST"]


@pytest.mark.django_db
def test_an_sms_whose_worker_died_mid_send_is_looked_for_before_sending(twilio):
    row = notifications.notify(UserFactory(by_sms=True, phone="06 11 22 33 44"), "test")[0]
    notifications.deliver(row.pk)
    # As if the worker had died after Twilio's answer, before marking the row sent: the lease ran out.
    Notification.objects.filter(pk=row.pk).update(status=Status.QUEUED, provider_message_id="", sent_at=None)
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2
    assert len(twilio.messages) == 1 and row.provider_message_id == twilio.messages[0]["sid"]


@pytest.mark.django_db
def test_the_same_text_sent_to_the_same_number_by_another_row_is_not_taken_for_this_one(twilio, settings):
    user = UserFactory(by_sms=True, phone="06 11 22 33 44")
    other = notifications.notify(user, "test")[0]
    notifications.deliver(other.pk)  # the same text, sent a moment ago for another reason
    row = notifications.notify(user, "test")[0]
    send_while_twilio_answers_too_late(twilio, settings, row)
    twilio.messages.pop()  # this time Twilio had not kept it
    row = retry(row)
    other.refresh_from_db()
    assert row.status == Status.SENT and row.provider_message_id != other.provider_message_id
    assert [message["sid"] for message in twilio.messages] == [other.provider_message_id, row.provider_message_id]


@pytest.mark.django_db
def test_twilios_log_unreadable_after_a_dead_worker_keeps_the_next_attempt_looking(twilio, settings):
    row = notifications.notify(UserFactory(by_sms=True, phone="06 11 22 33 44"), "test")[0]
    notifications.deliver(row.pk)
    Notification.objects.filter(pk=row.pk).update(status=Status.QUEUED, provider_message_id="", sent_at=None)
    real_url, settings.TWILIO_API_BASE_URL = settings.TWILIO_API_BASE_URL, f"http://127.0.0.1:{free_port()}"
    notifications.deliver(row.pk)  # the worker died mid-send; now Twilio does not answer the lookup
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.failure_kind == Notification.FailureKind.UNCERTAIN
    settings.TWILIO_API_BASE_URL = real_url
    retry_now(row)
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.SENT and len(twilio.messages) == 1
    assert row.provider_message_id == twilio.messages[0]["sid"]


# A real django-q2 cluster


@pytest.fixture
def cluster_env(smtp_server):
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": smtp_server.port,
        "EMAIL_TIMEOUT": 3,
        "TWILIO_TIMEOUT": 3,
        "HELLOASSO_TIMEOUT": 1,  # every network timeout below Q_TIMEOUT (system checks)
        "Q_WORKERS": 2,
        "Q_TIMEOUT": 8,
        "Q_RETRY": 16,
        "NOTIFICATION_LEASE_SECONDS": 10,
    }


@pytest.fixture
def broker(monkeypatch):
    """Tasks go to the real broker (the ORM queue of the test database), not run in process."""
    monkeypatch.setattr(Conf, "SYNC", False)


@pytest.mark.django_db(transaction=True)
def test_a_queued_notification_reaches_smtp_through_a_real_cluster(
    smtp_server, cluster_env, broker, django_capture_on_commit_callbacks
):
    cluster = QCluster(connection, **cluster_env).start()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            row = notifications.notify(UserFactory(first_name="Hugo"), "test")[0]
        wait_until(lambda: Notification.objects.get(pk=row.pk).status == Status.SENT, message="the email sent")
    except AssertionError:
        cluster.stop()
        raise AssertionError(cluster.output()) from None
    finally:
        cluster.close()
    [message] = smtp_server.messages
    assert message["Subject"] == "Message de test du PO"
    assert message["From"] == "Le PO <ne-pas-repondre@le-po.com>"
    assert message["Message-ID"] == row.message_id
    assert message.get_content_type() == "multipart/alternative"
    assert "Bonjour Hugo," in message.get_body(preferencelist=("plain",)).get_content()
    assert "Bonjour Hugo," in message.get_body(preferencelist=("html",)).get_content()


@pytest.mark.django_db(transaction=True)
def test_a_cluster_killed_mid_send_loses_nothing(smtp_server, cluster_env, broker, capsys, settings):
    """SIGKILL the whole cluster while it talks to the SMTP server, restart it: every row is sent.

    A message can arrive twice only if the worker dies after the SMTP server
    accepted it (250 after DATA) and before the row is marked sent: the kill here
    lands while the only worker waits for the server's answer to RCPT, so the
    message in flight was not accepted. (With several workers, another one may be
    in that window at the moment of a kill; the message then keeps its
    Message-ID, which lets mailboxes such as Gmail's show it once.)
    """
    settings.NOTIFICATION_REQUEUE_AFTER = 5
    cluster_env = {**cluster_env, "Q_WORKERS": 1}
    smtp_server.handler.rcpt_delay = 0.3
    count = 12
    for user in UserFactory.create_batch(count):
        notifications.notify(user, "test")  # autocommit: each row goes to the broker at once
    cluster = QCluster(connection, **cluster_env).start()
    try:
        wait_until(lambda: len(smtp_server.messages) >= 3, message="a few emails before the kill")
        smtp_server.handler.in_rcpt.clear()
        smtp_server.handler.in_rcpt.wait(timeout=10)  # a worker is mid-conversation
        cluster.kill()
        cluster.close()
        sent_before = Notification.objects.filter(status=Status.SENT).count()
        assert sent_before < count, "the kill must land while notifications are still queued"
        cluster = QCluster(connection, **cluster_env).start()
        # What the periodic sweeper does once the dead worker's lease has run out.
        wait_until(
            lambda: notifications.sweep() >= 0 and not Notification.objects.exclude(status=Status.SENT).exists(),
            timeout=60,
            interval=1.0,
            message="every notification sent after the restart",
        )
    finally:
        cluster.close()
    received = Counter(smtp_server.message_ids())
    expected = {row.message_id for row in Notification.objects.all()}
    lost = expected - set(received)
    duplicates = sum(times - 1 for times in received.values())
    with capsys.disabled():
        print(
            f"\nSIGKILL mid-send: {count} notifications, {sent_before} sent before the kill, "
            f"{len(received)} received, lost {len(lost)}, duplicates {duplicates}"
        )
    assert lost == set()
    assert set(received) == expected
    assert duplicates == 0


@pytest.mark.django_db(transaction=True)
def test_an_smtp_outage_longer_than_the_retries_is_shown_then_every_email_goes_once(
    transactional_home, secretary, broker, client, settings, capsys
):
    """Issue 11, finding 7, replayed: a real SMTP server stopped for longer than the whole back-off.

    The delays are shortened (two attempts, one second apart); the periodic
    sweeper is called by the test, as its schedule would every minute. While the
    server is down the notifications end failed, the admin's home and /health/
    say so, and the sweeper queues nothing again (the server does not answer its
    probe). Once the server is back on the same port, the sweeper queues them
    again and the cluster delivers each exactly once, the digest of the failures
    to the technical contact included.
    """
    from config import health
    from tests.auth import login_staff

    port = free_port()
    server = SmtpServer(port=port).start()
    retries = {"NOTIFICATION_MAX_ATTEMPTS": 2, "NOTIFICATION_RETRY_DELAYS": "1", "NOTIFICATION_RETRY_FAILED_AFTER": 0}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 2
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    settings.NOTIFICATION_RETRY_DELAYS = (1,)
    settings.NOTIFICATION_RETRY_FAILED_AFTER = 0
    cluster = QCluster(
        connection,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_TIMEOUT=2,
        TWILIO_TIMEOUT=3,
        HELLOASSO_TIMEOUT=1,
        Q_WORKERS=2,
        Q_TIMEOUT=8,
        Q_RETRY=16,
        NOTIFICATION_LEASE_SECONDS=10,
        **retries,
    ).start()
    login_staff(client, secretary)
    health.record_heartbeat()

    def sweep_until(condition, message, timeout=60):
        def swept():
            notifications.sweep()
            return condition()

        wait_until(swept, timeout=timeout, interval=0.5, message=message)

    def admin_home():
        return " ".join(client.get("/admin/").content.decode().split())

    try:
        first = notifications.notify(UserFactory(), "test")[0]
        sweep_until(lambda: Notification.objects.get(pk=first.pk).status == Status.SENT, "the email before the outage")

        server.stop()  # the outage begins
        rows = [notifications.notify(user, "account_validated")[0] for user in UserFactory.create_batch(5)]
        sweep_until(
            lambda: Notification.objects.filter(status=Status.FAILED).count() == len(rows),
            "every email failed after its last retry",
        )
        assert notifications.send_failures_digest() == 5  # the daily schedule's task: through the outbox
        digest = Notification.objects.get(kind=notifications.FAILURES_DIGEST_KIND)
        sweep_until(lambda: Notification.objects.get(pk=digest.pk).status == Status.FAILED, "the digest failed too")
        time.sleep(3)  # the outage lasts well beyond the retries (2 attempts, 1 s apart)
        for _ in range(3):
            notifications.sweep()  # the server does not answer: nothing is queued again
        failed = Notification.objects.exclude(pk=first.pk)
        assert len(failed) == 6 and all(row.status == Status.FAILED and row.attempts == 2 for row in failed)
        assert {row.failure_kind for row in failed} == {Notification.FailureKind.TRANSIENT}
        assert "connexion refusée" in failed[0].last_error
        assert server.messages == [] or server.message_ids() == [first.message_id]

        home = admin_home()
        assert "6 notifications en échec ces 7 derniers jours." in home
        assert "6 n'ont pas pu partir (serveur d'envoi injoignable) : elles seront renvoyées automatiquement" in home
        response = client.get("/health/")
        body = response.json()
        assert response.status_code == 503 and body["status"] == "degraded"
        assert body["notifications_failed"] == 6
        assert body["worker"] == "degraded: 6 failed notifications waiting for their provider"

        server = SmtpServer(port=port).start()  # the outage ends: the same server, the same port
        sweep_until(
            lambda: not Notification.objects.exclude(status=Status.SENT).exists(),
            "every email sent once the server is back",
        )
        time.sleep(2)  # a duplicate task or sweep would have sent something again by now
        for _ in range(3):
            notifications.sweep()
    except AssertionError as error:
        cluster.stop()
        raise AssertionError(f"{error}\n{cluster.output()}") from None
    finally:
        cluster.close()
        server.stop()

    received = Counter(server.message_ids())
    expected = {row.message_id for row in Notification.objects.exclude(pk=first.pk)}
    assert digest.message_id in expected
    with capsys.disabled():
        print(
            f"\nSMTP outage: {len(expected)} notifications failed during it, {sum(received.values())} messages "
            f"received after it, {len(received)} distinct"
        )
    assert set(received) == expected
    assert all(times == 1 for times in received.values())
    assert "Toutes les notifications récentes sont parties." in admin_home()
    health.record_heartbeat()
    assert client.get("/health/").json()["status"] == "ok"
