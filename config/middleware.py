from csp.middleware import CSPMiddleware
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the Wagtail admin's looser policy under /admin/.

    The public site and the member area run no inline script or style; the admin
    does, so its pages get ``CONTENT_SECURITY_POLICY_ADMIN_UPDATE`` on top.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith("/admin/"):
            parts.update = {**(parts.update or {}), **settings.CONTENT_SECURITY_POLICY_ADMIN_UPDATE}
        return parts
