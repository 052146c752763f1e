"""System checks: a call to the payment provider gives up before the task running it is killed."""

from django.conf import settings
from django.core.checks import Error, register

# One call of the HelloAsso backend may make this many requests, one after the other: a
# token, the call, and after a 401 a new token and the call again.
REQUESTS_PER_CALL = 4


@register()
def check_payment_timeouts(app_configs, **kwargs):
    q_timeout = settings.Q_CLUSTER.get("timeout")
    value = getattr(settings, "HELLOASSO_TIMEOUT", None)
    if not value or (q_timeout and value * REQUESTS_PER_CALL >= q_timeout):
        return [
            Error(
                f"HELLOASSO_TIMEOUT must be set, and {REQUESTS_PER_CALL} times it shorter than "
                f"Q_CLUSTER['timeout'] ({q_timeout} s).",
                hint="A network call must give up before the task is killed, so its failure is recorded.",
                id="payments.E001",
            )
        ]
    return []
