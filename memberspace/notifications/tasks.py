"""django-q2 task entry points of the outbox: they take primary keys and call the services."""

from . import services


def deliver_notification(notification_id):
    row = services.deliver(notification_id)
    return row.status if row else "nothing to do"


def sweep_notifications():
    return services.sweep()


def send_notification_failures_digest():
    return services.send_failures_digest()
