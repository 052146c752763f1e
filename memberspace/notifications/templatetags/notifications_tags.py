"""Filters for the plain-text parts of messages (``{% load notifications_tags %}``)."""

import re

from bs4 import BeautifulSoup
from django import template
from django.conf import settings
from wagtail.rich_text import expand_db_html

register = template.Library()

# Elements that make a paragraph of their own (Wagtail's rich text uses p, h2-h4, ul, ol, blockquote).
BLOCKS = ["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "table", "tr", "hr"]
SPACES = re.compile(r"[ \t\r\f\v]+")  # not the no-break spaces French typography puts before « : »


@register.filter
def plaintext(value):
    """Rich text (HTML) as plain text that reads well in an email's text part.

    Paragraphs and headings are separated by a blank line, list items become
    « - » lines, ``<br>`` a line break; a link keeps its text and gives its
    address in brackets; tags are dropped and entities decoded (« &amp; » is « & »).
    The result is not marked safe: in an HTML template it is escaped.
    """
    if not value:
        return ""
    soup = BeautifulSoup(expand_db_html(str(value)), "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for link in soup.find_all("a", href=True):
        href = link["href"]
        if href.startswith("/"):
            href = settings.SITE_BASE_URL.rstrip("/") + href
        if href.removeprefix("mailto:") not in link.get_text():
            link.append(f" ({href})")
    for item in soup.find_all("li"):
        item.insert(0, "- ")
        item.insert_after("\n")
    for block in soup.find_all(BLOCKS):
        block.insert_before("\n\n")
        block.insert_after("\n\n")
    lines = [SPACES.sub(" ", line).strip(" ") for line in soup.get_text().split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
