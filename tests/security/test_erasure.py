"""Erasure reaches every place that holds the family's data (issue 11, finding 5).

A fully-used account is erased, then every table of the database is read
(every column of every row, the sessions decoded) and searched for the
account's distinctive strings. The search lists the tables from the database
itself, so a model added later that keeps a copy of the family's data, or a
third-party app that does, fails this test until erasure reaches it.
"""

import datetime
import json
import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from memberspace.accounts import services as accounts
from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment, EnrollmentStatus
from memberspace.families.models import Child, Guardianship
from memberspace.families.services import children as children_service
from memberspace.families.services import invitations as invitations_service
from memberspace.legacy.models import LegacyContact
from memberspace.notifications.models import Notification
from memberspace.privacy import services as privacy
from tests import dates
from tests.auth import give_totp
from tests.factories import ParentFactory, StayPageFactory

pytestmark = pytest.mark.django_db


# The erased parent's strings: found nowhere once the account is erased.
FIRST = "Ysalinette"
LAST = "Zabrowskaïa"
EMAIL = "ysalinette.zabrowskaia@exemple.fr"
OLD_EMAIL = "ysa.ancienne-adresse@exemple.fr"
PHONE = "+33698765432"
PHONE_NATIONAL = "06 98 76 54 32"
STREET = "12 allée des Marqueurs-Effacés"
CLUB_MESSAGE = "message-au-club-7341"
COMMENT = "commentaire-de-demande-5521"
INVITEE = "mamie.invitee-8812@exemple.fr"
SUSPENSION = "motif-de-suspension-3390"
PARENT_STRINGS = (
    FIRST,
    LAST,
    EMAIL,
    OLD_EMAIL,
    PHONE,
    PHONE_NATIONAL,
    STREET,
    CLUB_MESSAGE,
    COMMENT,
    INVITEE,
    SUSPENSION,
)
# The child she was the only guardian of: archived at the erasure, erased by the retention purge.
LONE_FIRST = "Kilianou"
LONE_LAST = "Vortenbeck"
HEALTH = "allergie-marqueur-kiwi-4410"
LONE_STRINGS = (LONE_FIRST, LONE_LAST, HEALTH)


def digits(text):
    return re.sub(r"[\s.\-()]", "", text)


def searchable(value):
    """A column's value as text: JSON decoded (SQLite stores ``ë`` as ``\\u00eb``), bytes decoded."""
    if value is None or isinstance(value, int | float | Decimal | datetime.date | datetime.time):
        return ""
    if isinstance(value, memoryview | bytes):
        value = bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    value = str(value)
    if value[:1] in "{[":
        try:
            return json.dumps(json.loads(value), ensure_ascii=False)
        except ValueError:
            pass
    return value


def every_row():
    """``(table, row, row as text)`` for every row of every table of the database, sessions decoded."""
    for table in sorted(connection.introspection.table_names()):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (the database's own tables)
            names = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
        for row in rows:
            values = dict(zip(names, row, strict=True))
            text = " | ".join(f"{name}={searchable(value)}" for name, value in values.items())
            if table == Session._meta.db_table:
                text += " | " + json.dumps(Session(session_data=values["session_data"]).get_decoded(), default=str)
            yield table, values, text


def found(strings, allowed=lambda table, row: False):
    """Where ``strings`` appear in the database (case-insensitive; phone numbers whatever their spacing)."""
    hits = []
    for table, row, text in every_row():
        folded, folded_digits = text.casefold(), digits(text)
        for string in strings:
            present = string.casefold() in folded
            if string.startswith(("+", "0")):
                present = present or digits(string)[-9:] in folded_digits
            if present and not allowed(table, row):
                hits.append((table, string, text[:300]))
    return hits


@pytest.fixture
def used_account(home, stay_index, secretary):
    """An account that used everything the site offers, with a co-parent for one of its two children."""
    mother = ParentFactory(
        email=EMAIL,
        first_name=FIRST,
        last_name=LAST,
        phone=PHONE,
        street=STREET,
        postal_code="35000",
        city="Rennes",
        club_message=f"Mes enfants étaient au club. {CLUB_MESSAGE}. Rappelez-moi au {PHONE_NATIONAL}.",
        notification_preference="both",
    )
    EmailAddress.objects.create(user=mother, email=OLD_EMAIL, verified=True, primary=False)
    father = ParentFactory(email="armand.tanguy@exemple.fr", first_name="Armand", last_name="Tanguy")
    accounts.suspend(mother, by=secretary, reason=f"{SUSPENSION} : joindre {FIRST} au {PHONE_NATIONAL}")
    accounts.reinstate(mother, by=secretary)
    birth = dates.years_before(dates.offer_start(), 8)
    lone = children_service.create_child(
        mother,
        data={"first_name": LONE_FIRST, "last_name": LONE_LAST, "birth_date": birth, "health_notes": HEALTH},
        relationship="mere",
    )
    LegacyContact.objects.create(
        child=lone, first_name=FIRST, last_name=LAST, email=EMAIL, phone=PHONE, address=STREET, city="Rennes"
    )
    shared = children_service.create_child(
        father,
        data={"first_name": "Maëlys", "last_name": "Tanguy", "birth_date": birth, "health_notes": "Asthme"},
        relationship="pere",
    )
    invitation, _token = invitations_service.invite(father, email=EMAIL, children=[shared], relationship="mere")
    invitations_service.accept(invitation, user=mother)
    children_service.update_child(shared, by=mother, data={"health_notes": "Asthme léger"})
    invitations_service.invite(mother, email=INVITEE, children=[lone], relationship="autre")
    stays = [
        StayPageFactory(parent=stay_index, start_date=day, end_date=day, capacity=10)
        for day in (dates.offer_start() + datetime.timedelta(days=7 * week) for week in range(3))
    ]
    comment = f"{COMMENT} : joignable au {PHONE_NATIONAL}, {STREET}"
    (paid,) = enrollments.request_enrollments(mother, offer=stays[0], children=[shared], comment=comment)
    enrollments.validate(paid, by=secretary)
    enrollments.record_deposit(paid, by=secretary)
    (kept,) = enrollments.request_enrollments(mother, offer=stays[1], children=[lone], comment=comment)
    enrollments.validate(kept, by=secretary)
    (pending,) = enrollments.request_enrollments(mother, offer=stays[2], children=[lone], comment=comment)
    give_totp(mother)
    UserProfile.get_for_user(mother)
    browser = Client()
    browser.force_login(mother)
    assert browser.get("/espace-adherent/").status_code == 200
    privacy.request_erasure(mother)
    Notification.objects.update(status=Notification.Status.SENT)  # the worker delivered them
    # The test is only as good as its world: every string is somewhere before the erasure.
    assert not set(PARENT_STRINGS + LONE_STRINGS) - {string for _t, string, _x in found(PARENT_STRINGS + LONE_STRINGS)}
    return mother, father, lone, shared, paid, kept, pending


def test_erasing_a_fully_used_account_leaves_nothing_of_the_family_in_any_table(used_account, secretary):
    mother, father, lone, shared, paid, kept, pending = used_account
    erased_at = timezone.now()

    privacy.erase_account(mother, by=secretary)

    # The lone child is archived, as docs/data_protection.md says: its own record and its own history
    # (and its enrollments') stay until the retention purge. Nothing else may hold the family's strings.
    own_history = {(content_type(Child), str(lone.pk))}
    own_history |= {(content_type(Enrollment), str(pk)) for pk in lone.enrollments.values_list("pk", flat=True)}

    def the_archived_childs_own_records(table, row):
        if table == ModelLogEntry._meta.db_table:
            return (row["content_type_id"], row["object_id"]) in own_history
        return table == Child._meta.db_table and row["id"] == lone.pk

    def the_confirmation_still_to_send(table, row):
        return table == Notification._meta.db_table and row["kind"] == "account_erased" and row["status"] == "queued"

    assert found(PARENT_STRINGS, allowed=the_confirmation_still_to_send) == []
    assert found(LONE_STRINGS, allowed=the_archived_childs_own_records) == []
    # Kept: the anonymous account row, the enrollments the accounts need, the child with its co-parent.
    mother.refresh_from_db()
    assert mother.email == f"efface-{mother.pk}@efface.invalid" and not mother.is_active
    paid.refresh_from_db(), kept.refresh_from_db(), pending.refresh_from_db()
    assert (paid.status, paid.requested_by, paid.parent_comment) == (EnrollmentStatus.DEPOSIT_RECEIVED, mother, "")
    assert paid.deposit_amount == Decimal("150.00") and paid.reference
    assert pending.status == EnrollmentStatus.CANCELLED
    assert list(Guardianship.objects.filter(child=shared).values_list("parent", flat=True)) == [father.pk]
    # Nothing else points to the account but the accounting rows and who did what.
    assert pointing_to(mother) <= {
        ("enrollments_enrollment", "requested_by_id"),
        ("families_child", "created_by_id"),
        ("families_guardianship", "created_by_id"),
        ("wagtailcore_modellogentry", "user_id"),
    }
    assert not Session.objects.exists()

    # The confirmation to the former address is the last trace, until the next daily purge once it is sent.
    (confirmation,) = Notification.objects.filter(kind="account_erased")
    assert confirmation.address == EMAIL
    Notification.objects.filter(pk=confirmation.pk).update(status=Notification.Status.SENT)
    privacy.run_purges(now=erased_at + datetime.timedelta(days=1))
    assert found(PARENT_STRINGS) == []

    # After the retention period of archived children, nothing of the lone child remains either.
    privacy.run_purges(now=erased_at + datetime.timedelta(days=4 * 366))
    assert found(PARENT_STRINGS + LONE_STRINGS) == []
    kept.refresh_from_db()
    assert kept.status == EnrollmentStatus.VALIDATED and kept.reference and kept.parent_comment == ""
    assert Enrollment.objects.filter(pk=paid.pk, status=EnrollmentStatus.DEPOSIT_RECEIVED).exists()


def content_type(model):
    return ContentType.objects.get_for_model(model).pk


def pointing_to(user):
    """``(table, column)`` of every row of the database holding a foreign key to ``user``."""
    user_table = get_user_model()._meta.db_table
    where = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            for column, (_other_column, other_table) in connection.introspection.get_relations(cursor, table).items():
                if other_table != user_table:
                    continue
                quoted = connection.ops.quote_name
                cursor.execute(
                    f"SELECT 1 FROM {quoted(table)} WHERE {quoted(column)} = %s",  # noqa: S608 (introspected names)
                    [user.pk],
                )
                if cursor.fetchone():
                    where.add((table, column))
    return where


def test_an_account_purged_unvalidated_leaves_nothing_either(home, secretary):
    """The retention purge deletes an account never validated, and the secretariat's lists that named it."""
    waiting = ParentFactory(
        email=EMAIL, pending=True, first_name=FIRST, last_name=LAST, phone=PHONE, club_message=CLUB_MESSAGE
    )
    accounts.send_waiting_accounts_digest()
    accounts.reject(waiting, by=secretary, reason=f"{SUSPENSION} : rappeler au {PHONE_NATIONAL}")
    Notification.objects.update(status=Notification.Status.SENT)
    assert {string for _t, string, _x in found(PARENT_STRINGS)} >= {FIRST, LAST, EMAIL, CLUB_MESSAGE, SUSPENSION}

    privacy.run_purges(now=timezone.now() + datetime.timedelta(days=100))  # within the log's year

    assert not get_user_model().objects.filter(pk=waiting.pk).exists()
    assert found(PARENT_STRINGS) == []
