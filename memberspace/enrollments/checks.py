"""System checks: the waiting lists' watcher fits in a worker's task (memberspace.enrollments.tasks)."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_waiting_list_watch(app_configs, **kwargs):
    watch = settings.WAITING_LIST_WATCH_SECONDS
    q_timeout = settings.Q_CLUSTER.get("timeout") or 0
    if not 1 <= watch <= q_timeout * 3 / 4:
        return [
            Error(
                f"WAITING_LIST_WATCH_SECONDS must be between 1 and three quarters of Q_CLUSTER['timeout'] "
                f"({q_timeout} s).",
                hint="The watch and the pass before it must end before the worker's timeout kills the task.",
                id="enrollments.E001",
            )
        ]
    return []
