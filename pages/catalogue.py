"""What the two catalogues (activities and stays) share: filters, cards, pagination."""

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import Http404
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import page_cache
from .cards import render_offer_cards, template_fingerprint
from .models import club_ages
from .site_cache import cached_until_pages_change

FILTERS_TEMPLATE = "includes/catalogue_filters.html"
PAGE_PARAMETER = "page"


class FilterSelect(forms.Select):
    """A select for the catalogue filters, its options written inline.

    Django's own template includes one sub-template per option, which is most of
    a catalogue page's form rendering time; a filter's options carry no
    attributes but "selected".
    """

    template_name = "pages/widgets/select.html"


class CataloguePaginator(Paginator):
    """Django's paginator, with the total read from the page's own query.

    The offers of a page come with ``COUNT(*) OVER ()``: one query where
    Django's paginator makes two (a COUNT, then the page). A page number that
    is no number, below 1 or past the end is answered as Django does (the first
    page, or the last one after a count). No orphans.
    """

    MAX_PAGE = 10_000  # beyond, the offset alone would be absurd: let Django count and clamp

    def get_page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        if not 1 <= number <= self.MAX_PAGE:
            return super().get_page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list.annotate(paginator_total=Window(Count("pk")))[bottom : bottom + self.per_page])
        if not rows:
            return super().get_page(number)
        self.count = rows[0].paginator_total
        return self._get_page(rows, number, self)


class OfferFilterForm(forms.Form):
    """Filters read from the query string.

    A value that does not validate is ignored (the list is not narrowed by it) and
    its message is shown next to the field; the other filters still apply.
    """

    age = forms.IntegerField(
        label=_("Âge de l'enfant"),
        required=False,
        min_value=club_ages()[0],
        max_value=club_ages()[1],
        error_messages={"invalid": _("Indiquez un âge en années, par exemple 8.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, data=None, **kwargs):
        # Only the form's own fields: "page" and unknown parameters are not filters.
        data = {key: value for key, value in (data or {}).items() if key in self.base_fields and value != ""}
        super().__init__(data or None, **kwargs)

    @property
    def valid_filters(self):
        """The filters that validated and have a value."""
        if not self.is_bound:
            return {}
        self.is_valid()  # validates once; a field that fails is left out of cleaned_data
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}

    @property
    def is_canonical(self):
        """Every filter given validates and is written as the form writes it back (``8``, not ``08`` or `` 8``).

        Only then is the page one of a bounded set (``pages.page_cache``): an
        invalid value is shown back in the form, with its message.
        """
        if not self.is_bound:
            return True
        filters = self.valid_filters
        for name, raw in self.data.items():
            if name not in filters:
                return False
            written = self.fields[name].prepare_value(filters[name])
            if str(written) != raw:
                return False
        return True

    def filter_queryset(self, queryset):
        filters = self.valid_filters
        if "age" in filters:
            queryset = queryset.for_age(filters["age"])
        return queryset


class OfferIndexMixin:
    """Page behaviour of a catalogue: filter, paginate and show its offers as cards."""

    filter_form_class = OfferFilterForm
    offer_ordering = ("title",)

    @property
    def offer_model(self):
        """The page type this catalogue lists (an ``OfferPage`` subclass)."""
        raise NotImplementedError

    @classmethod
    def query_parameters(cls):
        """What the catalogue reads from the query string: its filters and the page number."""
        return (*cls.filter_form_class.base_fields, PAGE_PARAMETER)

    def get_offers(self):
        return self.offer_model.card_key_queryset().child_of(self).order_by(*self.offer_ordering)

    def route(self, request, path_components):
        """Find an offer and its related rows in one query, rather than Wagtail's two per level."""
        if len(path_components) != 1:
            return super().route(request, path_components)
        offer = self.offer_model.detail_queryset().child_of(self).filter(slug=path_components[0]).first()
        if offer is None:
            raise Http404
        offer._cached_parent_obj = self
        return offer.route(request, [])

    def get_filter_form(self, request):
        return self.filter_form_class(request.GET)

    def render_filters(self, request, form):
        """The filter form's HTML; without a query string it is the same for every visitor, so kept
        until the pages or the activity categories change (``pages.site_cache``), or a release
        changes its templates."""

        def render():
            return render_to_string(FILTERS_TEMPLATE, {"filter_form": form, "page": self, "request": request})

        if request.GET:
            return render()
        version = template_fingerprint(FILTERS_TEMPLATE, FilterSelect.template_name)
        return cached_until_pages_change(request, f"catalogue-filters:{self.pk}:{get_language()}:{version}", render)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        form = self.get_filter_form(request)
        offers = form.filter_queryset(self.get_offers())
        number = request.GET.get(PAGE_PARAMETER)
        page_of_offers = CataloguePaginator(offers, settings.CATALOGUE_PAGE_SIZE).get_page(number)
        if not form.is_canonical or (number is not None and number != str(page_of_offers.number)):
            page_cache.refuse(request)  # a value shown back, or a page number answered by another page
        context.update(
            filter_form=form,
            filters_html=self.render_filters(request, form),
            is_filtered=bool(form.valid_filters),
            offers=page_of_offers,
            cards=render_offer_cards(page_of_offers, request),
        )
        return context
