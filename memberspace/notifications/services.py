"""Notifications: one call to tell a parent something, by email and/or SMS.

``notify()`` renders the French templates of a kind and writes one
``Notification`` row per channel in the caller's transaction; after the commit,
a django-q2 task per row delivers it (``deliver()``). Delivery is idempotent
and retried:

- a task claims its row (``select_for_update(skip_locked=True)`` where the
  database has it; SQLite serialises writers anyway) for a lease, sends outside
  any transaction, then marks the row sent with the provider's id;
- a task that finds its row sent, failed, not yet due or held by another
  worker does nothing, so running it twice sends once;
- a failure records the error and what it says of the next attempt
  (``Notification.FailureKind``: passing, unknown outcome, permanent) and
  schedules the next attempt with back-off; after ``NOTIFICATION_MAX_ATTEMPTS``
  (or at once for a permanent error) the row is failed, and the secretariat
  can resend it from the admin;
- ``sweep()``, a periodic task, hands the broker again every row still queued
  that is due and unclaimed (or whose worker died: its lease ran out), so
  nothing depends on the broker keeping a message; and it queues again the
  rows failed for a passing reason once their provider answers again
  (``retry_failed()``), so an outage longer than the back-off loses nothing;
- an SMS whose earlier attempt may have reached Twilio (a timeout, a worker
  that died mid-send) is looked for in Twilio's message log before it is sent
  again: found, it is recorded as sent.

The admin's home (a dashboard panel), ``/health/`` and a daily digest to the
club's technical contact tell of failed and late rows (``outbox_summary()``,
``send_failures_digest()``).

A worker killed in the middle of a send loses nothing: its row stays queued
and is sent again once the lease has run out. The message can then arrive
twice only if the provider had accepted it before the worker died and before
the row was marked sent; emails keep the same Message-ID on every attempt so
that such a duplicate can be recognised.
"""

import datetime
import logging
import smtplib
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, Q
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from memberspace import MemberspaceError
from memberspace.notifications import kinds, phones, sms
from memberspace.notifications.models import Notification, NotificationPreference


class NotificationError(MemberspaceError):
    pass


logger = logging.getLogger("po.notifications")

Channel = Notification.Channel
TEMPLATE_DIR = "notifications"
TEXT_ENGINE = "text"  # settings.TEMPLATES: the same templates, rendered without HTML escaping
DELIVER_TASK = "memberspace.notifications.tasks.deliver_notification"
FAILURES_DIGEST_KIND = "technical_notification_failures"
SMS_MAX_SEGMENTS = 2


class PermanentDeliveryError(Exception):
    """Delivery failed for a reason no retry will fix."""


class UncertainDeliveryError(Exception):
    """Delivery failed after the provider may have accepted the message (its answer was lost)."""


# Composing


def preferred_channels(user):
    return {
        NotificationPreference.EMAIL: {Channel.EMAIL},
        NotificationPreference.SMS: {Channel.SMS},
        NotificationPreference.BOTH: {Channel.EMAIL, Channel.SMS},
    }.get(user.notification_preference, {Channel.EMAIL})


def template_name(kind, part):
    return f"{TEMPLATE_DIR}/{kind}.{part}"


def has_template(kind, part):
    try:
        get_template(template_name(kind, part))
    except TemplateDoesNotExist:
        return False
    return True


def club_context():
    from pages.models import ClubSettings

    club = ClubSettings.current()
    return {
        "club": club,
        "club_name": settings.WAGTAIL_SITE_NAME,
        "site_url": settings.SITE_BASE_URL.rstrip("/"),
    }


def render_text(name, context, request=None):
    """A plain-text template (a subject, a text part, an SMS), rendered as text: nothing HTML-escaped.

    A name typed « D'Almeida <b> & "x" » arrives as typed, not as « D&#x27;Almeida &lt;b&gt; ».
    Only the HTML part is rendered by the default engine, which escapes.
    """
    return render_to_string(name, context, request, using=TEXT_ENGINE)


def render_email(kind, context):
    subject = render_text(template_name(kind, "subject.txt"), context)
    subject = " ".join(subject.split())  # one line, whatever the template's layout
    body_text = render_text(template_name(kind, "txt"), context).strip() + "\n"
    body_html = render_to_string(template_name(kind, "html"), context) if has_template(kind, "html") else ""
    return subject, body_text, body_html


def render_sms(kind, context):
    """The SMS text, signed by the club and kept within ``SMS_MAX_SEGMENTS`` segments."""
    body = " ".join(render_text(template_name(kind, "sms.txt"), context).split())
    if not body.startswith(settings.WAGTAIL_SITE_NAME):  # an SMS says who is writing
        body = f"{settings.WAGTAIL_SITE_NAME} : {body}"
    body = sms.to_gsm(body)
    if sms.sms_segments(body) > SMS_MAX_SEGMENTS:
        logger.warning("SMS %s longer than %s segments: shortened", kind, SMS_MAX_SEGMENTS)
        while sms.sms_segments(body + "...") > SMS_MAX_SEGMENTS:
            body = body[:-1]
        body = body.rstrip() + "..."
    return body


def notify(user, kind, context=None, channels=None):
    """Tell ``user`` something: render ``notifications/<kind>.*`` and queue one row per channel.

    Channels default to the user's preference. SMS goes only to a valid mobile
    number and only for kinds that have an SMS template; when the SMS cannot
    go, the email says why in its remarks (and is sent even if the parent
    asked for SMS only, so that nobody is left untold). Must be called inside
    the transaction of the change it reports: rows are queued on commit.
    """
    kinds.check(kind)
    wanted = set(channels) if channels else preferred_channels(user)
    remarks = []
    mobile = None
    if Channel.SMS in wanted:
        mobile = phones.mobile_e164(user.phone)
        if not has_template(kind, "sms.txt"):
            wanted.discard(Channel.SMS)
            wanted.add(Channel.EMAIL)
        elif mobile is None:
            wanted.discard(Channel.SMS)
            wanted.add(Channel.EMAIL)
            remarks.append(
                _("SMS non envoyé : pas de numéro de portable valide (%(phone)s).")
                % {"phone": user.phone or _("aucun numéro")}
            )

    with translation.override(settings.LANGUAGE_CODE):
        full_context = {**club_context(), "user": user, **(context or {})}
        rows = []
        if Channel.EMAIL in wanted:
            subject, body_text, body_html = render_email(kind, full_context)
            rows.append(
                Notification(
                    kind=kind,
                    channel=Channel.EMAIL,
                    user=user,
                    address=user.email,
                    subject=subject,
                    body_text=body_text,
                    body_html=body_html,
                    remarks="\n".join(remarks),
                )
            )
        if Channel.SMS in wanted:
            rows.append(
                Notification(
                    kind=kind, channel=Channel.SMS, user=user, address=mobile, body_text=render_sms(kind, full_context)
                )
            )
    for row in rows:
        row.save()
        transaction.on_commit(partial(enqueue, row.pk))
    return rows


def notify_address(address, kind, context=None):
    """Email someone who may have no account yet (an invited co-parent): ``notifications/<kind>.*``."""
    kinds.check(kind)
    with translation.override(settings.LANGUAGE_CODE):
        subject, body_text, body_html = render_email(kind, {**club_context(), **(context or {})})
    return queue_email(address, kind, subject, body_text, body_html)


def queue_email(address, kind, subject, body_text, body_html="", user=None):
    """Queue an email composed elsewhere (allauth's messages) through the same outbox."""
    row = Notification.objects.create(
        kind=kind,
        channel=Channel.EMAIL,
        user=user,
        address=address,
        subject=" ".join(subject.split()),
        body_text=body_text,
        body_html=body_html,
    )
    transaction.on_commit(partial(enqueue, row.pk))
    return row


# Delivering


def enqueue(notification_id):
    """Hand a row to the task broker. If the broker is down, the sweeper will try again."""
    from django_q.tasks import async_task

    Notification.objects.filter(pk=notification_id).update(enqueued_at=timezone.now())
    try:
        async_task(DELIVER_TASK, notification_id, task_name=f"notification-{notification_id}", group="notifications")
    except Exception:
        logger.exception("Could not queue notification %s; the sweeper will retry", notification_id)


def claim(notification_id, now):
    """Take the row for one delivery attempt, or return None if it is not ours to send."""
    with transaction.atomic():
        row = Notification.objects.select_for_update(skip_locked=True).claimable(now).filter(pk=notification_id).first()
        if row is None:
            return None
        row.attempts += 1
        row.claimed_until = now + datetime.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
        row.save(update_fields=["attempts", "claimed_until"])
    return row


def deliver(notification_id):
    """Send one row if it is still due; returns the row, or None if there was nothing to do."""
    row = claim(notification_id, timezone.now())
    if row is None:
        return None
    try:
        provider_message_id = send(row)
    except Exception as error:  # every failure is recorded on the row; none may escape unrecorded
        record_failure(row, error)
        return row
    row.status = Notification.Status.SENT
    row.sent_at = timezone.now()
    row.provider_message_id = provider_message_id[:255]
    row.claimed_until = None
    row.last_error = ""
    row.failure_kind = ""
    row.save(update_fields=["status", "sent_at", "provider_message_id", "claimed_until", "last_error", "failure_kind"])
    return row


def send(row):
    if row.channel == Channel.SMS:
        return send_sms(row)
    return send_email(row)


def send_sms(row):
    """Send the row's SMS, unless an earlier attempt already reached the provider.

    Twilio's REST API takes no idempotency key: after an attempt of unknown
    outcome, the message is looked for in Twilio's log (same number, same
    text, created since the row, not already another row's) and, found,
    recorded as sent instead of sent again. If the log cannot be read, the
    attempt fails (and stays uncertain).
    """
    backend = sms.get_backend()
    try:
        if row.may_have_reached_the_provider():
            since = row.created_at - datetime.timedelta(minutes=5)  # the provider's clock may differ a little
            found = backend.find_sent(row.address, row.body_text, since=since)
            taken = set(
                Notification.objects.filter(provider_message_id__in=found)
                .exclude(pk=row.pk)
                .values_list("provider_message_id", flat=True)
            )
            earlier = next((sid for sid in found if sid not in taken), None)
            if earlier:
                logger.info("Notification %s: already accepted by the provider (%s), not sent again", row.pk, earlier)
                return earlier
        return backend.send(row.address, row.body_text)
    except sms.PermanentSmsError as error:
        raise PermanentDeliveryError(str(error)) from error
    except sms.UncertainSmsError as error:
        raise UncertainDeliveryError(str(error)) from error


def send_email(row):
    from pages.models import ClubSettings

    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.address],
        reply_to=[ClubSettings.current().contact_email],
        headers={"Message-ID": row.message_id, "X-PO-Notification": str(row.pk)},
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    try:
        with get_connection(fail_silently=False) as connection:
            connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused as error:
        # 5xx: this address is refused for good; 4xx (greylisting, full mailbox): try again later.
        codes = [code for code, _text in error.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            raise PermanentDeliveryError(_("Adresse refusée par le serveur de messagerie : %s") % error) from error
        raise
    except smtplib.SMTPDataError as error:
        if error.smtp_code >= 500:  # this message is refused (content, size): no retry will pass it
            raise PermanentDeliveryError(_("Message refusé par le serveur de messagerie : %s") % error) from error
        raise
    # Anything else (server unreachable, timeout, 4xx, a refused sender or login: the relay's
    # configuration, for every message) is passing: retried, and again once the server answers.
    return row.message_id


def describe(error):
    if isinstance(error, ConnectionRefusedError):
        return _("Serveur injoignable (connexion refusée) : %s") % error
    if isinstance(error, TimeoutError):
        return _("Délai dépassé : %s") % error
    return f"{error.__class__.__name__} : {error}"


def failure_kind(row, error):
    """What ``error`` says of the next attempt.

    An unknown outcome (this attempt's, or an earlier one's: see
    ``Notification.may_have_reached_the_provider``) stays so until the row is
    sent, so that the next attempt looks for the message first too.
    """
    Kind = Notification.FailureKind
    if isinstance(error, PermanentDeliveryError):
        return Kind.PERMANENT
    if isinstance(error, UncertainDeliveryError) or row.may_have_reached_the_provider():
        return Kind.UNCERTAIN
    return Kind.TRANSIENT


def record_failure(row, error):
    now = timezone.now()
    row.failure_kind = failure_kind(row, error)
    row.last_error = describe(error)[:2000]
    row.claimed_until = None
    row.enqueued_at = None  # due again later: the sweeper hands it back to the broker
    if row.failure_kind == Notification.FailureKind.PERMANENT or row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        row.status = Notification.Status.FAILED
        row.failed_at = now
    else:
        delays = settings.NOTIFICATION_RETRY_DELAYS
        row.next_attempt_at = now + datetime.timedelta(seconds=delays[min(row.attempts, len(delays)) - 1])
    row.save(
        update_fields=[
            "last_error",
            "failure_kind",
            "claimed_until",
            "enqueued_at",
            "status",
            "failed_at",
            "next_attempt_at",
        ]
    )
    logger.warning(
        "Notification %s (%s, attempt %s) failed (%s): %s",
        row.pk,
        row.channel,
        row.attempts,
        row.failure_kind,
        row.last_error,
    )


def sweep(now=None, limit=500):
    """Hand the broker again every queued row that is due and held by no live worker.

    A row enqueued a moment ago is left alone (its task is probably waiting in
    the broker) unless ``NOTIFICATION_REQUEUE_AFTER`` seconds have passed.
    Returns how many rows were handed over.
    """
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER)
    due = (
        Notification.objects.claimable(now)
        .exclude(enqueued_at__gt=stale)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(due)
    for notification_id in ids:
        enqueue(notification_id)
    return len(ids) + retry_failed(now, limit=limit)


def provider_answers(channel):
    """Whether ``channel``'s provider answers now: the SMTP server to a login and NOOP, Twilio to a read."""
    try:
        if channel == Channel.SMS:
            return bool(sms.get_backend().probe())
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
            smtp = getattr(connection, "connection", None)  # the SMTP backend's; others have nothing to ask
            if smtp is not None:
                code, _text = smtp.noop()
                return 200 <= code < 300
            return True
        finally:
            connection.close()
    except Exception as error:  # noqa: BLE001 (not answering is the answer)
        logger.info("The %s provider does not answer yet: %r", channel, error)
        return False


def retry_failed(now=None, limit=500):
    """Queue again the rows failed for a passing reason, for each channel whose provider answers again.

    A row is taken ``NOTIFICATION_RETRY_FAILED_AFTER`` seconds after it failed at
    the earliest, until ``NOTIFICATION_RETRY_HORIZON`` after its creation, with a
    new series of attempts (its failure kind is kept: an SMS of unknown outcome
    is still looked for at the provider first). The rows are locked and re-read
    as failed, so a resend from the admin at the same moment queues a row once;
    the claim of ``deliver()`` keeps sending it once. Returns how many were queued.
    """
    now = now or timezone.now()
    waited = now - datetime.timedelta(seconds=settings.NOTIFICATION_RETRY_FAILED_AFTER)
    candidates = Notification.objects.retriable_failures(now).filter(failed_at__lte=waited)
    queued = 0
    for channel in sorted(set(candidates.order_by().values_list("channel", flat=True).distinct())):
        if not provider_answers(channel):
            continue
        with transaction.atomic():
            rows = list(
                candidates.filter(channel=channel)
                .select_for_update(skip_locked=True)
                .order_by("failed_at")
                .values_list("pk", flat=True)[:limit]
            )
            Notification.objects.filter(pk__in=rows, status=Notification.Status.FAILED).update(
                status=Notification.Status.QUEUED,
                attempts=0,
                next_attempt_at=now,
                claimed_until=None,
                enqueued_at=None,
                failed_at=None,
            )
            for notification_id in rows:
                transaction.on_commit(partial(enqueue, notification_id))
        if rows:
            logger.info("%s failed %s notifications queued again: the provider answers", len(rows), channel)
        queued += len(rows)
    return queued


# Telling


def outbox_summary(now=None):
    """What needs a look, in one query: ``{"retriable", "permanent", "late"}`` counts.

    Failed rows count within ``NOTIFICATION_RETRY_HORIZON`` of their creation:
    ``retriable`` ones wait for their provider, ``permanent`` ones for the
    secretariat. ``late`` rows are still queued ``NOTIFICATION_LATE_AFTER``
    seconds after their creation.
    """
    now = now or timezone.now()
    horizon = now - datetime.timedelta(seconds=settings.NOTIFICATION_RETRY_HORIZON)
    late = now - datetime.timedelta(seconds=settings.NOTIFICATION_LATE_AFTER)
    Status = Notification.Status
    retriable = Q(failure_kind__in=Notification.FailureKind.retriable())
    return Notification.objects.filter(
        Q(status=Status.FAILED, created_at__gte=horizon) | Q(status=Status.QUEUED, created_at__lt=late)
    ).aggregate(
        retriable=Count("pk", filter=Q(status=Status.FAILED) & retriable),
        permanent=Count("pk", filter=Q(status=Status.FAILED) & ~retriable),
        late=Count("pk", filter=Q(status=Status.QUEUED)),
    )


def send_failures_digest(now=None):
    """Email the club's technical contact the notifications that failed in the last day, and the late ones.

    Run daily by a django-q2 schedule; sends nothing when there is nothing to
    say. The email goes through the outbox like any other (and is retried like
    any other after an outage). It names no family: kinds, dates, errors' kinds
    and links to the admin. Returns how many failed rows were listed.
    """
    from pages.models import ClubSettings

    now = now or timezone.now()
    failed = list(
        Notification.objects.filter(status=Notification.Status.FAILED, failed_at__gte=now - datetime.timedelta(days=1))
        .exclude(kind=FAILURES_DIGEST_KIND)
        .order_by("failed_at")
    )
    late = Notification.objects.late(now).count()
    if not failed and not late:
        return 0
    retriable = sum(row.failure_kind in Notification.FailureKind.retriable() for row in failed)
    context = {
        "failed": failed,
        "failed_count": len(failed),
        "retriable_count": retriable,
        "permanent_count": len(failed) - retriable,
        "late_count": late,
        "late_minutes": settings.NOTIFICATION_LATE_AFTER // 60,
        "horizon_days": settings.NOTIFICATION_RETRY_HORIZON // 86400,
    }
    with transaction.atomic():
        notify_address(ClubSettings.current().contact_email, FAILURES_DIGEST_KIND, context)
    return len(failed)


def resend(notification, *, by):
    """Queue a failed notification again, from the start of its attempts (secretariat)."""
    from wagtail.log_actions import log

    from memberspace.notifications.services import NotificationError

    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=notification.pk)
        if not row.can_be_resent():
            raise NotificationError(_("Seule une notification en échec peut être renvoyée."))
        row.status = Notification.Status.QUEUED
        row.attempts = 0
        row.next_attempt_at = timezone.now()
        row.claimed_until = None
        row.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_until"])
        log(instance=row, action="po.notification.resend", user=by)
        transaction.on_commit(partial(enqueue, row.pk))
    return row
