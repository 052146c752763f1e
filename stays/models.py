import datetime

from django import forms
from django.db import models
from django.db.models.functions import TruncMonth
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from pages import formatting
from pages.blocks import RICH_TEXT_FEATURES
from pages.catalogue import FilterSelect, OfferFilterForm, OfferIndexMixin
from pages.models import OfferPage
from pages.privacy import PrivacyShortcutMixin
from pages.site_cache import cached_until_pages_change


class HolidayPeriod(models.TextChoices):
    AUTUMN = "toussaint", _("Toussaint")
    CHRISTMAS = "noel", _("Noël")
    WINTER = "hiver", _("Hiver")
    SPRING = "printemps", _("Printemps")
    SUMMER = "ete", _("Été")


# The school holidays a stay usually falls in, from the month it starts.
PERIOD_OF_MONTH = {
    1: HolidayPeriod.CHRISTMAS,
    2: HolidayPeriod.WINTER,
    3: HolidayPeriod.WINTER,
    4: HolidayPeriod.SPRING,
    5: HolidayPeriod.SPRING,
    6: HolidayPeriod.SUMMER,
    7: HolidayPeriod.SUMMER,
    8: HolidayPeriod.SUMMER,
    9: HolidayPeriod.SUMMER,
    10: HolidayPeriod.AUTUMN,
    11: HolidayPeriod.AUTUMN,
    12: HolidayPeriod.CHRISTMAS,
}


def next_month(day):
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


class StayFilterForm(OfferFilterForm):
    periode = forms.ChoiceField(
        label=_("Vacances"),
        choices=[("", _("Toutes"))] + list(HolidayPeriod.choices),
        required=False,
        widget=FilterSelect,
        error_messages={"invalid_choice": _("Choisissez une période de vacances dans la liste.")},
    )
    mois = forms.ChoiceField(
        label=_("Mois"),
        required=False,
        widget=FilterSelect,
        error_messages={"invalid_choice": _("Aucun séjour n'est proposé ce mois-là ; choisissez un mois de la liste.")},
    )

    def __init__(self, data=None, months=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["mois"].choices = [("", _("Tous"))] + [
            (month.strftime("%Y-%m"), format_date(month, "F Y").capitalize()) for month in months
        ]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        filters = self.valid_filters
        if "periode" in filters:
            queryset = queryset.filter(holiday_period=filters["periode"])
        if "mois" in filters:
            first = datetime.date.fromisoformat(filters["mois"] + "-01")
            queryset = queryset.filter(start_date__lt=next_month(first), end_date__gte=first)
        return queryset


class StayIndexPage(PrivacyShortcutMixin, OfferIndexMixin, Page):
    """The catalogue of PO Vacances stays (/po-vacances/)."""

    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["stays.StayPage"]
    max_count_per_parent = 1

    filter_form_class = StayFilterForm
    offer_ordering = ("start_date", "title")

    class Meta:
        verbose_name = _("catalogue des séjours")

    @property
    def offer_model(self):
        return StayPage

    def get_filter_form(self, request):
        months = cached_until_pages_change(request, f"stay-months:{self.pk}", self.months_with_stays)
        return self.filter_form_class(request.GET, months=months)

    def months_with_stays(self):
        """Every month that an upcoming stay of this catalogue covers, in order."""
        spans = (
            StayPage.objects.live()
            .upcoming()
            .child_of(self)
            .annotate(first=TruncMonth("start_date"), last=TruncMonth("end_date"))
            .values_list("first", "last")
            .distinct()
        )
        months = set()
        for month, last in spans:
            while month <= last:
                months.add(month)
                month = next_month(month)
        return sorted(months)


class StayPage(OfferPage):
    """A PO Vacances stay."""

    # A child is in one stay at a time: a request overlapping another stay's dates is refused.
    one_at_a_time = True
    # Its deposit is due before it starts (memberspace.enrollments.services.deposit_due_date).
    paid_before_start = True

    destination = models.CharField(_("destination"), max_length=200)
    theme = models.CharField(_("thème"), max_length=200)
    holiday_period = models.CharField(
        _("vacances"),
        max_length=10,
        choices=HolidayPeriod.choices,
        blank=True,
        help_text=_("Laisser vide pour la déduire du mois de départ."),
    )
    what_to_bring = RichTextField(_("trousseau / à emporter"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldRowPanel([FieldPanel("destination"), FieldPanel("theme")]),
        FieldPanel("holiday_period"),
        MultiFieldPanel(OfferPage.offer_panels, heading=_("Dates, inscriptions et tarifs")),
        FieldPanel("body"),
        FieldPanel("what_to_bring"),
        InlinePanel("gallery_images", heading=_("Galerie"), label=_("Photo")),
    ]
    search_fields = OfferPage.search_fields + [index.SearchField("destination"), index.SearchField("theme")]

    parent_page_types = ["stays.StayIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("séjour")
        verbose_name_plural = _("séjours")

    def clean(self):
        super().clean()
        if not self.holiday_period and self.start_date:
            self.holiday_period = PERIOD_OF_MONTH[self.start_date.month]

    @classmethod
    def card_queryset(cls):
        return (
            cls.objects.live()
            .upcoming()
            .defer_streamfields()
            .select_related("image")
            .with_places_taken()
            .with_requests_waiting()
        )

    @classmethod
    def detail_queryset(cls):
        return cls.objects.select_related("image").with_places_taken().with_requests_waiting()

    @property
    def nights(self):
        return (self.end_date - self.start_date).days

    def card_facts(self):
        return [
            (_("Dates"), formatting.date_range(self.start_date, self.end_date).capitalize()),
            (_("Destination"), self.destination),
            (_("Thème"), self.theme),
        ]


class StayGalleryImage(Orderable):
    stay = ParentalKey(StayPage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image"), on_delete=models.CASCADE, related_name="+"
    )
    caption = models.CharField(_("légende"), max_length=250, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]

    class Meta(Orderable.Meta):
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
