from wagtail import hooks

from . import page_cache


@hooks.register("before_serve_page")
def refuse_parameters_the_page_does_not_read(page, request, serve_args, serve_kwargs):
    """A parameter some other page type reads (``?age=8`` on the home page) leaves this page as it is:
    the page cache would keep one copy per value."""
    reads = getattr(type(page), "query_parameters", None)
    if set(request.GET) - set(reads() if reads else ()):
        page_cache.refuse(request)
