import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from . import formatting
from .blocks import RICH_TEXT_FEATURES, BodyStreamBlock
from .occupancy import offer_terms_saved, places_taken_expression, requests_waiting_expression
from .panels import restricted_field_panels
from .privacy import PrivacyShortcutMixin
from .validators import normalize_iban, validate_bic, validate_iban


@register_setting(icon="site")
class ClubSettings(BaseSiteSetting):
    """The club's contact details and payment terms, edited in Settings > Le club."""

    contact_email = models.EmailField(
        _("adresse pour les questions techniques"),
        default="bdd2024@le-po.com",
        help_text=_("Affichée aux familles pour toute question sur l'espace adhérent."),
    )
    phone = models.CharField(_("téléphone du secrétariat"), max_length=30, blank=True)
    postal_address = models.TextField(_("adresse postale"), blank=True)
    opening_hours = models.CharField(_("horaires du secrétariat"), max_length=200, blank=True)

    deposit_payment_terms = RichTextField(
        _("modalités de paiement de l'acompte"),
        features=RICH_TEXT_FEATURES,
        blank=True,
        help_text=_(
            "Texte repris dans le mail de confirmation d'inscription, sauf si l'offre a le sien : comment payer. "
            "Les montants et les dates (acompte, solde) sont calculés et donnés à part."
        ),
    )
    deposit_due_days = models.PositiveSmallIntegerField(
        _("délai de paiement de l'acompte (jours)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Nombre de jours laissés aux familles, après la validation, pour payer l'acompte."),
    )
    balance_due_days_before_start = models.PositiveSmallIntegerField(
        _("solde à régler (jours avant le début)"),
        default=30,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "Le solde (prix moins acompte) est à régler ce nombre de jours avant le début de l'offre ; "
            "si cette date ne laisse pas le délai de l'acompte, le solde est demandé avec l'acompte. "
            "Les dates sont calculées et écrites dans le mail : ne les répétez pas dans les modalités."
        ),
    )
    release_overdue_deposits = models.BooleanField(
        _("libérer la place d'un acompte non reçu"),
        default=False,
        help_text=_(
            "Sans cette case, un acompte en retard va dans la liste « À relancer » du secrétariat, qui décide. "
            "Avec elle, passé le délai de grâce, la place est libérée et proposée à la liste d'attente."
        ),
    )
    deposit_grace_days = models.PositiveSmallIntegerField(
        _("délai de grâce après la date de l'acompte (jours)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    payment_reminder_days = models.PositiveSmallIntegerField(
        _("rappel avant une échéance (jours)"),
        default=3,
        validators=[MaxValueValidator(30)],
        help_text=_(
            "Ce nombre de jours avant la date de l'acompte ou du solde, chaque responsable reçoit un rappel "
            "de ce qui reste à régler, par e-mail ou SMS selon son choix. 0 : pas de rappel."
        ),
    )
    cancellation_keeps_deposit = models.BooleanField(
        _("l'acompte reste acquis au club en cas d'annulation"),
        default=True,
        help_text=_("Écrit dans les modalités envoyées aux familles ; le reste de ce qui a été payé est remboursé."),
    )
    cancellation_full_price_days = models.PositiveSmallIntegerField(
        _("annulation tardive : prix entier dû (jours avant le début)"),
        default=0,
        validators=[MaxValueValidator(90)],
        help_text=_(
            "Une inscription annulée à moins de ce nombre de jours du début reste due en entier ; "
            "0 : jamais. Écrit dans les modalités envoyées aux familles."
        ),
    )
    priority_days = models.PositiveSmallIntegerField(
        _("réinscriptions prioritaires (jours avant l'ouverture)"),
        default=0,
        validators=[MaxValueValidator(90)],
        help_text=_(
            "Pendant ce nombre de jours avant l'ouverture des inscriptions d'une activité à l'année, seuls les "
            "enfants prioritaires peuvent la demander ; leurs demandes passent avant celles de l'ouverture. "
            "0 : pas de période prioritaire."
        ),
    )
    priority_for = models.CharField(
        _("enfants prioritaires"),
        max_length=10,
        choices=[
            ("members", _("les enfants inscrits à une activité la saison précédente")),
            ("families", _("ces enfants, et leurs frères et sœurs")),
        ],
        default="members",
    )
    place_offer_hours = models.PositiveSmallIntegerField(
        _("délai pour accepter une place libérée (heures)"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
        help_text=_(
            "Quand une place se libère, elle est proposée à la première famille de la liste d'attente, "
            "qui a ce délai pour l'accepter ; passé ce délai, elle est proposée à la suivante. "
            "Une offre peut avoir le sien."
        ),
    )
    place_offer_skip_nights = models.BooleanField(
        _("ne pas compter les nuits"),
        default=True,
        help_text=_("Les heures de 21 h à 8 h ne comptent pas dans le délai de réponse."),
    )
    request_margin_percent = models.PositiveSmallIntegerField(
        _("marge de demandes au-delà des places (%)"),
        default=20,
        validators=[MaxValueValidator(200)],
        help_text=_(
            "Les demandes qui arrivent au-delà des places plus cette marge vont directement sur la liste "
            "d'attente, à leur rang ; les autres attendent la décision du secrétariat. "
            "Par exemple, 20 % pour 40 places : les 48 premières demandes."
        ),
    )
    bank_account_holder = models.CharField(_("titulaire du compte"), max_length=120, blank=True)
    bank_name = models.CharField(_("banque"), max_length=120, blank=True)
    iban = models.CharField(_("IBAN"), max_length=42, blank=True, validators=[validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True, validators=[validate_bic])
    cheque_payee = models.CharField(_("ordre des chèques"), max_length=120, blank=True)
    cheque_address = models.TextField(
        _("adresse d'envoi des chèques"), blank=True, help_text=_("Laisser vide pour l'adresse postale du club.")
    )

    unvalidated_account_retention_days = models.PositiveSmallIntegerField(
        _("conservation des comptes jamais validés (jours)"),
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
        help_text=_("Un compte en attente ou refusé depuis plus longtemps est supprimé automatiquement."),
    )
    archived_child_retention_months = models.PositiveSmallIntegerField(
        _("conservation des enfants archivés (mois)"),
        default=36,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "Un enfant qui n'a plus de responsable est archivé, puis effacé passé ce délai "
            "(trois ans après le dernier contact, selon la recommandation de la CNIL)."
        ),
    )

    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page « Données personnelles »"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page « Contact »"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("contact_email"),
                FieldPanel("phone"),
                FieldPanel("postal_address"),
                FieldPanel("opening_hours"),
            ],
            heading=_("Contact"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("deposit_payment_terms"),
                FieldRowPanel([FieldPanel("deposit_due_days"), FieldPanel("balance_due_days_before_start")]),
                FieldRowPanel([FieldPanel("bank_account_holder"), FieldPanel("bank_name")]),
                FieldRowPanel([FieldPanel("iban"), FieldPanel("bic")]),
                FieldPanel("cheque_payee"),
                FieldPanel("cheque_address"),
                FieldPanel("payment_reminder_days"),
                FieldRowPanel([FieldPanel("cancellation_keeps_deposit"), FieldPanel("cancellation_full_price_days")]),
            ],
            heading=_("Paiements"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("request_margin_percent"),
                FieldRowPanel([FieldPanel("place_offer_hours"), FieldPanel("place_offer_skip_nights")]),
                FieldRowPanel([FieldPanel("release_overdue_deposits"), FieldPanel("deposit_grace_days")]),
            ],
            heading=_("Liste d'attente"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("priority_days"), FieldPanel("priority_for")])],
            heading=_("Réinscriptions"),
        ),
        MultiFieldPanel(
            [FieldPanel("unvalidated_account_retention_days"), FieldPanel("archived_child_retention_months")],
            heading=_("Données personnelles"),
        ),
        MultiFieldPanel([FieldPanel("privacy_page"), FieldPanel("contact_page")], heading=_("Pages du site")),
    ]

    class Meta:
        verbose_name = _("Le club")

    @classmethod
    def current(cls):
        """The settings of the default site, for messages sent outside a request."""
        from wagtail.models import Site

        site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
        return cls.for_site(site) if site else cls()

    def clean(self):
        super().clean()
        self.iban = normalize_iban(self.iban)
        self.bic = (self.bic or "").replace(" ", "").upper()

    @property
    def iban_display(self):
        """The IBAN in groups of four, as printed on a French RIB."""
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))

    @property
    def cheque_mailing_address(self):
        return self.cheque_address or self.postal_address

    def cancellation_terms(self):
        """The cancellation rules as families read them in their terms (memberspace.payments.ledger applies them)."""
        if self.cancellation_keeps_deposit:
            kept = gettext(
                "En cas d'annulation, l'acompte reste acquis au club et le reste de ce qui a été payé est remboursé."
            )
        else:
            kept = gettext("En cas d'annulation, ce qui a été payé est remboursé.")
        if not self.cancellation_full_price_days:
            return kept
        late = ngettext(
            "À moins de %(days)s jour du début, le prix entier reste dû.",
            "À moins de %(days)s jours du début, le prix entier reste dû.",
            self.cancellation_full_price_days,
        ) % {"days": self.cancellation_full_price_days}
        return f"{kept} {late}"


class StandardPage(PrivacyShortcutMixin, Page):
    """A page of the club's site: who we are, contact, the new member-area process…"""

    intro = models.TextField(_("chapeau"), blank=True, max_length=400)
    body = StreamField(BodyStreamBlock(), verbose_name=_("contenu"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["home.HomePage", "pages.StandardPage"]
    subpage_types = ["pages.StandardPage"]

    class Meta:
        verbose_name = _("page standard")
        verbose_name_plural = _("pages standard")


class RegistrationState(models.TextChoices):
    NOT_YET_OPEN = "not_yet_open", _("Ouverture prochaine")
    OPEN = "open", _("Inscriptions ouvertes")
    FULL = "full", _("Complet")
    CLOSED = "closed", _("Inscriptions fermées")


class OfferPageQuerySet(PageQuerySet):
    def upcoming(self, today=None):
        """Offers that have not ended yet."""
        return self.filter(end_date__gte=today or timezone.localdate())

    def for_age(self, age):
        return self.filter(min_age__lte=age, max_age__gte=age)

    def with_places_taken(self):
        """Annotate each offer with the number of its places taken (``places_taken``)."""
        return self.annotate(places_taken_count=places_taken_expression())

    def with_requests_waiting(self):
        """Annotate each offer with the number of requests in line for it (``requests_waiting``)."""
        return self.annotate(requests_waiting_count=requests_waiting_expression())


OfferPageManager = PageManager.from_queryset(OfferPageQuerySet)


# The fields of an offer that decide who gets a place and what it costs: the
# secretariat's (permission ``pages.change_offer_terms``), read-only for the
# communication team. The ages and the start date decide who is eligible, the
# registration window when requests are taken, the payment terms where the money goes.
OFFER_TERMS_PERMISSION = "pages.change_offer_terms"
OFFER_TERMS_FIELDS = (
    "min_age",
    "max_age",
    "start_date",
    "end_date",
    "capacity",
    "price",
    "deposit_amount",
    "registration_opens_at",
    "registration_closes_at",
    "place_offer_hours",
    "payment_terms",
)


def terms_panels(field_name):
    return restricted_field_panels(field_name, OFFER_TERMS_PERMISSION)


def club_ages():
    """``(youngest, oldest)``: the ages the club serves, in whole years (offers' ranges, children's birth dates).

    The one place that reads the settings ``PO_MIN_AGE`` and ``PO_MAX_AGE``: the catalogue's
    filter, the offers' age fields and the member area's children all ask here.
    """
    return settings.PO_MIN_AGE, settings.PO_MAX_AGE


def offer_age_validators():
    youngest, oldest = club_ages()
    return [MinValueValidator(youngest), MaxValueValidator(oldest)]


class OfferPage(PrivacyShortcutMixin, Page):
    """What every enrollable offer has in common: an annual activity or a stay.

    Concrete (``Enrollment.offer`` points here) but never created as such: editors
    create an ``ActivityPage`` or a ``StayPage``.
    """

    intro = models.TextField(
        _("résumé"),
        max_length=300,
        blank=True,
        help_text=_("Deux ou trois phrases reprises sur la carte du catalogue."),
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image principale"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    min_age = models.PositiveSmallIntegerField(_("âge minimum"), validators=offer_age_validators())
    max_age = models.PositiveSmallIntegerField(_("âge maximum"), validators=offer_age_validators())
    start_date = models.DateField(_("date de début"))
    end_date = models.DateField(_("date de fin"))
    capacity = models.PositiveIntegerField(_("nombre de places"), validators=[MinValueValidator(1)])
    price = models.DecimalField(_("prix"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    deposit_amount = models.DecimalField(
        _("acompte"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )
    registration_opens_at = models.DateTimeField(_("ouverture des inscriptions"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(
        _("clôture des inscriptions"),
        null=True,
        blank=True,
        help_text=_("Sans date de clôture, les inscriptions ferment la veille du début."),
    )
    place_offer_hours = models.PositiveSmallIntegerField(
        _("délai pour accepter une place libérée (heures)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
        help_text=_("Laisser vide pour le délai général du club."),
    )
    payment_terms = RichTextField(
        _("modalités de paiement propres à cette offre"),
        features=RICH_TEXT_FEATURES,
        blank=True,
        help_text=_("Laisser vide pour reprendre les modalités générales du club."),
    )
    body = StreamField(BodyStreamBlock(), verbose_name=_("description"), blank=True)

    objects = OfferPageManager()

    is_creatable = False
    # Relations the catalogue card reads, prefetched for the cards not in the cache.
    card_prefetch_related = []
    # The fields a card's cache key reads (pages.cards.card_cache_key), the card's
    # registration state included; a subclass adds what its ``card_cache_parts`` reads.
    card_key_fields = (
        "latest_revision",
        "last_published_at",
        "registration_opens_at",
        "registration_closes_at",
        "start_date",
        "capacity",
        "image",
        "image__file",
        "image__width",  # read by the file field as the image loads
        "image__height",
        "image__focal_point_x",
        "image__focal_point_y",
        "image__focal_point_width",
        "image__focal_point_height",
    )

    offer_panels = [
        HelpPanel(
            _(
                "Réservé au secrétariat : les âges, les dates, les places, les prix, les dates "
                "d'inscription et les modalités de paiement. Ils s'appliquent à l'offre en ligne dès "
                "que le secrétariat enregistre la page, même en brouillon ; revenir à une version "
                "précédente ou programmer une publication ne les change pas."
            ),
        ),
        FieldRowPanel([*terms_panels("min_age"), *terms_panels("max_age")], heading=_("Âges (sur la date de début)")),
        FieldRowPanel([*terms_panels("start_date"), *terms_panels("end_date")], heading=_("Dates")),
        FieldRowPanel(
            [*terms_panels("capacity"), *terms_panels("price"), *terms_panels("deposit_amount")],
            heading=_("Places et prix"),
        ),
        FieldRowPanel(
            [*terms_panels("registration_opens_at"), *terms_panels("registration_closes_at")],
            heading=_("Inscriptions"),
        ),
        *terms_panels("place_offer_hours"),
        *terms_panels("payment_terms"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    class Meta:
        verbose_name = _("offre")
        verbose_name_plural = _("offres")
        permissions = [
            ("change_offer_terms", _("Peut modifier les places, les prix et les modalités de paiement des offres"))
        ]

    @staticmethod
    def may_change_terms(user):
        """Whether ``user`` may set an offer's terms (``None``: code run by the club, not a request)."""
        return user is None or user.has_perm(OFFER_TERMS_PERMISSION)

    def with_content_json(self, content):
        """A revision's content, with the terms of the offer as they are now (see ``OFFER_TERMS_FIELDS``).

        Wagtail publishes a revision's content as it was saved: reverting to an
        old revision, or publishing a scheduled one, would otherwise bring back
        the capacity, prices and payment terms of that time, whoever publishes.
        Wagtail calls this on the page as stored (or as being saved by its editor).
        """
        page = super().with_content_json(content)
        for name in OFFER_TERMS_FIELDS:
            setattr(page, name, getattr(self, name))
        return page

    def save_revision(self, user=None, *args, **kwargs):
        """Save a revision; the terms set by someone allowed to set them apply at once.

        The terms are not drafted: the values the secretariat saves (in a draft
        too) are the offer's own, which every later publication keeps
        (``with_content_json``). Those in a revision saved by someone else are
        the offer's own already: their form has no such fields.
        """
        revision = super().save_revision(user, *args, **kwargs)
        if self.may_change_terms(user):
            self.save(update_fields=list(OFFER_TERMS_FIELDS), clean=False)
            offer_terms_saved.send(sender=type(self), offer=self)  # more places may be offered
        return revision

    def clean(self):
        super().clean()
        errors = {}
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            errors["max_age"] = _("L'âge maximum doit être supérieur ou égal à l'âge minimum.")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("La date de fin doit suivre la date de début.")
        if self.price is not None and self.deposit_amount is not None and self.deposit_amount > self.price:
            errors["deposit_amount"] = _("L'acompte ne peut pas dépasser le prix.")
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_closes_at <= self.registration_opens_at
        ):
            errors["registration_closes_at"] = _("La clôture des inscriptions doit suivre leur ouverture.")
        if errors:
            raise ValidationError(errors)

    def card_cache_parts(self):
        """What else the card shows, for its cache key (see pages.cards)."""
        return []

    # Whether the club's members' priority window (ClubSettings.priority_days) applies to
    # this type of offer: annual activities have one (réinscriptions), stays none.
    has_priority_window = False

    def priority_window(self, priority_days):
        """``(starts, opens)``: when the members' priority window starts and the public opening, or None."""
        return None

    def priority_rule(self, priority_days, priority_for, now=None):
        """The rule of the priority window as the parents read it, "" when there is none (see ActivityPage)."""
        return ""

    @classmethod
    def card_key_queryset(cls):
        """``card_queryset()`` reading only what the cards' cache keys need.

        A page of cards found in the cache costs a narrow row per offer; the
        offers whose card is missing are read whole (``pages.cards.full_offers``).
        """
        return cls.card_queryset().only(*cls.card_key_fields)

    @property
    def places_taken(self):
        """Places taken: annotated by ``with_places_taken()``, else counted now (one query)."""
        if not hasattr(self, "places_taken_count"):
            self.places_taken_count = (
                type(self)
                .objects.filter(pk=self.pk)
                .with_places_taken()
                .values_list("places_taken_count", flat=True)
                .first()
                or 0
            )
        return self.places_taken_count

    @property
    def places_left(self):
        return max(self.capacity - self.places_taken, 0)

    @property
    def requests_waiting(self):
        """Children in line (requested or waitlisted): annotated by ``with_requests_waiting()``, else counted now."""
        if not hasattr(self, "requests_waiting_count"):
            self.requests_waiting_count = (
                type(self)
                .objects.filter(pk=self.pk)
                .with_requests_waiting()
                .values_list("requests_waiting_count", flat=True)
                .first()
                or 0
            )
        return self.requests_waiting_count

    @property
    def registration_closes(self):
        """When registration closes: the date set, else the start of the offer's first day."""
        if self.registration_closes_at:
            return self.registration_closes_at
        return timezone.make_aware(datetime.datetime.combine(self.start_date, datetime.time.min))

    def registration_state(self, now=None):
        now = now or timezone.now()
        if self.registration_opens_at and now < self.registration_opens_at:
            return RegistrationState.NOT_YET_OPEN
        if now >= self.registration_closes:
            return RegistrationState.CLOSED
        if self.places_left <= 0:
            return RegistrationState.FULL
        return RegistrationState.OPEN

    @cached_property
    def current_registration_state(self):
        return self.registration_state()

    @property
    def requests_waiting_label(self):
        """« 3 demandes en attente », or "" when no request waits."""
        count = self.requests_waiting
        if not count:
            return ""
        return ngettext("%(count)d demande en attente", "%(count)d demandes en attente", count) % {"count": count}

    @property
    def registration_label(self):
        """What the catalogue says of registration: "12 places disponibles · 3 demandes en attente", "Complet"…

        The requests in line are said while registration is not closed, and only when there are some.
        """
        state = self.current_registration_state
        if state == RegistrationState.CLOSED:
            return gettext("Inscriptions fermées")
        requests = self.requests_waiting_label
        if state == RegistrationState.NOT_YET_OPEN:
            opens = timezone.localtime(self.registration_opens_at)
            label = gettext("Ouverture le %(day)s à %(time)s") % {
                "day": formatting.day_month(opens.date()),
                "time": formatting.time_of_day(opens.time()),
            }
        elif state == RegistrationState.OPEN:
            places = self.places_left
            label = ngettext("%(count)d place disponible", "%(count)d places disponibles", places) % {"count": places}
        else:
            # Full: the requests waiting say there is a waiting list; none waiting, say it.
            label = gettext("Complet") if requests else gettext("Complet : liste d'attente")
        # A no-break space before the dot: a narrow card wraps after it, never before.
        return f"{label}\u00a0· {requests}" if requests else label

    def is_age_eligible(self, birth_date):
        """True when a child born on ``birth_date`` is in the age range on the start date."""
        age = age_on(birth_date, self.start_date)
        return self.min_age <= age <= self.max_age


def age_on(birth_date, day):
    """Age in whole years on ``day`` (a child born on 29 February ages on 1 March)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
