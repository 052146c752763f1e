from django import template

from pages import formatting
from pages.site_cache import site_chrome

register = template.Library()

register.filter("euros", formatting.euros)
register.filter("day_month", formatting.day_month)
register.filter("time_of_day", formatting.time_of_day)
register.filter("date_and_time", formatting.date_and_time)
register.filter("email_address", formatting.email_address)


@register.simple_tag
def date_range(start, end):
    return formatting.date_range(start, end)


@register.simple_tag
def age_range(min_age, max_age):
    return formatting.age_range(min_age, max_age)


def chrome_for(context):
    return site_chrome(context.get("request"))


@register.inclusion_tag("includes/main_menu.html", takes_context=True)
def main_navigation(context):
    path = context["request"].path if "request" in context else ""
    return {
        "items": [
            {"title": title, "url": url, "current": url != "/" and path.startswith(url)}
            for title, url in chrome_for(context)["menu"]
        ]
    }


@register.inclusion_tag("includes/footer.html", takes_context=True)
def site_footer(context):
    chrome = chrome_for(context)
    return {"club": chrome["club"], "links": chrome["links"]}


def ancestors_below_root(page):
    """The page's ancestors from the home page down, without a query when routing left them on the page.

    Wagtail's routing sets ``_cached_parent_obj`` on each page it walks through.
    """
    ancestors, current = [], page
    while current.depth > 2:
        parent = getattr(current, "_cached_parent_obj", None)
        if parent is None:
            return list(page.get_ancestors().filter(depth__gt=1).live().only("title", "url_path"))
        ancestors.append(parent)
        current = parent
    return ancestors[::-1]


@register.inclusion_tag("includes/breadcrumbs.html")
def breadcrumbs(page):
    return {"ancestors": ancestors_below_root(page), "page": page}


@register.simple_tag
def field_error_count(form):
    """How many fields of ``form`` have an error (errors of the whole form not counted)."""
    return sum(1 for name in form.errors if name != "__all__")
