from django.core.paginator import Paginator
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from wagtail.models import Page
from wagtail.search.utils import parse_query_string

from .page_cache import reads_query_parameters, refuse

SEARCH_PAGE_SIZE = 10
SEARCH_MAX_LENGTH = 200


@require_GET
@reads_query_parameters("q", "page")
def search(request):
    if request.GET:
        refuse(request)  # a free text: the page cache would keep one page per text asked
    # NUL characters break the databases' full-text search (SQLite: "unterminated string"; PostgreSQL refuses them).
    query = request.GET.get("q", "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
    # Wagtail's parser turns "quoted words" into a phrase; a raw unbalanced quote breaks SQLite's full-text search.
    _filters, parsed = parse_query_string(query, operator="or")
    results = Page.objects.live().public().specific().search(parsed) if query else Page.objects.none()
    page = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "search/search.html", {"search_query": query, "search_results": page})


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /compte/",
        "Disallow: /espace-adherent/",
        "Disallow: /recherche/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
