"""The public pages as anonymous visitors see them, kept whole in the cache for a minute.

``AnonymousPageCacheMiddleware`` answers a GET from a visitor without a session
straight from the cache, before sessions, authentication, Wagtail's routing or a
template are touched. Two layers: the shared cache (Redis in production), read
in one round trip (the page and the current generation together), and each
process's memory, which holds the pages it served lately and asks the shared
cache for the current generation at most every ``PAGE_CACHE_LOCAL_SECONDS``
(1 s): a page served a thousand times a second costs one round trip a second.

A response is kept only when it is the same for every anonymous visitor: a 200
that sets no cookie, holds no CSRF token and does not say otherwise in its
``Cache-Control``; the member area, the accounts pages and the admin are never
kept.

``invalidate()`` starts a new generation: every page kept before it is stale at
once in the shared cache, and in every process within a second. It runs when a
page is published, unpublished, moved, deleted or saved, when the site or the
club's settings change, and when an enrollment changes an offer's places left.
The minute's expiry bounds what no signal announces (registration opening at its
hour): a visitor never sees a page more than a minute old.

Query strings: a page is kept under its path and the parameters it reads, and
only those, so that ``?utm=1`` … ``?utm=1000`` cannot fill the shared cache.
Which parameters a view reads it says itself: a page type by its
``query_parameters()`` (a catalogue: its filter form's fields and ``page``),
another view with ``@reads_query_parameters``. Before the view runs, the
parameters that no page type (or that view) reads are taken out of the
request, and the others put in name order: the view renders exactly the page
its kept key stands for, whatever junk came with it. A view that declares
nothing, or a parameter given twice, is answered but not kept. Among the
parameters kept, a page reads some and not others, and a value may not be one
it accepts: a page or view calls ``refuse(request)`` when its response depends
on more than a bounded set of values (a parameter the page does not read, a
filter that does not validate or is not written the way the page writes it, a
page number past the end, a search's free text), and that response is not kept.
"""

import functools
import hashlib
import secrets
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, resolve

GENERATION_KEY = "po:page-cache:generation"
EXCLUDED_PREFIXES = ("/admin/", "/compte/", "/espace-adherent/", "/health/", "/django-admin/")
LOCAL_PAGES = 256  # pages each process keeps in memory (the most recently served ones)


class LocalPages:
    """This process's copy of the pages it served lately, valid for one generation."""

    def __init__(self):
        self.lock = threading.Lock()
        self.generation = None
        self.checked_at = float("-inf")  # time.monotonic() of the last look at the shared generation
        self.pages = OrderedDict()

    def reset(self):
        with self.lock:
            self.generation, self.checked_at = None, float("-inf")
            self.pages.clear()

    def fresh_generation(self):
        """The generation seen less than PAGE_CACHE_LOCAL_SECONDS ago, or None: time to ask again."""
        if time.monotonic() - self.checked_at < settings.PAGE_CACHE_LOCAL_SECONDS:
            return self.generation
        return None

    def saw(self, generation):
        with self.lock:
            if generation != self.generation:
                self.pages.clear()
            self.generation, self.checked_at = generation, time.monotonic()

    def get(self, key):
        with self.lock:
            kept = self.pages.get(key)
            if kept is None:
                return None
            if kept[0] != self.generation or kept[1] <= time.time():
                del self.pages[key]
                return None
            self.pages.move_to_end(key)
            return kept

    def put(self, key, kept):
        with self.lock:
            if kept[0] != self.generation:
                return
            self.pages[key] = kept
            self.pages.move_to_end(key)
            while len(self.pages) > LOCAL_PAGES:
                self.pages.popitem(last=False)


local_pages = LocalPages()


def invalidate(**kwargs):
    generation = secrets.token_hex(8)
    cache.set(GENERATION_KEY, generation, None)
    local_pages.saw(generation)


def reads_query_parameters(*names):
    """Declare, on a view that is not a page, the query parameters it reads (the page cache keeps the others out)."""

    def decorator(view):
        view.page_cache_parameters = frozenset(names)
        return view

    return decorator


def refuse(request):
    """Do not keep this response: it depends on more of the query than a bounded set of values."""
    request.page_cache_refused = True


@functools.cache
def page_parameters():
    """Every parameter some page type reads (their ``query_parameters()``)."""
    from wagtail.models import get_page_models

    names = set()
    for model in get_page_models():
        reads = getattr(model, "query_parameters", None)
        names.update(reads() if reads else ())
    return frozenset(names)


def parameters_read(request):
    """The parameters the view at this path reads, or None when it does not say."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.url_name == "wagtail_serve":
        return page_parameters()
    return getattr(match.func, "page_cache_parameters", None)


def keep_read_parameters(request):
    """Leave in the request only the parameters its view reads, in name order; False if it cannot be kept."""
    names = parameters_read(request)
    if names is None:
        return False
    kept = sorted((name, values) for name, values in request.GET.lists() if name in names)
    if any(len(values) > 1 for _name, values in kept):
        return False
    query = QueryDict(mutable=True)
    for name, (value,) in kept:
        query[name] = value
    request.META["QUERY_STRING"] = query.urlencode()
    request.GET = QueryDict(request.META["QUERY_STRING"])
    return True


def page_key(request):
    raw = f"{request.get_host()}|{request.get_full_path()}"
    return "po:page:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def as_response(kept, source):
    _generation, _expires_at, status, headers, content = kept
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response["X-Page-Cache"] = source
    return response


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = settings.STATIC_URL or "/static/"
        self.media_prefix = settings.MEDIA_URL or "/media/"

    def cacheable_request(self, request):
        if not settings.PAGE_CACHE_SECONDS or request.method != "GET":
            return False
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
            return False
        path = request.path_info
        return not path.startswith((*EXCLUDED_PREFIXES, self.static_prefix, self.media_prefix))

    def __call__(self, request):
        if not self.cacheable_request(request):
            return self.get_response(request)
        if request.META.get("QUERY_STRING") and not keep_read_parameters(request):
            return self.get_response(request)
        key = page_key(request)  # get_host() checks ALLOWED_HOSTS first
        generation = local_pages.fresh_generation()
        if generation is not None:
            kept = local_pages.get(key)
            if kept is not None:
                return as_response(kept, "hit")
            kept = cache.get(key)
        else:
            found = cache.get_many([GENERATION_KEY, key])
            generation, kept = found.get(GENERATION_KEY), found.get(key)
            local_pages.saw(generation)
        if kept is not None and generation is not None and kept[0] == generation and kept[1] > time.time():
            local_pages.put(key, kept)
            return as_response(kept, "hit")
        response = self.get_response(request)
        if self.cacheable_response(request, response):
            if generation is None:
                cache.add(GENERATION_KEY, secrets.token_hex(8), None)
                generation = cache.get(GENERATION_KEY)
                local_pages.saw(generation)
            headers = [(name, value) for name, value in response.items() if name.lower() != "x-request-id"]
            seconds = settings.PAGE_CACHE_SECONDS
            kept = (generation, time.time() + seconds, response.status_code, headers, response.content)
            cache.set(key, kept, seconds)
            local_pages.put(key, kept)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def cacheable_response(request, response):
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if getattr(request, "page_cache_refused", False):
            return False
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return False  # the page holds a CSRF token: it belongs to this visitor
        cache_control = response.get("Cache-Control", "").lower()
        if any(word in cache_control for word in ("private", "no-store", "no-cache")):
            return False
        user = getattr(request, "user", None)
        return not (user is not None and user.is_authenticated)
