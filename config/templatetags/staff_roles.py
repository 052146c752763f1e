from django import template

from config import roles

register = template.Library()


@register.filter
def edits_pages(user):
    """``{% if user|edits_pages %}``: config.roles.edits_pages."""
    return roles.edits_pages(user)
