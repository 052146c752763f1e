"""django-q2 task entry points of the project (scheduled in config/schedules.py)."""

from config import health


def heartbeat():
    """Every minute: the proof, for /health/, that a worker runs the scheduled tasks."""
    return health.record_heartbeat()
