"""The project's admin: the staff roles' rights on a new catalogue, and the admin's stylesheet."""

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
