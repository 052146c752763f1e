"""``python manage.py seed_site``: the demo site's pages, its images and the club's settings.

Run by ``seed_demo`` (memberspace), which adds the staff and the demo families.

Idempotent: what exists already (found by slug, title or email) is left as it is,
so running it twice gives the same content and editors' changes are kept.
"""

import datetime
import io
import json

from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from activities.models import ActivityCategory, ActivityIndexPage, ActivityPage, ActivitySlot
from home.models import HomeFeaturedActivity, HomePage
from pages.demo import content
from pages.demo.images import draw_illustration
from pages.models import ClubSettings, StandardPage
from stays.models import StayIndexPage, StayPage


def richtext_paragraphs(*paragraphs):
    return "".join(f"<p>{text}</p>" for text in paragraphs)


def stream(*blocks):
    return json.dumps([{"type": kind, "value": value} for kind, value in blocks])


class Command(BaseCommand):
    help = "Crée (une seule fois) les pages de démonstration, leurs images et les réglages du club."

    def handle(self, *args, **options):
        self.today = timezone.localdate()
        self.created = 0
        with transaction.atomic():
            home = self.home_page()
            categories = self.categories()
            activity_index = self.child(home, ActivityIndexPage, "activites", self.activity_index_fields())
            self.activities(activity_index, categories)
            stay_index = self.child(home, StayIndexPage, "po-vacances", self.stay_index_fields())
            self.stays(stay_index)
            self.standard_pages(home)
            self.featured(home)
            self.club_settings(home)
        self.stdout.write(self.style.SUCCESS(f"Site de démonstration : {self.created} élément(s) créé(s)."))

    # Pages

    def publish(self, page):
        page.save_revision().publish()
        self.created += 1
        return page

    def child(self, parent, model, slug, fields):
        """The child page of ``parent`` with ``slug``, created and published if missing."""
        existing = Page.objects.child_of(parent).filter(slug=slug).first()
        if existing:
            return existing.specific
        page = model(slug=slug, **fields)
        parent.add_child(instance=page)
        return self.publish(page)

    def home_page(self):
        home = HomePage.objects.first()
        if home:
            return home
        root = Page.get_first_root_node()
        home = HomePage(
            title="Accueil",
            slug="accueil",
            hero_title="Le PO, club de jeunes et PO Vacances",
            hero_text="Des activités toute l'année et des séjours à chaque vacances, pour les enfants de 4 à 17 ans.",
            hero_cta_text="Découvrir les séjours",
            hero_image=self.image("Le PO"),
            intro=richtext_paragraphs(
                "Le PO fait peau neuve : chaque parent peut désormais créer son espace adhérent et gérer, "
                "avec l'autre parent, les inscriptions de ses enfants.",
            ),
            seo_title="Le PO, club de jeunes et séjours PO Vacances",
            search_description="Activités annuelles et séjours de vacances pour les enfants et les jeunes.",
        )
        root.add_child(instance=home)
        self.publish(home)
        site = Site.objects.filter(is_default_site=True).first() or Site(hostname="localhost", port=80)
        welcome = site.root_page if site.pk else None
        site.root_page = home
        site.site_name = "Le PO"
        site.is_default_site = True
        site.save()
        # Wagtail's placeholder "Welcome" page is no longer reachable; remove it.
        if welcome and welcome.specific_class is Page and not welcome.get_children().exists():
            welcome.delete()
        return home

    def activity_index_fields(self):
        return {
            "title": "Activités",
            "show_in_menus": True,
            "intro": richtext_paragraphs(
                "Les activités annuelles du PO, de septembre à juin. Filtrez selon l'âge de votre enfant, "
                "la catégorie ou le jour qui vous convient."
            ),
        }

    def stay_index_fields(self):
        return {
            "title": "PO Vacances",
            "show_in_menus": True,
            "intro": richtext_paragraphs(
                "Les séjours de PO Vacances pour chaque période de vacances scolaires, encadrés par notre équipe "
                "d'animateurs diplômés."
            ),
        }

    def categories(self):
        categories = {}
        for name, slug in content.CATEGORIES:
            category, created = ActivityCategory.objects.get_or_create(slug=slug, defaults={"name": name})
            self.created += created
            categories[slug] = category
        return categories

    def activities(self, index, categories):
        season_start, season_end = content.season_bounds(self.today)
        season = f"{season_start.year}-{season_start.year + 1}"
        opens = self.aware(season_start - datetime.timedelta(days=90), 9)
        for number, row in enumerate(content.ACTIVITIES):
            title, category, (min_age, max_age), slots, place, capacity, price, deposit, intro = row
            closes = self.aware(season_end - datetime.timedelta(days=120), 20)
            if title == "Escalade":  # a full group: registration closed after the first month
                closes = self.aware(season_start + datetime.timedelta(days=30), 20)
            fields = {
                "title": title,
                "intro": intro,
                "image": self.image(title),
                "category": categories[category],
                "season": season,
                "place": place,
                "min_age": min_age,
                "max_age": max_age,
                "start_date": season_start,
                "end_date": season_end,
                "capacity": capacity,
                "price": content.money(price),
                "deposit_amount": content.money(deposit),
                "registration_opens_at": opens,
                "registration_closes_at": closes,
                "body": stream(
                    ("paragraph", richtext_paragraphs(intro)),
                    (
                        "paragraph",
                        richtext_paragraphs(
                            "L'activité est encadrée par un animateur diplômé. La cotisation annuelle au club est "
                            "comprise dans le prix.",
                            "Deux séances d'essai sont possibles avant de confirmer l'inscription.",
                        ),
                    ),
                ),
            }
            if number == len(content.ACTIVITIES) - 1:  # a second-term group that opens later
                fields["registration_opens_at"] = self.aware(self.today + datetime.timedelta(days=20), 9)
            existing = Page.objects.child_of(index).filter(slug=slugify(title)).exists()
            page = self.child(index, ActivityPage, slugify(title), fields)
            if not existing:
                for order, (weekday, start, end) in enumerate(slots):
                    ActivitySlot.objects.create(
                        activity=page,
                        sort_order=order,
                        weekday=weekday,
                        start_time=datetime.time.fromisoformat(start),
                        end_time=datetime.time.fromisoformat(end),
                    )
                page.save_revision().publish()

    def stays(self, index):
        for row in content.STAYS:
            title, period, (month, day), nights, (min_age, max_age), destination, theme = row[:7]
            capacity, price, deposit, opens_before, intro = row[7:]
            start = content.next_departure(self.today, month, day)
            self.child(
                index,
                StayPage,
                slugify(title),
                {
                    "title": title,
                    "intro": intro,
                    "image": self.image(title),
                    "destination": destination,
                    "theme": theme,
                    "holiday_period": period,
                    "min_age": min_age,
                    "max_age": max_age,
                    "start_date": start,
                    "end_date": start + datetime.timedelta(days=nights),
                    "capacity": capacity,
                    "price": content.money(price),
                    "deposit_amount": content.money(deposit),
                    "registration_opens_at": self.aware(start - datetime.timedelta(days=opens_before), 9),
                    "registration_closes_at": self.aware(start - datetime.timedelta(days=10), 20),
                    "what_to_bring": "<ul><li>Duvet et oreiller</li><li>Vêtements chauds et de pluie</li>"
                    "<li>Trousse de toilette</li><li>Gourde et lampe de poche</li></ul>",
                    "body": stream(
                        ("paragraph", richtext_paragraphs(intro)),
                        ("heading", {"text": "Encadrement", "level": "h2"}),
                        (
                            "paragraph",
                            richtext_paragraphs(
                                "Un animateur pour huit enfants, un directeur diplômé et un assistant sanitaire. "
                                "Transport en car au départ du PO."
                            ),
                        ),
                    ),
                },
            )

    def standard_pages(self, home):
        self.child(
            home,
            StandardPage,
            "le-club",
            {
                "title": "Le club",
                "show_in_menus": True,
                "intro": "Le PO accueille les enfants et les jeunes de 4 à 17 ans depuis plus de cinquante ans.",
                "body": stream(
                    (
                        "paragraph",
                        richtext_paragraphs(
                            "Association loi 1901, le PO propose des activités sportives, artistiques et scientifiques "
                            "toute l'année, et avec PO Vacances des séjours à chaque période de vacances scolaires."
                        ),
                    ),
                    (
                        "image",
                        {
                            "image": {
                                "image": self.image("Le club").pk,
                                "decorative": False,
                                "alt_text": "Illustration du club",
                            },
                            "caption": "Le PO, un club ouvert à tous.",
                        },
                    ),
                ),
            },
        )
        self.child(
            home,
            StandardPage,
            "nouveau-processus-espace-adherent",
            {
                "title": "Nouveau processus espace adhérent",
                "show_in_menus": True,
                "intro": "La base de données du PO fait peau neuve. Que votre enfant soit déjà membre ou qu'il "
                "frappe à la porte pour la première fois, merci de suivre scrupuleusement les étapes suivantes.",
                "body": stream(
                    (
                        "paragraph",
                        richtext_paragraphs(
                            "Nouveauté : les deux parents peuvent chacun créer un espace adhérent pour gérer "
                            "conjointement les inscriptions de leurs enfants.",
                            "Les étapes 1 à 3 sont à faire une seule et unique fois. Les étapes 4 à 6 vous permettent "
                            "ensuite de réaliser une inscription à une activité ou un séjour.",
                            "En cas de souci technique, écrivez à bdd2024@le-po.com : nous vous répondrons par retour "
                            "de mail.",
                        ),
                    ),
                    (
                        "steps",
                        {
                            "title": "Les étapes",
                            "steps": [{"title": title, "text": text} for title, text in content.STEPS],
                        },
                    ),
                    ("call_to_action", {"text": "Créer mon compte", "page": None, "url": "/compte/signup/"}),
                    (
                        "faq",
                        {
                            "title": "Questions fréquentes",
                            "questions": [{"question": question, "answer": answer} for question, answer in content.FAQ],
                        },
                    ),
                ),
            },
        )
        self.child(
            home,
            StandardPage,
            "contact",
            {
                "title": "Contact",
                "show_in_menus": True,
                "intro": "Le secrétariat vous répond du lundi au vendredi.",
                "body": stream(
                    (
                        "paragraph",
                        richtext_paragraphs(
                            "Secrétariat du PO : 12 rue des Écoles, 75005 Paris — 01 23 45 67 89.",
                            "Question technique sur l'espace adhérent : bdd2024@le-po.com.",
                        ),
                    ),
                ),
            },
        )
        self.child(
            home,
            StandardPage,
            "donnees-personnelles",
            {
                "title": "Données personnelles",
                "intro": "Comment le PO protège les données des familles.",
                "body": stream(
                    (
                        "faq",
                        {
                            "title": "Vos données et vos droits",
                            "questions": [
                                {"question": question, "answer": answer} for question, answer in content.PRIVACY
                            ],
                        },
                    ),
                ),
            },
        )

    def featured(self, home):
        if home.featured_activities.exists():
            return
        for order, slug in enumerate(["multisports", "hip-hop", "petits-debrouillards"]):
            activity = ActivityPage.objects.filter(slug=slug).first()
            if activity:
                HomeFeaturedActivity.objects.create(page=home, activity=activity, sort_order=order)
        home.hero_cta_page = StayIndexPage.objects.first()
        self.publish(home)

    def club_settings(self, home):
        site = Site.objects.get(root_page=home)
        club = ClubSettings.for_site(site)
        if club.iban:
            return
        club.phone = "01 23 45 67 89"
        club.postal_address = "Le PO\n12 rue des Écoles\n75005 Paris"
        club.opening_hours = "Du lundi au vendredi, de 9 h à 12 h et de 14 h à 18 h"
        # How to pay only: the amounts and dates (deposit, balance) are computed for each
        # enrollment and stated apart, so that the terms never promise a date already past.
        club.deposit_payment_terms = richtext_paragraphs(
            "L'acompte sécurise la place de votre enfant. Réglez-le par virement (en indiquant la référence "
            "de l'inscription) ou par chèque.",
            "Le solde se règle de la même façon.",
        )
        club.balance_due_days_before_start = 30
        club.bank_account_holder = "Association Le PO"
        club.bank_name = "Crédit Coopératif"
        club.iban = "FR7630006000011234567890189"
        club.bic = "CCOPFRPPXXX"
        club.cheque_payee = "Association Le PO"
        club.contact_page = Page.objects.filter(slug="contact").first()
        club.privacy_page = Page.objects.filter(slug="donnees-personnelles").first()
        club.save()
        self.created += 1

    # Images

    def image(self, title):
        image_model = get_image_model()
        image = image_model.objects.filter(title=title).first()
        if image:
            return image
        name = f"{slugify(title)}.jpg"
        image = image_model(title=title, file=ImageFile(io.BytesIO(draw_illustration(title)), name=name))
        image.save()
        self.created += 1
        return image

    @staticmethod
    def aware(day, hour):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
