"""How an offer's places stand: query expressions the member area provides.

The public catalogue knows nothing of enrollments (they belong to the member
area, which depends on the catalogue, not the other way round). The member
area registers, when it starts, an expression counting an offer's taken
places and one counting the requests in line for them; until then no place
is taken and no request waits.
"""

from django.db.models import Value
from django.dispatch import Signal

_places_taken = None
_requests_waiting = None


def register_places_taken(expression_factory):
    """``expression_factory()`` returns an expression of the places taken of the offer ``OuterRef("pk")``."""
    global _places_taken
    _places_taken = expression_factory


def places_taken_expression():
    return _places_taken() if _places_taken else Value(0)


def register_requests_waiting(expression_factory):
    """``expression_factory()`` returns an expression of the requests in line of the offer ``OuterRef("pk")``."""
    global _requests_waiting
    _requests_waiting = expression_factory


def requests_waiting_expression():
    return _requests_waiting() if _requests_waiting else Value(0)


# Sent when the secretariat saves an offer's terms (``OfferPage.save_revision``), its capacity
# among them: the member area offers the places that it may have freed.
offer_terms_saved = Signal()
