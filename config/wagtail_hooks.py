"""The project's admin: the staff roles' rights on a new catalogue, their menu, the admin's stylesheet and scripts."""

from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks

from . import roles


@hooks.register("after_create_page")
def secretariat_rights_on_a_new_catalogue(request, page):
    roles.grant_new_catalogue(page)


@hooks.register("insert_global_admin_css")
def admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin.css"))


@hooks.register("insert_global_admin_js")
def char_counter_js():
    """The live counter under long text (a refusal's reason), with its French texts, as on the site."""
    return render_to_string("includes/char_counter.html") + format_html(
        '<script src="{}" defer></script>', static("js/char-counter.js")
    )


@hooks.register("construct_main_menu")
def no_page_editors_help_for_the_secretariat(request, menu_items):
    """Wagtail's « Aide » menu (its editor's guide, its « new » badge) only for those who edit pages.

    The home's page search goes the same way (templates/wagtailadmin/home.html).
    """
    if not roles.edits_pages(request.user):
        menu_items[:] = [item for item in menu_items if item.name != "help"]
