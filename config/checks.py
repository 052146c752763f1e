"""Project-wide system checks."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.http.request import validate_host


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


@register(Tags.security, deploy=True)
def check_site_base_url(app_configs, **kwargs):
    """``check --deploy``: links in emails and SMS (SITE_BASE_URL) lead to this site, over HTTPS."""
    url = urlsplit(settings.SITE_BASE_URL)
    if url.scheme == "https" and url.hostname and validate_host(url.hostname, settings.ALLOWED_HOSTS):
        return []
    return [
        Warning(
            f"SITE_BASE_URL is {settings.SITE_BASE_URL!r}: links in emails and SMS would not lead to this site "
            "over HTTPS.",
            hint="Set SITE_BASE_URL in the environment to the site's public address (https://www.le-po.com), "
            "on a host of ALLOWED_HOSTS.",
            id="config.W002",
        )
    ]
