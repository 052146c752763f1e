"""The project's periodic jobs, registered as django-q2 schedules by code.

``manage.py setup_schedules`` (run by ``make run`` and by every deployment)
creates or updates them by name; nobody creates them by hand in the admin.
Later features add their jobs to ``SCHEDULES``.
"""

from django.db import transaction
from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "Notifications : relance des envois en attente",
        "func": "memberspace.tasks.sweep_notifications",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
]


def setup_schedules():
    """Create or update every schedule of ``SCHEDULES``; remove ours that left the list.

    Returns ``(created, updated, removed)`` names.
    """
    created, updated = [], []
    names = [spec["name"] for spec in SCHEDULES]
    with transaction.atomic():
        for spec in SCHEDULES:
            fields = {key: value for key, value in spec.items() if key != "name"}
            fields.setdefault("repeats", -1)
            schedule = Schedule.objects.filter(name=spec["name"]).first()
            if schedule is None:
                Schedule.objects.create(name=spec["name"], **fields)
                created.append(spec["name"])
            elif any(getattr(schedule, key) != value for key, value in fields.items()):
                for key, value in fields.items():
                    setattr(schedule, key, value)
                schedule.save()
                updated.append(spec["name"])
        stale = Schedule.objects.filter(func__startswith="memberspace.tasks.").exclude(name__in=names)
        removed = list(stale.values_list("name", flat=True))
        stale.delete()
    return created, updated, removed
