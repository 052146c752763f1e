"""Project-wide system checks."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_admins(app_configs, **kwargs):
    """``check --deploy``: the 500 page says the technical team is told; ADMINS is who is told."""
    if settings.ADMINS:
        return []
    return [
        Warning(
            "ADMINS is empty: server errors are mailed to nobody.",
            hint="Set ADMINS in the environment (comma-separated addresses) to receive the error reports.",
            id="config.W001",
        )
    ]
