from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from activities.models import ActivityPage
from pages.blocks import RICH_TEXT_FEATURES, BodyStreamBlock
from pages.cards import render_offer_cards
from pages.privacy import PrivacyShortcutMixin
from pages.site_cache import cached_child_of_root
from stays.models import StayPage

UPCOMING_STAYS_ON_HOME = 3


class HomePage(PrivacyShortcutMixin, Page):
    """The club's home page: a hero, highlighted activities and the next stays."""

    hero_title = models.CharField(_("titre d'accroche"), max_length=120)
    hero_text = models.TextField(_("texte d'accroche"), max_length=400, blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image d'accroche"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hero_cta_text = models.CharField(_("texte du bouton"), max_length=80, blank=True)
    hero_cta_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page du bouton"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)
    body = StreamField(BodyStreamBlock(), verbose_name=_("contenu"), blank=True)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("hero_title"),
                FieldPanel("hero_text"),
                FieldPanel("hero_image"),
                FieldPanel("hero_cta_text"),
                FieldPanel("hero_cta_page"),
            ],
            heading=_("Accroche"),
        ),
        FieldPanel("intro"),
        InlinePanel("featured_activities", heading=_("Activités à la une"), label=_("Activité"), max_num=6),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("hero_text"), index.SearchField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["pages.StandardPage", "activities.ActivityIndexPage", "stays.StayIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("page d'accueil")

    def route(self, request, path_components):
        """Start from the cached child (see pages.site_cache) rather than two queries."""
        if path_components:
            child = cached_child_of_root(request, path_components[0])
            if child is not None and child.path.startswith(self.path) and child.depth == self.depth + 1:
                child._cached_parent_obj = self
                return child.route(request, path_components[1:])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        featured_ids = list(self.featured_activities.values_list("activity_id", flat=True))
        activities = {page.pk: page for page in ActivityPage.card_key_queryset().filter(pk__in=featured_ids)}
        featured = [activities[pk] for pk in featured_ids if pk in activities]
        stays = StayPage.card_key_queryset().order_by("start_date")[:UPCOMING_STAYS_ON_HOME]
        context["featured_cards"] = render_offer_cards(featured, request)
        context["stay_cards"] = render_offer_cards(stays, request)
        return context


class HomeFeaturedActivity(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_activities")
    activity = models.ForeignKey(ActivityPage, verbose_name=_("activité"), on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("activity")]

    class Meta(Orderable.Meta):
        verbose_name = _("activité à la une")
        verbose_name_plural = _("activités à la une")
