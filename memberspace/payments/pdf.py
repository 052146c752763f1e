"""PDF documents from Django templates, through WeasyPrint, with nothing fetched from anywhere.

A document's HTML is rendered by Django (autoescaped: a name or a reference typed by a
family or the secretariat is text, never markup) and carries its stylesheet inline. It
refers to nothing else, and WeasyPrint is given a URL fetcher that refuses every URL and
a base URL that leads nowhere: an address slipped into the HTML is never requested, from
the network or from the disk.

WeasyPrint is imported when a document is rendered, not when the app is: importing it
needs Pango's libraries (see docs/deployment.md), which the rest of the site does not.
"""

import logging
import re
import unicodedata

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

logger = logging.getLogger(__name__)

# Relative URLs are resolved against this, and then refused like any other.
BASE_URL = "about:invalid"


class ExternalResourceRefused(ValueError):
    """A document asked for a URL: none is ever fetched."""


def _url_fetcher():
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        """Refuses every URL (http, https, file, data…): the documents are self-contained."""

        def fetch(self, url, headers=None):
            logger.warning("PDF: refused to fetch %s", url[:200])
            raise ExternalResourceRefused(url[:200])

    return NoFetching(allowed_protocols=())


def html_to_pdf(html):
    """``html`` (a whole document, its stylesheet inline) as PDF bytes."""
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=_url_fetcher()).write_pdf()


def render_pdf(template_name, context, request=None):
    return html_to_pdf(render_to_string(template_name, context, request=request))


def safe_filename(*parts):
    """``("attestation", "PO-2026-00012")`` → ``"attestation-PO-2026-00012.pdf"``: ASCII letters, digits and dashes."""
    text = "-".join(str(part) for part in parts if part)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:80]
    return f"{text or 'document'}.pdf"


def pdf_response(pdf, filename):
    """A download of ``pdf`` named ``filename``, kept by no cache on the way."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
