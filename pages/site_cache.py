"""The top of the site, computed once and kept in the cache: the site, its home
page and the home page's children, the main menu and the footer.

Every page view needs the Wagtail ``Site`` of its host, its home page, and for
most pages one of the home page's children (a catalogue, a club page) on the way
down the tree; every page shows the main menu (the home page's live children
marked "show in menus") and the footer (the club's contact details, its contact
and privacy pages). All of it changes only when a page is published,
unpublished, moved or deleted, or when a site or the club's settings are saved;
those signals clear the cache (``PagesConfig.ready``). So ``SiteCacheMiddleware``
reads it all with a single cache get, and Wagtail's routing starts below the
home page's children instead of querying its way down from the site.
"""

import secrets

from django.core.cache import cache
from django.http.request import split_domain_port
from wagtail.models import Page, Site

CACHE_KEY = "po:site-cache"
CACHE_TIMEOUT = 60 * 60 * 24
MAX_CACHED_HOSTS = 50
EMPTY_CHROME = {"menu": [], "links": [], "club": {}, "children": {}, "token": None}


class SiteCacheMiddleware:
    """Resolve the request's Wagtail site and its chrome from the cache.

    Sets ``request._wagtail_site`` (which ``Site.find_for_request`` reads first),
    with its root page already specific, and ``request._po_site_chrome``. Placed
    after CommonMiddleware, so the host has passed ALLOWED_HOSTS.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        data = cache.get(CACHE_KEY) or {"sites": {}, "chrome": {}}
        changed = False
        host = (split_domain_port(request._get_raw_host())[0], request.get_port())
        if host in data["sites"]:
            site = data["sites"][host]
        else:
            site = Site.find_for_request(request)
            if len(data["sites"]) < MAX_CACHED_HOSTS:
                data["sites"][host] = site
                changed = True
        if site is not None and site.pk not in data["chrome"]:
            data["chrome"][site.pk] = build_site_chrome(site)
            changed = True
        if changed:
            cache.set(CACHE_KEY, data, CACHE_TIMEOUT)
        chrome = data["chrome"][site.pk] if site else EMPTY_CHROME
        if site is not None:
            site.root_page = chrome["root"]
        request._wagtail_site = site
        request._po_site_chrome = chrome
        return self.get_response(request)


def build_site_chrome(site):
    from .models import ClubSettings

    root = Page.objects.get(pk=site.root_page_id).specific
    children = list(root.get_children().live().specific().order_by("path"))
    club = ClubSettings.for_site(site)
    linked_pages = Page.objects.live().filter(pk__in=[club.contact_page_id, club.privacy_page_id])
    links = {page.pk: (page.title, page.relative_url(site)) for page in linked_pages.only("title", "url_path")}
    return {
        # Names this state of the tree: values derived from it are cached under it.
        "token": secrets.token_hex(8),
        "root": root,
        "children": {page.slug: page for page in children},
        "menu": [(page.title, page.relative_url(site)) for page in children if page.show_in_menus],
        "links": [links[pk] for pk in (club.contact_page_id, club.privacy_page_id) if pk in links],
        "club": {
            "contact_email": club.contact_email,
            "phone": club.phone,
            "postal_address": club.postal_address,
            "opening_hours": club.opening_hours,
            # The members' priority window, which an activity's page states (ActivityPage.priority_rule).
            "priority_days": club.priority_days,
            "priority_for": club.priority_for,
        },
    }


def site_chrome(request):
    """The chrome of the request's site (computed here if the middleware did not run)."""
    if request is None:
        return EMPTY_CHROME
    if not hasattr(request, "_po_site_chrome"):
        site = Site.find_for_request(request)
        request._po_site_chrome = build_site_chrome(site) if site else EMPTY_CHROME
    return request._po_site_chrome


def cached_child_of_root(request, slug):
    """The live child of the home page with ``slug``, as cached for this request, or None."""
    chrome = getattr(request, "_po_site_chrome", None) if request is not None else None
    return chrome["children"].get(slug) if chrome else None


def cached_until_pages_change(request, name, compute):
    """``compute()``, cached until the next change to the page tree clears the site cache."""
    token = site_chrome(request)["token"]
    if token is None:
        return compute()
    return cache.get_or_set(f"po:tree:{token}:{name}", compute, CACHE_TIMEOUT)


def clear_site_cache(**kwargs):
    from .page_cache import invalidate

    cache.delete(CACHE_KEY)
    invalidate()  # the pages kept whole show the menu, the footer, the pages' contents
