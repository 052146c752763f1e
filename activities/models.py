import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
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
from pages.site_cache import site_chrome
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

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The club's settings as the site's chrome keeps them (pages.site_cache): no query.
        club = site_chrome(request)["club"]
        context["priority_rule"] = self.priority_rule(club.get("priority_days"), club.get("priority_for"))
        return context

    # Members' priority window (réinscriptions): ClubSettings.priority_days and priority_for.

    has_priority_window = True

    @property
    def previous_season(self):
        """The season before this one: "2025-2026" for "2026-2027" (``validate_season``'s form)."""
        first, _dash, second = self.season.partition("-")
        return f"{int(first) - 1}-{int(second) - 1}"

    def priority_window(self, priority_days):
        """``(starts, opens)``: the ``priority_days`` before the public opening, when the children with
        priority may request first, and the opening; None without a window or an opening date.

        Days of the club's calendar: the window starts at the opening's hour, a change to
        summer or winter time in between notwithstanding.
        """
        if not priority_days or not self.registration_opens_at:
            return None
        opens = timezone.localtime(self.registration_opens_at)
        return opens - datetime.timedelta(days=priority_days), opens

    def priority_beneficiaries(self, priority_for):
        """Who has priority, in words: « les enfants inscrits la saison 2025-2026 (et leurs frères et sœurs) »."""
        if priority_for == "families":
            text = gettext("les enfants inscrits la saison %(season)s et leurs frères et sœurs")
        else:
            text = gettext("les enfants inscrits la saison %(season)s")
        return text % {"season": self.previous_season}

    def priority_rule(self, priority_days, priority_for, now=None):
        """The priority window's rule as the parents read it, on the activity's page and its request page.

        "" without a window, or once registration has closed. A request is ranked by its
        arrival: those of the window come first because the others cannot be made yet,
        and a priority child requested after the public opening is ranked as anyone then.
        """
        window = self.priority_window(priority_days)
        if window is None or (now or timezone.now()) >= self.registration_closes:
            return ""
        starts, opens = window
        return gettext(
            "Réinscriptions : à partir du %(starts)s, %(who)s demandent en priorité ; ouverture à tous le "
            "%(opens)s. Les demandes sont classées par ordre d'arrivée : celles des réinscriptions d'abord ; "
            "après l'ouverture à tous, une réinscription prend son rang à son arrivée, comme toute demande."
        ) % {
            "starts": formatting.date_and_time(starts),
            "who": self.priority_beneficiaries(priority_for),
            "opens": formatting.date_and_time(opens),
        }


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
