"""System checks: the notification timeouts nest as the outbox needs them to; someone gets the error reports."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_notification_timeouts(app_configs, **kwargs):
    errors = []
    q_timeout = settings.Q_CLUSTER.get("timeout")
    q_retry = settings.Q_CLUSTER.get("retry")
    if not q_timeout or not q_retry or q_timeout >= q_retry:
        errors.append(
            Error(
                "Q_CLUSTER['timeout'] must be set and shorter than Q_CLUSTER['retry'].",
                hint="Otherwise the broker hands a task to a second worker while the first still runs it.",
                id="notifications.E001",
            )
        )
    for name in ("EMAIL_TIMEOUT", "TWILIO_TIMEOUT"):
        value = getattr(settings, name, None)
        if not value or (q_timeout and value >= q_timeout):
            errors.append(
                Error(
                    f"{name} must be set and shorter than Q_CLUSTER['timeout'] ({q_timeout} s).",
                    hint="A network call must give up before the task is killed, so its failure is recorded.",
                    id="notifications.E002",
                )
            )
    if q_timeout and q_timeout >= settings.NOTIFICATION_LEASE_SECONDS:
        errors.append(
            Error(
                "NOTIFICATION_LEASE_SECONDS must be longer than Q_CLUSTER['timeout'].",
                hint="A worker's hold on a notification must outlast the task, or two workers could send it.",
                id="notifications.E003",
            )
        )
    if not 1 <= settings.NOTIFICATION_MAX_ATTEMPTS <= 20 or not settings.NOTIFICATION_RETRY_DELAYS:
        errors.append(
            Error(
                "NOTIFICATION_MAX_ATTEMPTS must be between 1 and 20, with NOTIFICATION_RETRY_DELAYS set.",
                id="notifications.E004",
            )
        )
    if not 1 <= settings.Q_CLUSTER.get("max_attempts", 0) <= 10:
        errors.append(Error("Q_CLUSTER['max_attempts'] must be between 1 and 10.", id="notifications.E005"))
    return errors
