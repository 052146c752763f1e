"""django-q2 task entry points: they take primary keys and call the services."""

from config import health
from memberspace.services import accounts, enrollments, notifications, personal_data


def deliver_notification(notification_id):
    row = notifications.deliver(notification_id)
    return row.status if row else "nothing to do"


def sweep_notifications():
    return notifications.sweep()


def send_notification_failures_digest():
    return notifications.send_failures_digest()


def send_waiting_accounts_digest():
    return accounts.send_waiting_accounts_digest()


def send_deposit_reminders():
    return enrollments.send_deposit_reminders()


def purge_personal_data(name):
    """One of the retention purges of memberspace.services.personal_data.PURGES, by name."""
    return personal_data.PURGES[name]().count


def heartbeat():
    """Every minute: the proof, for /health/, that a worker runs the scheduled tasks."""
    return health.record_heartbeat()
