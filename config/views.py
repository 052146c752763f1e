"""The project's own error views: French pages in the site's look (the 400 and 500 pages are templates)."""

import re

from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

# Never written back into a page: passwords, one-time codes, tokens and keys.
SECRET_FIELD = re.compile(r"pass|secret|token|otp|csrf|^code$|^key$", re.IGNORECASE)
# Django's reasons when the Origin or Referer header named another site (or none over HTTPS).
ORIGIN_REASONS = ("Origin checking failed", "Referer checking failed")


def kept_values(request):
    """What the visitor typed and may see again: every posted field but the secret ones, in order."""
    return [
        (name, [value for value in values if value.strip()])
        for name, values in request.POST.lists()
        if not SECRET_FIELD.search(name) and any(value.strip() for value in values)
    ]


def sent_from_this_site(request, reason):
    """Whether the form was sent from one of this site's pages (not forged by another site).

    Only then does the page show it and offer to send it again: a forged form would
    otherwise come back as a ready-made form of ours, which one click would carry out,
    and another site could have its text shown on ours.
    """
    if reason.startswith(ORIGIN_REASONS):
        return False
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        return False
    if request.headers.get("Origin"):
        source += "/"
    return url_has_allowed_host_and_scheme(
        source, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@never_cache
def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: a form that could not be accepted, say why in French and keep what was typed.

    Typically a form sent from a tab opened before logging out and in again: its
    security token is no longer valid. Nothing is carried out here. When the form
    came from this site, it is shown again, filled in, with a fresh token: sending it
    goes through the normal view and its checks, as a new submission. Passwords,
    codes and tokens are never written back.
    """
    from_this_site = request.method == "POST" and sent_from_this_site(request, reason)
    context = {
        "values": kept_values(request) if from_this_site else [],
        "action": request.get_full_path(),
        "has_files": from_this_site and bool(request.FILES),
    }
    return TemplateResponse(request, "403_csrf.html", context, status=403)
