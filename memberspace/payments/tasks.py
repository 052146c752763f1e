"""Payments' django-q2 tasks (config/schedules.py runs them)."""

from . import services


def send_due_reminders():
    """The daily run: each guardian reminded of what falls due in a few days (once per due)."""
    return services.send_due_reminders()


def sync_open_checkouts():
    """Every quarter of an hour: the open checkouts read back (a notification lost records nothing otherwise)."""
    return services.sync_open_checkouts()
