from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.csp import FORM_ACTIONS


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the Wagtail admin's looser policy under /admin/.

    The public site and the member area run no inline script or style; the admin
    does, so its pages get ``CONTENT_SECURITY_POLICY_ADMIN_UPDATE`` on top.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith("/admin/"):
            parts.update = {**(parts.update or {}), **settings.CONTENT_SECURITY_POLICY_ADMIN_UPDATE}
        form_actions = getattr(request, FORM_ACTIONS, None)
        if form_actions:
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", []), *sorted(form_actions)]
            parts.update = update
        return parts


def permissions_policy(features):
    """``{"camera": [], "fullscreen": ["self"]}`` → ``camera=(), fullscreen=(self)`` (the header's syntax)."""
    items = []
    for feature, allowed in features.items():
        if isinstance(allowed, str):
            raise ImproperlyConfigured(f"PERMISSIONS_POLICY[{feature!r}] must be a list of origins, not a string.")
        origins = [origin if origin in ("self", "*") else f'"{origin}"' for origin in allowed]
        items.append(f"{feature}=({' '.join(origins)})")
    return ", ".join(items)


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` on every response (settings ``PERMISSIONS_POLICY``).

    First in ``MIDDLEWARE``: the page cache's hits, WhiteNoise's files, ``/health/``,
    redirects and error pages all pass through it on their way out. A view that
    sets its own policy keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
