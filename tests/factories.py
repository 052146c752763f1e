"""factory_boy factories for the site's pages, images, users and the member area's records.

One factory per model, with a trait per state, so that a test says what it needs and no more:

    mother = ParentFactory(email="claire@exemple.fr")          # validated, email verified
    waiting = ParentFactory(pending=True)                      # pending since now (verified)
    unverified = ParentFactory(pending=True, verified=False)   # signed up, never clicked the link
    lea = ChildFactory(guardians=[mother, father])             # active, both as "mere"
    old = ChildFactory(migrated=True)                          # from the old base, no guardian yet
    EnrollmentFactory(child=lea, offer=stay, validated=True)   # validated_at, deposit terms set
    NotificationFactory(user=mother, failed=True)

Records made this way skip the services (no log entry, no notification): to test a
transition, make the record in the state before it and call the service.
"""

import datetime
from decimal import Decimal

import factory
import wagtail_factories
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import Collection, Site

from activities.models import ActivityCategory, ActivityIndexPage, ActivityPage, ActivitySlot, Weekday
from home.models import HomePage
from memberspace.accounts.models import AccountStatus
from memberspace.enrollments.models import Enrollment, EnrollmentStatus
from memberspace.families.models import Child, ChildStatus, Guardianship, Invitation, Relationship, hash_token
from memberspace.legacy.models import LegacyContact
from memberspace.notifications.models import Notification
from memberspace.payments.models import Method, Payment
from pages.models import ClubSettings, StandardPage
from stays.models import StayIndexPage, StayPage
from tests import dates

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
    start_date = factory.LazyFunction(dates.offer_start)
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


def week_stay(parent, title, start, **fields):
    """A stay under ``parent`` from ``start`` to six days later; ``fields`` go to ``StayPageFactory``."""
    return StayPageFactory(
        parent=parent, title=title, start_date=start, end_date=start + datetime.timedelta(days=6), **fields
    )


def club_settings(**fields):
    """The default site's club settings with ``fields`` set and saved (the site must exist: fixture ``home``)."""
    settings = ClubSettings.for_site(Site.objects.get(is_default_site=True))
    for name, value in fields.items():
        settings._meta.get_field(name)  # a misspelt setting fails here rather than being set and ignored
        setattr(settings, name, value)
    settings.save()
    return settings


# The member area


def years_ago(years, days=30):
    """A birth date making the child ``years`` old today (``days`` past a birthday)."""
    return dates.years_before(dates.today(), years) - datetime.timedelta(days=days)


class EmailAddressFactory(factory.django.DjangoModelFactory):
    """allauth's record of an address: verified and primary, as after clicking the link."""

    user = factory.SubFactory(UserFactory)
    email = factory.SelfAttribute("user.email")
    verified = True
    primary = True

    class Meta:
        model = EmailAddress


class ParentFactory(UserFactory):
    """A parent who signed up and verified their email; validated by the club unless a trait says not.

    ``verified=False``: no verified address (and then no ``pending_since``). A pending,
    verified parent waits since now, as the verification sets it (pass ``pending_since``
    to choose another time, or ``None`` to leave it unset).
    """

    account_status = AccountStatus.VALIDATED
    pending_since = factory.Maybe(
        factory.LazyAttribute(lambda o: o.verified and o.account_status == AccountStatus.PENDING),
        yes_declaration=factory.LazyFunction(timezone.now),
        no_declaration=None,
    )
    email_address = factory.Maybe(
        "verified",
        yes_declaration=factory.RelatedFactory(EmailAddressFactory, factory_related_name="user"),
        no_declaration=None,
    )

    class Meta:
        skip_postgeneration_save = True

    class Params:
        verified = True
        pending = factory.Trait(account_status=AccountStatus.PENDING)
        validated = factory.Trait(account_status=AccountStatus.VALIDATED)
        rejected = factory.Trait(
            account_status=AccountStatus.REJECTED,
            status_changed_at=factory.LazyFunction(timezone.now),
            status_reason="Inconnu du club.",
        )
        suspended = factory.Trait(
            account_status=AccountStatus.SUSPENDED,
            is_active=False,  # as services.suspend does: the account's sessions end
            status_changed_at=factory.LazyFunction(timezone.now),
            status_reason="Impayés.",
        )


class StaffFactory(UserFactory):
    """A member of the club's staff; ``groups=["Secrétariat"]`` puts them in roles made by ``setup_roles``."""

    email = factory.Sequence(lambda n: f"staff{n}@le-po.test")
    first_name = "Sophie"
    last_name = "Secrétaire"
    is_staff = True

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.add(*(Group.objects.get(name=name) for name in extracted))


class ChildFactory(factory.django.DjangoModelFactory):
    """An active child of 8; ``guardians=[a, b]`` makes them its guardians.

    Each guardian is a user, or a ``(user, relationship)`` pair; the relationship is
    ``guardians__relationship`` (« mère » by default) otherwise.
    """

    first_name = "Léa"
    last_name = "Martin"
    birth_date = factory.LazyFunction(lambda: years_ago(8))
    status = ChildStatus.ACTIVE

    class Meta:
        model = Child
        skip_postgeneration_save = True

    class Params:
        active = factory.Trait(status=ChildStatus.ACTIVE)
        migrated = factory.Trait(
            status=ChildStatus.MIGRATED,
            legacy_id=factory.Sequence(lambda n: f"L{n}"),
            legacy_activities="Judo 2024",
        )
        archived = factory.Trait(status=ChildStatus.ARCHIVED, archived_at=factory.LazyFunction(timezone.now))

    @factory.post_generation
    def guardians(obj, create, extracted, relationship=Relationship.MOTHER, **kwargs):
        if not create or not extracted:
            return
        for guardian in extracted:
            user, link = guardian if isinstance(guardian, tuple) else (guardian, relationship)
            Guardianship.objects.create(child=obj, parent=user, relationship=link, **kwargs)


class GuardianshipFactory(factory.django.DjangoModelFactory):
    child = factory.SubFactory(ChildFactory)
    parent = factory.SubFactory(ParentFactory)
    relationship = Relationship.MOTHER

    class Meta:
        model = Guardianship


class LegacyContactFactory(factory.django.DjangoModelFactory):
    """A parent as the old base knew them, for a migrated child."""

    child = factory.SubFactory(ChildFactory, migrated=True)
    first_name = "Sophie"
    last_name = factory.SelfAttribute("child.last_name")
    email = factory.Sequence(lambda n: f"ancien{n}@exemple.fr")

    class Meta:
        model = LegacyContact


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation; ``token`` is the secret the email carries (only its hash is stored)."""

    inviter = factory.SubFactory(ParentFactory)
    email = factory.Sequence(lambda n: f"invite{n}@exemple.fr")
    relationship = Relationship.OTHER
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))

    class Meta:
        model = Invitation
        skip_postgeneration_save = True

    class Params:
        token = factory.LazyFunction(Invitation.new_token)
        accepted = factory.Trait(
            accepted_at=factory.LazyFunction(timezone.now), accepted_by=factory.SubFactory(ParentFactory)
        )
        withdrawn = factory.Trait(withdrawn_at=factory.LazyFunction(timezone.now))
        expired = factory.Trait(expires_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1)))

    @factory.post_generation
    def children(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.children.set(extracted)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """A request for ``child`` on ``offer`` (an offer page: pass one, it needs a parent page).

    A trait per state sets the matching ``*_at`` fields, as the services would.
    """

    child = factory.SubFactory(ChildFactory)
    reference = factory.Sequence(lambda n: f"PO-TEST-{n:05d}")
    arrival = factory.Sequence(lambda n: n + 1)  # in line in the order they are made
    status = EnrollmentStatus.REQUESTED

    class Meta:
        model = Enrollment
        skip_postgeneration_save = True  # the hook adds rows beside it, never changes it

    class Params:
        requested = factory.Trait(status=EnrollmentStatus.REQUESTED)
        waitlisted = factory.Trait(status=EnrollmentStatus.WAITLISTED, waitlisted_at=factory.LazyFunction(timezone.now))
        # Offered a freed place (the place offer itself: PlaceOfferFactory, or the services).
        offered = factory.Trait(status=EnrollmentStatus.OFFERED, waitlisted_at=factory.LazyFunction(timezone.now))
        validated = factory.Trait(
            status=EnrollmentStatus.VALIDATED,
            validated_at=factory.LazyFunction(timezone.now),
            price=factory.SelfAttribute("offer.price"),
            deposit_amount=factory.SelfAttribute("offer.deposit_amount"),
            deposit_due_date=factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=15)),
        )
        # The money that moved it there is recorded too (``received``): its ledger agrees with its state.
        deposit_received = factory.Trait(
            validated=True,
            status=EnrollmentStatus.DEPOSIT_RECEIVED,
            deposit_received_at=factory.LazyFunction(timezone.now),
        )
        paid = factory.Trait(
            deposit_received=True,
            status=EnrollmentStatus.PAID,
            paid_at=factory.LazyFunction(timezone.now),
        )
        refused = factory.Trait(
            status=EnrollmentStatus.REFUSED,
            refused_at=factory.LazyFunction(timezone.now),
            refusal_reason="Complet.",
        )
        cancelled = factory.Trait(status=EnrollmentStatus.CANCELLED, cancelled_at=factory.LazyFunction(timezone.now))

    @factory.post_generation
    def received(obj, create, extracted, **kwargs):
        """The payment a place's state stands for: the deposit once received, the price once paid."""
        if not create:
            return
        amount = {
            EnrollmentStatus.DEPOSIT_RECEIVED: obj.deposit_amount,
            EnrollmentStatus.PAID: obj.price if obj.price is not None else obj.deposit_amount,
        }.get(obj.status)
        if amount:
            Payment.objects.create(enrollment=obj, amount=amount, method=Method.CHEQUE, reference="0000001")


class NotificationFactory(factory.django.DjangoModelFactory):
    """A queued email to a parent; traits ``sent`` and ``failed``."""

    kind = "test"
    channel = Notification.Channel.EMAIL
    user = factory.SubFactory(ParentFactory)
    address = factory.SelfAttribute("user.email")
    subject = "Un message du PO"
    body_text = "Bonjour, ceci est un message du PO."

    class Meta:
        model = Notification

    class Params:
        sms = factory.Trait(channel=Notification.Channel.SMS, address=factory.SelfAttribute("user.phone"), subject="")
        sent = factory.Trait(status=Notification.Status.SENT, attempts=1, sent_at=factory.LazyFunction(timezone.now))
        failed = factory.Trait(
            status=Notification.Status.FAILED,
            attempts=5,
            last_error="SMTP 550",
            failure_kind=Notification.FailureKind.PERMANENT,
            failed_at=factory.LazyFunction(timezone.now),
        )
