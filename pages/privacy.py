"""Wagtail's page privacy check, skipped while no page of the site is private.

Serving a page, Wagtail looks up the view restrictions of the page and of every
ancestor: two queries on every page view, for a feature the club may never use.
Whether any restriction exists at all is kept in the cache, cleared whenever a
restriction is saved or deleted (``PagesConfig.ready``); while there is none,
pages answer "no restriction" without a query. As soon as one exists, Wagtail's
own check runs unchanged.
"""

from django.core.cache import cache
from wagtail.models import PageViewRestriction

CACHE_KEY = "po:any-view-restriction"
CACHE_TIMEOUT = 60 * 60


def any_view_restriction():
    found = cache.get(CACHE_KEY)
    if found is None:
        found = PageViewRestriction.objects.exists()
        cache.set(CACHE_KEY, found, CACHE_TIMEOUT)
    return found


def clear_view_restriction_flag(**kwargs):
    cache.delete(CACHE_KEY)


class PrivacyShortcutMixin:
    """For every page model of the site: no restriction query while none exists."""

    def get_view_restrictions(self):
        if not any_view_restriction():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
