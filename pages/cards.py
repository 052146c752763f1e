"""Offer cards, rendered once and kept in the cache.

A catalogue page shows up to ``CATALOGUE_PAGE_SIZE`` cards; rendering them with
the template engine costs far more than the page's queries. Each card's HTML is
cached under a key made of everything it shows: the offer's published revision,
its registration state, places left and requests waiting, its image file and
focal point, what the subclass adds (``card_cache_parts``), the language, and a
hash of the card template. Any change to one of those makes a new key, so a
card is never stale; old keys simply expire.

The offers may come with only the fields their keys read (``card_key_queryset``):
the rest of an offer, and the relations its card needs (image renditions,
activity slots), are read only for the cards missing from the cache, in one
query per page type and per relation.
"""

import functools
import hashlib

from django.core.cache import cache
from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from wagtail.images import get_image_model

CARD_TEMPLATE = "includes/offer_card.html"
CARD_CACHE_TIMEOUT = 60 * 60 * 24
# Bump when code that shapes a card (formatting, card_facts) changes.
CARD_FORMAT_VERSION = 2

# The renditions the card template shows.
CARD_RENDITIONS = ("fill-400x260|format-webp", "fill-800x520|format-webp")


@functools.cache
def template_fingerprint(*names):
    """A short hash of these templates' source: a cache key holding it changes when a release changes them."""
    sources = "".join(get_template(name).template.source for name in names)
    return hashlib.md5(sources.encode(), usedforsecurity=False).hexdigest()[:8]


def card_cache_key(offer, state, language):
    image = offer.image
    parts = [
        CARD_FORMAT_VERSION,
        template_fingerprint(CARD_TEMPLATE),
        language,
        offer.pk,
        offer.latest_revision_id,
        offer.last_published_at.isoformat() if offer.last_published_at else "",
        state,
        offer.places_left,
        offer.requests_waiting,
        image.file.name if image else "",
        image.get_focal_point() if image else "",
        *offer.card_cache_parts(),
    ]
    digest = hashlib.md5(":".join(str(part) for part in parts).encode(), usedforsecurity=False).hexdigest()
    return f"po:card:{offer.pk}:{digest}"


def prefetch_card_relations(offers):
    """Fetch what the card template reads, for these offers only (one query per relation)."""
    images = [offer.image for offer in offers if offer.image]
    rendition_model = get_image_model().get_rendition_model()
    prefetch_related_objects(
        images,
        Prefetch(
            "renditions",
            queryset=rendition_model.objects.filter(filter_spec__in=CARD_RENDITIONS),
            to_attr="prefetched_renditions",
        ),
    )
    for model in {type(offer) for offer in offers}:
        lookups = model.card_prefetch_related
        if lookups:
            prefetch_related_objects([offer for offer in offers if type(offer) is model], *lookups)


def full_offers(offers):
    """``offers`` with every field their card shows, in order, in one query per page type.

    An offer read whole is kept as it is; one read for its key only is read again
    whole, keeping the places taken, the requests waiting and the registration state its
    key was made with.
    """
    partial = {offer.pk: offer for offer in offers if offer.get_deferred_fields()}
    full = {}
    for model in {type(offer) for offer in partial.values()}:
        full.update(model.card_queryset().in_bulk([pk for pk, offer in partial.items() if type(offer) is model]))
    for pk, offer in full.items():
        offer.places_taken_count = partial[pk].places_taken_count
        offer.requests_waiting_count = partial[pk].requests_waiting_count
        offer.current_registration_state = partial[pk].current_registration_state
    return [full.get(offer.pk, offer) for offer in offers]


def render_offer_cards(offers, request=None):
    """The HTML of each offer's card, in order, from the cache when possible."""
    offers = list(offers)
    now = timezone.now()
    language = get_language()
    keys = []
    for offer in offers:
        # One moment for the whole page: the key and the badge show the same state.
        offer.current_registration_state = offer.registration_state(now)
        keys.append(card_cache_key(offer, offer.current_registration_state, language))
    html = cache.get_many(keys)
    missing = [(offer, key) for offer, key in zip(offers, keys, strict=True) if key not in html]
    if missing:
        to_render = full_offers([offer for offer, _ in missing])
        prefetch_card_relations(to_render)
        template = get_template(CARD_TEMPLATE)
        rendered = {
            key: template.render({"offer": offer, "request": request})
            for offer, (_, key) in zip(to_render, missing, strict=True)
        }
        cache.set_many(rendered, CARD_CACHE_TIMEOUT)
        html.update(rendered)
    return [mark_safe(html[key]) for key in keys]  # noqa: S308 (rendered by our own template)
