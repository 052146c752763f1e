"""The project's periodic jobs, registered as django-q2 schedules by code.

``manage.py setup_schedules`` (run by ``make run`` and by every deployment)
creates or updates them by name; nobody creates them by hand in the admin.
Later features add their jobs to ``SCHEDULES``.
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.models import Schedule

from memberspace.privacy.services import PURGES

SCHEDULES = [
    {
        "name": "Notifications : relance des envois en attente",
        "func": "memberspace.notifications.tasks.sweep_notifications",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {
        # Nothing is sent on a day without failed or late notifications.
        "name": "Notifications : échecs de la veille au contact technique",
        "func": "memberspace.notifications.tasks.send_notification_failures_digest",
        "schedule_type": Schedule.DAILY,
        "first_run": lambda: next_local_time(7),
    },
    {
        # Fires daily; the digest itself skips weekends and French public holidays.
        "name": "Comptes parents : liste quotidienne des comptes à valider",
        "func": "memberspace.accounts.tasks.send_waiting_accounts_digest",
        "schedule_type": Schedule.DAILY,
        "first_run": lambda: next_local_time(8),
    },
    {
        # Idempotent: two runs at once close each expired offer once and offer each place once.
        "name": "Inscriptions : places libérées proposées, propositions expirées",
        "func": "memberspace.enrollments.tasks.run_waiting_lists",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {
        "name": "Inscriptions : relance des acomptes en retard",
        "func": "memberspace.enrollments.tasks.send_deposit_reminders",
        "schedule_type": Schedule.DAILY,
        "first_run": lambda: next_local_time(9),
    },
    {
        # Idempotent: a checkout's payment is recorded once, however many reads (and notifications).
        "name": "Paiements : paiements en ligne ouverts relus chez HelloAsso",
        "func": "memberspace.payments.tasks.sync_open_checkouts",
        "schedule_type": Schedule.MINUTES,
        "minutes": 15,
    },
    {
        # Idempotent: a due is reminded once (payments.DueReminder), however many runs.
        "name": "Paiements : rappel avant l'échéance de l'acompte ou du solde",
        "func": "memberspace.payments.tasks.send_due_reminders",
        "schedule_type": Schedule.DAILY,
        "first_run": lambda: next_local_time(10),
    },
    *(
        {
            "name": f"Données personnelles : purge « {name} »",
            "func": "memberspace.privacy.tasks.purge_personal_data",
            "args": repr(name),
            "schedule_type": Schedule.DAILY,
            "first_run": lambda: next_local_time(3),
        }
        for name in PURGES
    ),
    {
        # /health/ reports the worker stale when this has not run lately (config/health.py).
        "name": "Supervision : signe de vie du worker",
        "func": "config.tasks.heartbeat",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
]


def next_local_time(hour):
    """The next time the clock shows ``hour`` o'clock in the site's time zone."""
    now = timezone.localtime()
    candidate = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return candidate if candidate > now else candidate + datetime.timedelta(days=1)


def setup_schedules():
    """Create or update every schedule of ``SCHEDULES``; remove ours that left the list.

    Returns ``(created, updated, removed)`` names.
    """
    created, updated = [], []
    names = [spec["name"] for spec in SCHEDULES]
    with transaction.atomic():
        for spec in SCHEDULES:
            fields = {key: value for key, value in spec.items() if key not in ("name", "first_run")}
            fields.setdefault("repeats", -1)
            schedule = Schedule.objects.filter(name=spec["name"]).first()
            if schedule is None:
                first_run = spec["first_run"]() if "first_run" in spec else timezone.now()
                Schedule.objects.create(name=spec["name"], next_run=first_run, **fields)
                created.append(spec["name"])
            elif any(getattr(schedule, key) != value for key, value in fields.items()):
                for key, value in fields.items():
                    setattr(schedule, key, value)
                schedule.save()
                updated.append(spec["name"])
        ours = Q(func__startswith="memberspace.") | Q(func__startswith="config.tasks.")
        stale = Schedule.objects.filter(ours).exclude(name__in=names)
        removed = list(stale.values_list("name", flat=True))
        stale.delete()
    return created, updated, removed
