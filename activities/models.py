from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from pages import formatting
from pages.blocks import RICH_TEXT_FEATURES
from pages.catalogue import FilterSelect, OfferFilterForm, OfferIndexMixin
from pages.models import OfferPage
from pages.privacy import PrivacyShortcutMixin
from pages.validators import validate_season


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


@register_snippet
class ActivityCategory(models.Model):
    """A family of activities: sport, music, arts… used by the catalogue's filter."""

    name = models.CharField(_("nom"), max_length=60, unique=True)
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=60, unique=True)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        verbose_name = _("catégorie d'activité")
        verbose_name_plural = _("catégories d'activités")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ActivityFilterForm(OfferFilterForm):
    categorie = forms.ModelChoiceField(
        label=_("Catégorie"),
        queryset=ActivityCategory.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes"),
        widget=FilterSelect,
        error_messages={"invalid_choice": _("Cette catégorie n'existe pas.")},
    )
    jour = forms.TypedChoiceField(
        label=_("Jour"),
        choices=[("", _("Tous"))] + list(Weekday.choices),
        coerce=int,
        required=False,
        widget=FilterSelect,
        empty_value=None,
        error_messages={"invalid_choice": _("Choisissez un jour de la semaine dans la liste.")},
    )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        filters = self.valid_filters
        if "categorie" in filters:
            queryset = queryset.filter(category=filters["categorie"])
        if "jour" in filters:
            queryset = queryset.filter(slots__weekday=filters["jour"]).distinct()
        return queryset


class ActivityIndexPage(PrivacyShortcutMixin, OfferIndexMixin, Page):
    """The catalogue of annual activities (/activites/)."""

    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["activities.ActivityPage"]
    max_count_per_parent = 1

    filter_form_class = ActivityFilterForm
    offer_ordering = ("category__name", "title")

    class Meta:
        verbose_name = _("catalogue des activités")

    @property
    def offer_model(self):
        return ActivityPage


class ActivityPage(OfferPage):
    """An annual activity of one season, with its weekly time slot(s)."""

    category = models.ForeignKey(
        ActivityCategory, verbose_name=_("catégorie"), on_delete=models.PROTECT, related_name="activities"
    )
    season = models.CharField(_("saison"), max_length=9, validators=[validate_season], help_text=_("ex. 2026-2027"))
    place = models.CharField(_("lieu"), max_length=200)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldRowPanel([FieldPanel("category"), FieldPanel("season")]),
        FieldPanel("place"),
        InlinePanel("slots", heading=_("Créneaux hebdomadaires"), label=_("Créneau"), min_num=1),
        MultiFieldPanel(OfferPage.offer_panels, heading=_("Inscriptions et tarifs")),
        FieldPanel("body"),
    ]
    search_fields = OfferPage.search_fields + [
        index.SearchField("place"),
        index.RelatedFields("category", [index.SearchField("name")]),
    ]

    parent_page_types = ["activities.ActivityIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("activité annuelle")
        verbose_name_plural = _("activités annuelles")

    card_prefetch_related = ["slots"]
    card_key_fields = (*OfferPage.card_key_fields, "category", "category__name")

    @classmethod
    def card_queryset(cls):
        return (
            cls.objects.live()
            .upcoming()
            .defer_streamfields()
            .select_related("category", "image")
            .with_places_taken()
            .with_requests_waiting()
        )

    def card_cache_parts(self):
        return [self.category.name]

    @classmethod
    def detail_queryset(cls):
        return cls.objects.select_related("category", "image").with_places_taken().with_requests_waiting()

    @cached_property
    def slot_list(self):
        return list(self.slots.all())

    def card_facts(self):
        return [
            (_("Quand"), "; ".join(str(slot) for slot in self.slot_list)),
            (_("Où"), self.place),
            (_("Catégorie"), self.category.name),
        ]


class ActivitySlot(Orderable):
    activity = ParentalKey(ActivityPage, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    start_time = models.TimeField(_("début"))
    end_time = models.TimeField(_("fin"))

    panels = [FieldRowPanel([FieldPanel("weekday"), FieldPanel("start_time"), FieldPanel("end_time")])]

    class Meta(Orderable.Meta):
        verbose_name = _("créneau")
        verbose_name_plural = _("créneaux")

    def __str__(self):
        return _("%(day)s de %(start)s à %(end)s") % {
            "day": self.get_weekday_display().capitalize(),
            "start": formatting.time_of_day(self.start_time),
            "end": formatting.time_of_day(self.end_time),
        }

    def clean(self):
        super().clean()
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("L'heure de fin doit suivre l'heure de début.")})
