"""django-q2 task entry points of the accounts (scheduled in config/schedules.py)."""

from . import services


def send_waiting_accounts_digest():
    return services.send_waiting_accounts_digest()
