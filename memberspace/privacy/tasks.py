"""django-q2 task entry points of the retention purges (scheduled in config/schedules.py)."""

from . import services


def purge_personal_data(name):
    """One of the retention purges of ``services.PURGES``, by name."""
    return services.PURGES[name]().count
