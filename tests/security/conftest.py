"""Shared by the security sweep (issue 7, item 2): one family with marked data, the roles, snapshots.

The family's data carries markers, words found nowhere else, so that "the body
does not contain the child's name or health notes" is a plain substring test.
"""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from wagtail.models import Site

from memberspace.accounts.models import ParentAccount
from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment, PlaceOffer, WaitingList
from memberspace.families.models import Child, ChildStatus, Guardianship, Invitation
from memberspace.families.services import invitations as invitation_service
from memberspace.legacy.models import AttachmentRequest
from memberspace.notifications.models import Notification
from memberspace.payments import services as payments
from memberspace.payments.ledger import EVERYTHING
from memberspace.payments.models import LineState, Method, Payment, Refund, StatementImport, StatementLine
from pages.models import ClubSettings
from tests import dates
from tests.auth import login_staff
from tests.factories import (
    ActivityPageFactory,
    ChildFactory,
    EnrollmentFactory,
    InvitationFactory,
    ParentFactory,
    StaffFactory,
    StayPageFactory,
)

# Words that appear only in the family's records.
CHILD_FIRST = "Zoltanelle"
CHILD_LAST = "Quennevillard"
HEALTH = "Allergie-marqueur-kiwi-7f3c"
FAMILY_STREET = "7 impasse du Marqueur-Secret"
EMERGENCY = "Tantine Marqueurdurgence"
OWNER_LAST = "Proprietarix"
OWNER_EMAIL = "claire.proprietarix@exemple.fr"
MARKERS = (CHILD_FIRST, CHILD_LAST, HEALTH, FAMILY_STREET, EMERGENCY, OWNER_LAST, OWNER_EMAIL)

# Who asks. "Outsiders" must never see the family's data, whatever they ask for.
ROLES = ("owner", "coparent", "other", "pending", "editor", "anonymous", "secretary")
OUTSIDERS = ("other", "pending", "editor", "anonymous")

MISSING_ID = 987_654_321


def birth_date_for(age):
    return dates.years_before(dates.offer_start(), age) - datetime.timedelta(days=30)


def leaked_markers(content):
    """The family's markers found in ``content`` (bytes or str), HTML entities decoded."""
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    content = unescape(content)
    return [marker for marker in MARKERS if marker in content]


def body_of(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


class Rollback(Exception):
    """Raised to undo, at the end of a savepoint, whatever a request changed."""


@contextmanager
def rolled_back():
    """Run the block in a savepoint that is always rolled back: each role meets the same world."""
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


SNAPSHOT_MODELS = (
    Child,
    Guardianship,
    Enrollment,
    PlaceOffer,
    WaitingList,
    Invitation,
    Notification,
    AttachmentRequest,
    Payment,
    Refund,
    StatementImport,
    StatementLine,
    EmailAddress,
)


def _rows(model, skip=()):
    """Every row of ``model``'s table, in primary-key order (plain SQL: taken before and after each request)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608 (a model's own table name)
        names = [column[0] for column in cursor.description]
        keep = [index for index, name in enumerate(names) if name not in skip]
        return [tuple(row[index] for index in keep) for row in cursor.fetchall()]


def snapshot():
    """What a request could change in the families' records, as plain values."""
    user_model = get_user_model()
    state = {model.__name__: _rows(model) for model in SNAPSHOT_MODELS}
    state["User"] = _rows(user_model, skip={"last_login"})
    state["ChildInvitations"] = _rows(Invitation.children.through)
    state["UserGroups"] = _rows(user_model.groups.through)
    state["UserPermissions"] = _rows(user_model.user_permissions.through)
    return state


@dataclass
class World:
    """One family (owner, co-parent, a parent still pending and attached by the secretariat) and the rest."""

    owner: object
    coparent: object
    pending: object
    other: object
    suspended: object
    leaving: object
    editor: object
    secretary: object
    child: object
    other_child: object
    migrated_child: object  # in the old base, no guardian yet: the secretariat may attach it
    stay: object
    activity: object
    free_stay: object
    requested: object
    validated: object
    invitation_sent: object
    invitation_received: object
    invitation_received_token: str
    place_offer_token: str
    failed_notification: object
    held_cheque: object
    to_review: object
    online_payment: object
    statement_line: object
    clients: dict = field(default_factory=dict)

    def user(self, role):
        return None if role == "anonymous" else getattr(self, role)


def set_up_club():
    """The club's settings the emails and pages show (deposit terms, bank details)."""
    settings = ClubSettings.for_site(Site.objects.get(is_default_site=True))
    settings.contact_email = "secretariat@le-po.test"
    settings.deposit_due_days = 15
    settings.bank_account_holder = "Association Le PO"
    settings.iban = "FR7630006000011234567890189"
    settings.bic = "AGRIFRPP"
    settings.save()
    return settings


# The member area's concept apps, and the app of each model the secretariat's screens show.
MEMBER_APPS = ("secretariat", "notifications", "accounts", "families", "legacy", "enrollments", "payments", "privacy")
MODEL_APPS = {
    "parentaccount": "accounts",
    "user": "accounts",  # Wagtail's users screen: its bulk actions must refuse parents
    "child": "families",
    "enrollment": "enrollments",
    "payment": "payments",
    "statementline": "payments",
    "notification": "notifications",
}


@pytest.fixture
def club(home):
    return set_up_club()


def build_world(stay_index, activity_index, secretary, editor):
    owner = ParentFactory(email=OWNER_EMAIL, first_name="Claire", last_name=OWNER_LAST, street=FAMILY_STREET)
    coparent = ParentFactory(email="coparent@exemple.fr", first_name="Paul", last_name="Coparent", street=FAMILY_STREET)
    # Pending, but already a guardian: the secretariat attaches migrated children while validating an account.
    pending = ParentFactory(email="en-attente@exemple.fr", pending=True, first_name="Inès", last_name="Attente")
    other = ParentFactory(email="autre-famille@exemple.fr", first_name="Bruno", last_name="Autre")
    suspended = ParentFactory(email="suspendu@exemple.fr", suspended=True, first_name="Sam", last_name="Suspendu")
    leaving = ParentFactory(
        email="depart@exemple.fr", first_name="Léon", last_name="Départ", erasure_requested_at=timezone.now()
    )
    child = ChildFactory(
        first_name=CHILD_FIRST,
        last_name=CHILD_LAST,
        birth_date=birth_date_for(8),
        sex="F",
        school_level="CE2",
        health_notes=HEALTH,
        emergency_contact_name=EMERGENCY,
        emergency_contact_phone="+33142685300",
        created_by=owner,
        guardians=[(owner, "mere"), (coparent, "pere"), (pending, "tuteur")],
        guardians__created_by=owner,
    )
    other_child = ChildFactory(
        first_name="Noé", last_name="Voisin", birth_date=birth_date_for(8), sex="M", guardians=[(other, "pere")]
    )
    migrated_child = Child.objects.create(
        first_name="Lou", last_name="Ancien", birth_date=birth_date_for(9), status=ChildStatus.MIGRATED, legacy_id="42"
    )

    stay = StayPageFactory(
        parent=stay_index,
        title="Neige à Morzine",
        start_date=dates.offer_start(),
        end_date=dates.offer_start() + datetime.timedelta(days=6),
        capacity=5,
        price=Decimal("450.00"),
        deposit_amount=Decimal("150.00"),
    )
    free_stay = StayPageFactory(
        parent=stay_index,
        title="Mer à Quiberon",
        start_date=dates.offer_start() + datetime.timedelta(days=20),
        end_date=dates.offer_start() + datetime.timedelta(days=26),
        capacity=5,
    )
    activity = ActivityPageFactory(parent=activity_index, title="Judo du mercredi", start_date=dates.offer_start())
    (requested,) = enrollments.request_enrollments(owner, offer=stay, children=[child], comment="Covoiturage")
    (validated,) = enrollments.request_enrollments(coparent, offer=activity, children=[child])
    validated = enrollments.validate(validated, by=secretary)
    # A freed place offered to the family, answered from the link its email and SMS carry.
    waiting_stay = StayPageFactory(
        parent=stay_index,
        title="Voile à Brest",
        start_date=dates.offer_start() + datetime.timedelta(days=40),
        end_date=dates.offer_start() + datetime.timedelta(days=46),
        capacity=1,
    )
    place_offer = PlaceOffer.objects.create(offer=waiting_stay, expires_at=timezone.now() + datetime.timedelta(days=2))
    EnrollmentFactory(child=child, offer=waiting_stay, requested_by=owner, offered=True, place_offer=place_offer)

    invitation_sent, _token = invitation_service.invite(
        owner, email="grand-mere@exemple.fr", children=[child], relationship="autre"
    )
    # Sent by the co-parent to the owner's address (made directly: the service refuses a current guardian).
    token = Invitation.new_token()
    invitation_received = InvitationFactory(
        inviter=coparent, email=owner.email, relationship="mere", token=token, children=[child]
    )

    failed_notification = Notification.objects.filter(user=owner, kind="enrollment_requested").first()
    assert failed_notification is not None and CHILD_FIRST in failed_notification.body_text
    failed_notification.status = Notification.Status.FAILED
    failed_notification.attempts = 5
    failed_notification.last_error = "SMTP 550"
    failed_notification.save()

    # The validated enrollment's money: a cheque held to cash later, a payment the secretariat must
    # look at, and a checkout opened online by the owner.
    held_cheque = payments.record_payment(
        validated,
        amount="50",
        method=Method.CHEQUE,
        cash_on=timezone.localdate() + datetime.timedelta(days=10),
        by=secretary,
    )
    to_review = Payment.objects.create(
        enrollment=validated, amount=Decimal("10"), method=Method.TRANSFER, review_reason="Trop-perçu de test"
    )
    online_payment = payments.start_online_payment(
        validated,
        kind=EVERYTHING,
        by=owner,
        urls=lambda payment: dict.fromkeys(("return_url", "back_url", "error_url"), "https://le-po.test/retour/"),
    )
    # A transfer of the bank statement, from the owner, waiting to be attached (« à rapprocher »).
    statement = StatementImport.objects.create(file_name="releve.xml", format="camt053", imported_by=secretary)
    statement_line = StatementLine.objects.create(
        statement=statement,
        booked_on=dates.today(),
        amount=Decimal("35.00"),
        payer_name=f"Claire {OWNER_LAST}",
        reference="Virement judo",
        checksum="0" * 64,
        state=LineState.TO_RECONCILE,
    )
    statement_line.candidates.set([validated])

    world = World(
        owner=owner,
        coparent=coparent,
        pending=pending,
        other=other,
        suspended=ParentAccount.objects.get(pk=suspended.pk),
        leaving=ParentAccount.objects.get(pk=leaving.pk),
        editor=editor,
        secretary=secretary,
        child=child,
        other_child=other_child,
        migrated_child=migrated_child,
        stay=stay,
        activity=activity,
        free_stay=free_stay,
        requested=requested,
        validated=validated,
        invitation_sent=invitation_sent,
        invitation_received=invitation_received,
        invitation_received_token=token,
        place_offer_token=enrollments.answer_token(place_offer, owner),
        failed_notification=failed_notification,
        held_cheque=held_cheque,
        to_review=to_review,
        online_payment=online_payment,
        statement_line=statement_line,
    )
    for role in ROLES:
        client = Client()
        user = world.user(role)
        if role in ("editor", "secretary"):
            login_staff(client, user)
        elif user is not None:
            client.force_login(user)
        world.clients[role] = client
    return world


@pytest.fixture
def world(club, stay_index, activity_index, secretary, editor):
    """The world, built in the test's own transaction (for tests that change it)."""
    return build_world(stay_index, activity_index, secretary, editor)


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """The world built once for a module whose tests each run in a savepoint of its transaction.

    Building it takes longer than most of the matrix's tests: each test (marked
    ``django_db``) rolls back what it changed, and the module's transaction is
    rolled back at the end. Tests of such a module must not build another world.
    """
    from wagtail.models import Collection, Page

    from config.roles import setup_roles
    from tests.factories import ActivityIndexPageFactory, HomePageFactory, StayIndexPageFactory

    with django_db_blocker.unblock(), rolled_back():
        if not Collection.objects.exists():
            Collection.add_root(name="Root")
        root = Page.get_first_root_node()
        home = HomePageFactory(parent=root)
        Site.objects.all().delete()
        Site.objects.create(hostname="testserver", port=80, root_page=home, is_default_site=True, site_name="Le PO")
        for page in root.get_children().exclude(pk=home.pk):
            page.delete()
        set_up_club()
        setup_roles()
        secretary = StaffFactory(
            email="secretariat@le-po.test", first_name="Sophie", last_name="Secrétaire", groups=["Secrétariat"]
        )
        editor = StaffFactory(
            email="communication@le-po.test", first_name="Camille", last_name="Com", groups=["Communication"]
        )
        yield build_world(StayIndexPageFactory(parent=home), ActivityIndexPageFactory(parent=home), secretary, editor)
