"""factory_boy factories for the site's pages, images and users."""

import datetime
from decimal import Decimal

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import Collection

from activities.models import ActivityCategory, ActivityIndexPage, ActivityPage, ActivitySlot, Weekday
from home.models import HomePage
from pages.models import StandardPage
from stays.models import StayIndexPage, StayPage

PASSWORD = "un-mot-de-passe-solide"


def aware(day, hour=9):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class UserFactory(factory.django.DjangoModelFactory):
    email = factory.Sequence(lambda n: f"parent{n}@exemple.fr")
    first_name = "Marie"
    last_name = "Dupont"
    phone = "+33612345678"
    notification_preference = "email"
    password = factory.django.Password(PASSWORD)

    class Meta:
        model = get_user_model()

    class Params:
        by_sms = factory.Trait(notification_preference="sms")
        by_both = factory.Trait(notification_preference="both")


class ImageFactory(wagtail_factories.ImageFactory):
    title = factory.Sequence(lambda n: f"Image {n}")
    collection = factory.LazyFunction(Collection.get_first_root_node)
    file = factory.django.ImageField(width=800, height=520, color="blue")


class HomePageFactory(wagtail_factories.PageFactory):
    title = "Accueil"
    slug = "accueil"
    hero_title = "Le PO"

    class Meta:
        model = HomePage


class StandardPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Page {n}")
    intro = "Une page du club."

    class Meta:
        model = StandardPage


class ActivityIndexPageFactory(wagtail_factories.PageFactory):
    title = "Activités"
    slug = "activites"
    show_in_menus = True

    class Meta:
        model = ActivityIndexPage


class StayIndexPageFactory(wagtail_factories.PageFactory):
    title = "PO Vacances"
    slug = "po-vacances"
    show_in_menus = True

    class Meta:
        model = StayIndexPage


class ActivityCategoryFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Catégorie {n}")
    slug = factory.Sequence(lambda n: f"categorie-{n}")

    class Meta:
        model = ActivityCategory
        django_get_or_create = ["slug"]


class OfferFactoryMixin(factory.Factory):
    """Fields every offer has; registration open now, starting in two months."""

    intro = "Une offre du PO."
    min_age = 6
    max_age = 10
    start_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=7))
    capacity = 20
    price = Decimal("450.00")
    deposit_amount = Decimal("150.00")
    registration_opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10))
    registration_closes_at = None

    class Params:
        not_yet_open = factory.Trait(
            registration_opens_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=5))
        )
        closed = factory.Trait(
            registration_closes_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
        )
        with_image = factory.Trait(image=factory.SubFactory(ImageFactory))


class ActivityPageFactory(OfferFactoryMixin, wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Activité {n}")
    category = factory.SubFactory(ActivityCategoryFactory)
    season = "2026-2027"
    place = "Gymnase du PO"
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=280))

    class Meta:
        model = ActivityPage
        skip_postgeneration_save = True

    @factory.post_generation
    def slots(obj, create, extracted, **kwargs):
        if not create:
            return
        for order, (weekday, start, end) in enumerate(extracted or [(Weekday.WEDNESDAY, "14:00", "15:30")]):
            ActivitySlot.objects.create(
                activity=obj,
                sort_order=order,
                weekday=weekday,
                start_time=datetime.time.fromisoformat(start),
                end_time=datetime.time.fromisoformat(end),
            )


class StayPageFactory(OfferFactoryMixin, wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Séjour {n}")
    destination = "Morzine"
    theme = "Ski"
    holiday_period = "hiver"

    class Meta:
        model = StayPage
