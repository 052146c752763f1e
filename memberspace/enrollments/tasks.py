"""django-q2 task entry points of the enrollments (scheduled in config/schedules.py)."""

from . import services


def send_deposit_reminders():
    return services.send_deposit_reminders()
