"""Notifications: composing, the outbox's delivery rules, the sweeper, resending.

These run the tasks in the test's own process (django-q2 ``sync``) with the
in-memory email and SMS backends; test_notifications_delivery.py runs the same
code against a real SMTP server, Twilio's real client and a real cluster.
"""

import datetime
from email import message_from_string
from io import StringIO

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from wagtail.models import ModelLogEntry

from config.schedules import SCHEDULES
from memberspace.notifications import services as notifications
from memberspace.notifications import sms
from memberspace.notifications.models import Notification
from memberspace.notifications.services import NotificationError
from tests.admin_urls import admin_url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Channel = Notification.Channel
Status = Notification.Status


class FlakySmsBackend(sms.base.BaseSmsBackend):
    """Fails the first ``failures`` sends, then sends (in memory)."""

    failures = 0
    error = sms.SmsError("Twilio 503 : service indisponible")
    calls = 0

    def send(self, to, body):
        FlakySmsBackend.calls += 1
        if FlakySmsBackend.calls <= FlakySmsBackend.failures:
            raise FlakySmsBackend.error
        sms.outbox.append((to, body, f"flaky-{FlakySmsBackend.calls}"))
        return f"flaky-{FlakySmsBackend.calls}"


@pytest.fixture
def flaky_sms(settings):
    settings.SMS_BACKEND = "tests.memberspace.notifications.test_notifications.FlakySmsBackend"
    FlakySmsBackend.calls = 0
    FlakySmsBackend.failures = 0
    FlakySmsBackend.error = sms.SmsError("Twilio 503 : service indisponible")
    return FlakySmsBackend


def notify_and_commit(django_capture_on_commit_callbacks, user, kind="test", **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return notifications.notify(user, kind, **kwargs)


# Composing


@pytest.mark.parametrize(
    ("preference", "channels"),
    [("email", {Channel.EMAIL}), ("sms", {Channel.SMS}), ("both", {Channel.EMAIL, Channel.SMS})],
)
def test_channels_follow_the_users_preference(preference, channels):
    user = UserFactory(notification_preference=preference)
    rows = notifications.notify(user, "test")
    assert {row.channel for row in rows} == channels
    assert all(row.status == Status.QUEUED for row in rows)


def test_explicit_channels_win_over_the_preference():
    user = UserFactory(notification_preference="email")
    rows = notifications.notify(user, "test", channels={Channel.SMS})
    assert [row.channel for row in rows] == [Channel.SMS]


def test_rows_hold_the_rendered_french_messages():
    user = UserFactory(by_both=True, first_name="Léa", phone="06 12 34 56 78")
    email_row, sms_row = sorted(notifications.notify(user, "test"), key=lambda row: row.channel)
    assert email_row.address == user.email
    assert email_row.subject == "Message de test du PO"
    assert "Bonjour Léa," in email_row.body_text
    assert '<html lang="fr">' in email_row.body_html and "Bonjour Léa," in email_row.body_html
    assert sms_row.address == "+33612345678"  # E.164
    assert sms_row.body_text.startswith("Le PO :")
    assert sms_row.subject == ""


@pytest.mark.parametrize(
    ("phone", "why"),
    [("", "aucun numéro"), ("06 12 34", "06 12 34"), ("01 42 68 53 00", "01 42 68 53 00")],
    ids=["missing", "invalid", "landline"],
)
def test_no_sms_without_a_valid_mobile_number(django_capture_on_commit_callbacks, sms_outbox, phone, why):
    user = UserFactory(by_both=True, phone=phone)
    rows = notify_and_commit(django_capture_on_commit_callbacks, user)
    assert [row.channel for row in rows] == [Channel.EMAIL]
    row = Notification.objects.get()
    assert row.status == Status.SENT
    assert row.remarks == f"SMS non envoyé : pas de numéro de portable valide ({why})."
    assert sms_outbox == []
    assert len(mail.outbox) == 1


def test_sms_only_parent_without_a_mobile_still_gets_the_email():
    user = UserFactory(by_sms=True, phone="")
    rows = notifications.notify(user, "test")
    assert [row.channel for row in rows] == [Channel.EMAIL]
    assert "SMS non envoyé" in rows[0].remarks


def test_rows_are_written_in_the_callers_transaction(django_capture_on_commit_callbacks):
    user = UserFactory()
    with (
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        notifications.notify(user, "test")
        raise RuntimeError("the change being reported failed")
    assert not Notification.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


def test_nothing_is_queued_before_the_commit(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notifications.notify(user, "test")
    assert len(callbacks) == 1
    assert mail.outbox == []
    row = Notification.objects.get()
    assert row.enqueued_at is None and row.status == Status.QUEUED


# Delivering


def test_delivered_email_is_multipart_french_and_branded(django_capture_on_commit_callbacks, home):
    from pages.models import ClubSettings

    club = ClubSettings.for_site(home.get_site())
    club.contact_email = "bdd2024@le-po.com"
    club.save()
    user = UserFactory(first_name="Léa")
    notify_and_commit(django_capture_on_commit_callbacks, user)
    row = Notification.objects.get()
    assert row.status == Status.SENT and row.attempts == 1 and row.sent_at
    assert row.provider_message_id == row.message_id
    message = mail.outbox[0]
    assert message.subject == "Message de test du PO"
    assert message.from_email == "Le PO <ne-pas-repondre@le-po.com>"
    assert message.reply_to == ["bdd2024@le-po.com"]
    assert message.extra_headers["Message-ID"] == row.message_id
    assert message.alternatives[0].mimetype == "text/html"
    parsed = message_from_string(message.message().as_string())
    assert parsed.get_content_type() == "multipart/alternative"


def test_sms_is_delivered_with_the_provider_id(django_capture_on_commit_callbacks, sms_outbox):
    user = UserFactory(by_sms=True, phone="07 98 76 54 32")
    notify_and_commit(django_capture_on_commit_callbacks, user)
    row = Notification.objects.get()
    assert row.status == Status.SENT
    assert sms_outbox == [("+33798765432", row.body_text, row.provider_message_id)]


def test_the_same_task_run_twice_sends_once():
    user = UserFactory()
    row = notifications.notify(user, "test")[0]
    assert notifications.deliver(row.pk).status == Status.SENT
    assert notifications.deliver(row.pk) is None
    assert len(mail.outbox) == 1


def test_a_row_held_by_a_live_worker_is_not_sent_by_another():
    row = notifications.notify(UserFactory(), "test")[0]
    claimed = notifications.claim(row.pk, timezone.now())
    assert claimed.attempts == 1
    assert notifications.deliver(row.pk) is None  # the lease is still running
    assert mail.outbox == []


def test_a_failure_is_recorded_and_retried_with_back_off(flaky_sms, sms_outbox, settings):
    settings.NOTIFICATION_RETRY_DELAYS = (60, 300)
    flaky_sms.failures = 2
    row = notifications.notify(UserFactory(by_sms=True), "test")[0]
    before = timezone.now()
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.attempts == 1
    assert row.last_error == "SmsError : Twilio 503 : service indisponible"
    assert row.next_attempt_at >= before + datetime.timedelta(seconds=60)
    assert notifications.deliver(row.pk) is None  # not due yet
    row.next_attempt_at = timezone.now()  # a minute later
    row.save()
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.attempts == 2 and row.status == Status.QUEUED
    assert (row.next_attempt_at - timezone.now()).total_seconds() > 250  # second delay
    row.next_attempt_at = timezone.now()
    row.save()
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 3 and row.last_error == ""
    assert len(sms_outbox) == 1


def test_too_many_failures_end_as_failed(flaky_sms, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    flaky_sms.failures = 10
    row = notifications.notify(UserFactory(by_sms=True), "test")[0]
    for _ in range(2):
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 2
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert notifications.deliver(row.pk) is None
    assert notifications.sweep() == 0


def test_a_permanent_error_fails_at_once(flaky_sms):
    flaky_sms.failures = 1
    flaky_sms.error = sms.PermanentSmsError("Twilio 400, code 21211 : The 'To' number is not a valid phone number.")
    row = notifications.notify(UserFactory(by_sms=True), "test")[0]
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 1
    assert "21211" in row.last_error


def test_smtp_refusing_the_address_fails_at_once(smtp_server):
    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such user"

    smtp_server.handler.handle_RCPT = refuse
    row = notifications.notify(UserFactory(email="inconnu@exemple.fr"), "test")[0]
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.failure_kind == Notification.FailureKind.PERMANENT
    assert "Adresse refusée par le serveur de messagerie" in row.last_error


def test_smtp_asking_to_try_later_is_a_passing_failure(smtp_server):
    async def greylist(server, session, envelope, address, rcpt_options):
        return "450 4.2.0 Greylisted, try again later"

    smtp_server.handler.handle_RCPT = greylist
    row = notifications.notify(UserFactory(email="parent@exemple.fr"), "test")[0]
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.failure_kind == Notification.FailureKind.TRANSIENT
    assert "450" in row.last_error


# Failed rows retried once the provider answers again


def fail_for_good(row, kind=Notification.FailureKind.TRANSIENT, failed_ago=3600, created_ago=3600):
    now = timezone.now()
    Notification.objects.filter(pk=row.pk).update(
        status=Status.FAILED,
        attempts=5,
        failure_kind=kind,
        failed_at=now - datetime.timedelta(seconds=failed_ago),
        created_at=now - datetime.timedelta(seconds=created_ago),
    )


def test_failed_rows_are_queued_again_once_the_smtp_server_answers(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    from tests.servers import SmtpServer, free_port

    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kwargs: queued.append(args[0]))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = free_port()  # down
    settings.EMAIL_TIMEOUT = 2
    settings.NOTIFICATION_RETRY_FAILED_AFTER = 900
    settings.NOTIFICATION_RETRY_HORIZON = 7 * 86400
    user = UserFactory()
    outage = notifications.notify(user, "test")[0]
    fail_for_good(outage)
    refused = notifications.notify(user, "test")[0]
    fail_for_good(refused, kind=Notification.FailureKind.PERMANENT)
    just_failed = notifications.notify(user, "test")[0]
    fail_for_good(just_failed, failed_ago=60)
    too_old = notifications.notify(user, "test")[0]
    fail_for_good(too_old, created_ago=8 * 86400)
    assert notifications.sweep() == 0  # the server does not answer: nothing changes
    assert Notification.objects.filter(status=Status.FAILED).count() == 4

    server = SmtpServer(port=settings.EMAIL_PORT).start()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert notifications.sweep() == 1
        assert queued == [outage.pk]
        outage.refresh_from_db()
        assert outage.status == Status.QUEUED and outage.attempts == 0 and outage.failed_at is None
        assert outage.failure_kind == Notification.FailureKind.TRANSIENT  # kept: what the last attempt said
        notifications.deliver(outage.pk)
        notifications.deliver(outage.pk)
        assert notifications.sweep() == 0
    finally:
        server.stop()
    outage.refresh_from_db()
    assert outage.status == Status.SENT and outage.failure_kind == ""
    assert server.message_ids() == [outage.message_id]
    assert set(Notification.objects.filter(status=Status.FAILED).values_list("pk", flat=True)) == {
        refused.pk,
        just_failed.pk,
        too_old.pk,
    }


def test_failed_sms_are_queued_again_only_when_the_sms_provider_answers(
    flaky_sms, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kwargs: queued.append(args[0]))
    row = notifications.notify(UserFactory(by_sms=True), "test")[0]
    fail_for_good(row, kind=Notification.FailureKind.UNCERTAIN)
    monkeypatch.setattr(flaky_sms, "probe", lambda self: False, raising=False)
    assert notifications.sweep() == 0
    monkeypatch.setattr(flaky_sms, "probe", lambda self: True, raising=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.sweep() == 1
    assert queued == [row.pk]
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.failure_kind == Notification.FailureKind.UNCERTAIN


def test_a_failure_after_an_attempt_of_unknown_outcome_stays_uncertain(flaky_sms, settings):
    flaky_sms.failures = 2
    flaky_sms.error = sms.UncertainSmsError("Twilio sans réponse")
    row = notifications.notify(UserFactory(by_sms=True), "test")[0]
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.failure_kind == Notification.FailureKind.UNCERTAIN
    flaky_sms.error = sms.SmsError("Twilio injoignable")
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.failure_kind == Notification.FailureKind.UNCERTAIN  # the first one may still have gone out


# The daily digest of failures to the technical contact


def test_failures_digest_goes_to_the_technical_contact_without_family_data(home, settings):
    from pages.models import ClubSettings

    club = ClubSettings.for_site(home.get_site())
    club.contact_email = "technique@le-po.com"
    club.save()
    assert notifications.send_failures_digest() == 0  # nothing to say: nothing sent
    assert not Notification.objects.filter(kind=notifications.FAILURES_DIGEST_KIND).exists()

    user = UserFactory(email="lea.martin@exemple.fr", first_name="Léa", last_name="Martin")
    outage = notifications.notify(user, "account_validated")[0]
    fail_for_good(outage, failed_ago=3600)
    refused = notifications.notify(user, "test")[0]
    fail_for_good(refused, kind=Notification.FailureKind.PERMANENT, failed_ago=7200)
    last_week = notifications.notify(user, "test")[0]
    fail_for_good(last_week, failed_ago=3 * 86400)  # told in an earlier digest
    late = notifications.notify(user, "test")[0]
    Notification.objects.filter(pk=late.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))

    assert notifications.send_failures_digest() == 2
    digest = Notification.objects.get(kind=notifications.FAILURES_DIGEST_KIND)
    assert digest.address == "technique@le-po.com" and digest.channel == Channel.EMAIL
    assert digest.subject == "2 notifications en échec depuis hier"
    text = digest.body_text
    assert f"n° {outage.pk} · account_validated" in text and f"n° {refused.pk} · test" in text
    assert f"n° {last_week.pk} " not in text
    assert "1 a échoué pour une raison passagère" in text and "1 a échoué pour de bon" in text
    assert "1 notification attend son envoi depuis plus de 30 minutes" in text
    assert admin_url("notifications.notification", "inspect", outage.pk) in text
    for personal in ("lea.martin", "Léa", "Martin"):
        assert personal not in text and personal not in digest.body_html and personal not in digest.subject

    fail_for_good(digest, failed_ago=60)  # the digest itself failing is not listed in the next one
    Notification.objects.filter(pk=late.pk).delete()
    Notification.objects.filter(pk__in=[outage.pk, refused.pk]).delete()
    assert notifications.send_failures_digest() == 0


def test_failures_digest_is_a_daily_schedule():
    from django_q.models import Schedule

    call_command("setup_schedules", stdout=StringIO())
    schedule = Schedule.objects.get(func="memberspace.notifications.tasks.send_notification_failures_digest")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1


# The sweeper


def test_sweeper_requeues_what_the_broker_lost(django_capture_on_commit_callbacks, monkeypatch, settings):
    settings.NOTIFICATION_REQUEUE_AFTER = 120
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kwargs: queued.append(args[0]))
    row = notify_and_commit(django_capture_on_commit_callbacks, UserFactory())[0]
    assert queued == [row.pk]  # handed to the broker on commit, which "loses" it
    assert notifications.sweep() == 0  # enqueued a moment ago: probably still in the broker
    assert notifications.sweep(now=timezone.now() + datetime.timedelta(seconds=121)) == 1
    assert queued == [row.pk, row.pk]


def test_sweeper_takes_back_the_rows_of_a_dead_worker(monkeypatch, settings):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kwargs: queued.append(args[0]))
    row = notifications.notify(UserFactory(), "test")[0]
    notifications.claim(row.pk, timezone.now())  # a worker took it, then died
    now = timezone.now()
    assert notifications.sweep(now=now) == 0  # its lease still runs
    after_lease = now + datetime.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS + 1)
    assert notifications.sweep(now=after_lease) == 1
    assert queued == [row.pk]


def test_broker_outage_on_commit_is_logged_not_raised(django_capture_on_commit_callbacks, monkeypatch, caplog):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr("django_q.tasks.async_task", broker_down)
    row = notify_and_commit(django_capture_on_commit_callbacks, UserFactory())[0]
    row.refresh_from_db()
    assert row.status == Status.QUEUED
    assert "the sweeper will retry" in caplog.text


def test_sweeper_is_a_schedule_set_up_by_code():
    from django_q.models import Schedule

    call_command("setup_schedules", stdout=StringIO())
    output = StringIO()
    call_command("setup_schedules", stdout=output)
    assert "déjà à jour" in output.getvalue()
    assert Schedule.objects.count() == len(SCHEDULES)  # once each, however many runs
    schedule = Schedule.objects.get(func="memberspace.notifications.tasks.sweep_notifications")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1 and schedule.repeats == -1


# Resending


def test_resend_a_failed_notification(flaky_sms, django_capture_on_commit_callbacks, sms_outbox):
    flaky_sms.failures = 1
    flaky_sms.error = sms.PermanentSmsError("Twilio 400 : numéro invalide")
    secretary = UserFactory(is_staff=True)
    row = notify_and_commit(django_capture_on_commit_callbacks, UserFactory(by_sms=True))[0]
    row.refresh_from_db()
    assert row.status == Status.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        notifications.resend(row, by=secretary)
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 1
    assert len(sms_outbox) == 1
    entry = ModelLogEntry.objects.get(action="po.notification.resend")
    assert entry.user == secretary and entry.object_id == str(row.pk)


@pytest.mark.parametrize("status", [Status.QUEUED, Status.SENT])
def test_only_a_failed_notification_can_be_resent(status):
    row = notifications.notify(UserFactory(), "test")[0]
    Notification.objects.filter(pk=row.pk).update(status=status)
    row.refresh_from_db()
    with pytest.raises(NotificationError, match="Seule une notification en échec peut être renvoyée."):
        notifications.resend(row, by=UserFactory())


# SMS text


def test_sms_bodies_are_gsm_signed_and_short():
    long_name = ("Marie-Bérénice-Françoise-Clémentine " * 5)[:150]
    user = UserFactory(by_sms=True, first_name=long_name)
    row = notifications.notify(user, "test")[0]
    assert row.body_text.startswith("Le PO")
    assert sms.sms_segments(row.body_text) <= 2
    assert row.body_text == sms.to_gsm(row.body_text)


def test_gsm_conversion_and_segments():
    assert sms.to_gsm("Forêt, été, garçon, « cœur »\u00a0!") == 'Foret, été, garcon, "coeur" !'
    assert sms.sms_segments("a" * 160) == 1
    assert sms.sms_segments("a" * 161) == 2
    assert sms.sms_segments("€" * 80) == 1  # two septets each
    assert sms.sms_segments("ê" * 70) == 1  # UCS-2
    assert sms.sms_segments("ê" * 71) == 2


# Safety nets


@pytest.mark.parametrize(
    ("overrides", "check_id"),
    [
        ({"EMAIL_TIMEOUT": 90}, "notifications.E002"),
        ({"TWILIO_TIMEOUT": None}, "notifications.E002"),
        ({"NOTIFICATION_LEASE_SECONDS": 30}, "notifications.E003"),
        ({"NOTIFICATION_MAX_ATTEMPTS": 0}, "notifications.E004"),
    ],
)
def test_system_checks_guard_the_timeouts(overrides, check_id):
    assert not [error for error in run_checks() if error.id.startswith("memberspace.")]
    with override_settings(**overrides):
        assert check_id in {error.id for error in run_checks()}


def test_task_timeout_must_be_shorter_than_retry(settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 200, "retry": 120}
    assert "notifications.E001" in {error.id for error in run_checks()}


def test_send_test_notification_command(django_capture_on_commit_callbacks):
    UserFactory(email="parent@exemple.fr")
    output = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_test_notification", "PARENT@exemple.fr", stdout=output)
    assert "mise en file pour parent@exemple.fr" in output.getvalue()
    assert mail.outbox[0].subject == "Message de test du PO"
