"""The secretariat's matching: migrated children that probably belong to an account."""

import datetime
import io
import json

import pytest
from django.core.management import call_command

from memberspace.families.models import Child, ChildStatus
from memberspace.legacy.matching import THRESHOLD, message_terms, suggest_children
from memberspace.legacy.models import AttachmentRequest, LegacyContact
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def migrated(first, last, legacy_id, birth=datetime.date(2016, 3, 12), contacts=()):
    child = Child.objects.create(
        first_name=first, last_name=last, birth_date=birth, status=ChildStatus.MIGRATED, legacy_id=legacy_id
    )
    for position, contact in enumerate(contacts, start=1):
        LegacyContact.objects.create(child=child, position=position, **contact)
    return child


@pytest.fixture
def old_base():
    children = {
        "lea": migrated("Léa", "Dupont", "1001"),
        "hugo": migrated("Hugo", "Dupont", "1002", datetime.date(2018, 7, 1)),
        "lea_martin": migrated("Léa", "Martin", "2001"),
        "hugo_martin": migrated("Hugo", "Martin", "2002"),
        "jules_martin": migrated("Jules", "Martin", "2003"),
        "lea_martinez": migrated("Léa", "Martinez", "2101"),
        "come": migrated("Côme", "De la Fontaine", "3001"),
        "anais": migrated("Anaïs", "Nguyen-Leroy", "3002"),
        "zoe": migrated(
            "Zoé",
            "Müller",
            "3003",
            contacts=[
                {
                    "first_name": "Anna",
                    "last_name": "Müller",
                    "email": "anna.muller@exemple.fr",
                    "phone": "+33655667788",
                    "postal_code": "75019",
                }
            ],
        ),
    }
    # Noise: many unrelated migrated children.
    for number, (first, last) in enumerate(
        [("Noah", "Roux"), ("Inès", "Lefèvre"), ("Louis", "Faure"), ("Chloé", "Petit"), ("Léo", "Bernard")] * 20
    ):
        migrated(first, last, f"9{number:03d}")
    return children


def names(account):
    return [str(suggestion.child) for suggestion in suggest_children(account)]


def account(message="", **fields):
    return UserFactory(club_message=message, **{"phone": "", "postal_code": "", **fields})


@pytest.mark.parametrize(
    "message", ["Léa DUPONT", "dupont lea", "Lea Dupond", "Bonjour, ma fille LEA-DUPONT est inscrite."]
)
def test_a_child_named_any_way_is_found_first(old_base, message):
    assert names(account(message, last_name="Durand"))[0] == "Léa Dupont"


def test_siblings_in_one_message_are_both_found(old_base):
    found = names(account("Mes enfants : Léa Dupont et Hugo Dupont", last_name="Dupont"))
    assert found[:2] == ["Hugo Dupont", "Léa Dupont"] or found[:2] == ["Léa Dupont", "Hugo Dupont"]


def test_first_names_then_the_family_name_once(old_base):
    found = names(account("Léa, Hugo et Jules Martin", last_name="Martin"))
    assert set(found[:3]) == {"Léa Martin", "Hugo Martin", "Jules Martin"}
    # A close family name ranks below the exact one.
    if "Léa Martinez" in found:
        assert found.index("Léa Martinez") > found.index("Léa Martin")


def test_first_names_alone_with_the_parents_family_name(old_base):
    found = names(account("Léa et Hugo sont au judo", last_name="Dupont"))
    assert set(found[:2]) == {"Léa Dupont", "Hugo Dupont"}


def test_compound_and_accented_names(old_base):
    assert names(account("Côme de la Fontaine", last_name="X"))[0] == "Côme De la Fontaine"
    assert names(account("anais nguyen leroy", last_name="X"))[0] == "Anaïs Nguyen-Leroy"


def test_the_email_or_phone_of_the_old_base(old_base):
    parent = account(email="Anna.Muller@exemple.fr", last_name="Schmidt")
    by_email = suggest_children(parent)
    assert [str(s.child) for s in by_email] == ["Zoé Müller"]
    assert by_email[0].reasons == ["adresse e-mail du compte dans l'ancienne base"]
    by_phone = suggest_children(account(email="autre@exemple.fr", phone="+33655667788", last_name="Schmidt"))
    assert [str(s.child) for s in by_phone] == ["Zoé Müller"]
    assert by_phone[0].reasons == ["téléphone du compte dans l'ancienne base"]
    parent.phone = "+33655667788"
    parent.save()
    assert suggest_children(parent)[0].score == 100


def test_the_legacy_number_in_the_message(old_base):
    found = suggest_children(account("Numéro d'adhérent 3003", last_name="Müller"))
    assert str(found[0].child) == "Zoé Müller"
    assert "numéro d'adhérent cité dans le message" in found[0].reasons


def test_a_new_family_gets_no_suggestion(old_base):
    for message in ("", "Nous arrivons au PO cette année.", "Mon fils Tom Garcia voudrait faire du foot."):
        assert names(account(message, last_name="Garcia", postal_code="75012")) == []


def test_a_child_the_parent_tried_to_add_counts_as_written(old_base):
    parent = account("", last_name="Nguyen")
    AttachmentRequest.objects.create(
        parent=parent, first_name="Anaïs", last_name="Nguyen-Leroy", birth_date=datetime.date(2015, 4, 3)
    )
    assert names(parent)[0] == "Anaïs Nguyen-Leroy"


def test_attached_children_are_no_longer_suggested(old_base):
    old_base["lea"].status = ChildStatus.ACTIVE
    old_base["lea"].save()
    assert "Léa Dupont" not in names(account("Léa Dupont", last_name="Dupont"))


def test_scores_are_bounded_and_ranked(old_base):
    suggestions = suggest_children(account("Léa Dupont, Hugo Dupont", last_name="Dupont"))
    scores = [suggestion.score for suggestion in suggestions]
    assert scores == sorted(scores, reverse=True)
    assert all(THRESHOLD <= score <= 100 for score in scores)


def test_message_terms():
    terms = message_terms("Mes enfants : Léa-Rose et Hugo DUPONT")
    assert terms[:4] == ["lea", "rose", "hugo", "dupont"]  # words, then runs of words
    assert {"lea rose", "hugo dupont", "rose et hugo"} <= set(terms)
    assert "mes enfants" not in terms and "et" not in terms
    assert "de la fontaine" in message_terms("Côme de la Fontaine")


def test_suggest_children_command_prints_json(old_base):
    UserFactory(
        email="parent@exemple.fr", club_message="Léa et Hugo Dupont", last_name="Dupont", phone="", postal_code=""
    )
    output = io.StringIO()
    call_command("suggest_children", "parent@exemple.fr", stdout=output)
    data = json.loads(output.getvalue())
    assert set(data) == {"households", "homonyms"}
    assert set(data["households"][0]) == {"key", "confirmed", "evidence", "parents", "children"}
    rows = [row for household in data["households"] for row in household["children"]]
    assert {row["legacy_id"] for row in rows[:2]} == {"1001", "1002"}
    assert set(rows[0]) == {"legacy_id", "name", "birth_date", "score", "reasons", "household", "named"}
    assert rows[0]["birth_date"] in ("2016-03-12", "2018-07-01")
