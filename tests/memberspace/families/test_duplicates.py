"""The same child created by two parents (issue 13, item 5): caught without telling, merged by the secretariat.

Two co-parents who each create their child make two records. The second is flagged
« doublon possible » for the secretariat, never told to the parent (whether a named
child is known to the club is no parent's to learn); the secretariat merges the two,
keeping every guardianship, enrollment and history entry, and both parents are told.
"""

import datetime
import re
from html import unescape

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from memberspace.enrollments.models import Enrollment
from memberspace.families.models import Child, Guardianship
from memberspace.families.services import children as children_service
from memberspace.families.services.children import ChildError
from memberspace.notifications.models import Notification
from tests import dates
from tests.admin_urls import admin_url
from tests.auth import login_staff
from tests.factories import (
    ActivityPageFactory,
    ChildFactory,
    EnrollmentFactory,
    InvitationFactory,
    LegacyContactFactory,
    ParentFactory,
)

pytestmark = pytest.mark.django_db

NEUTRAL = "Le club vérifie chaque nouvelle adhésion et vous contactera si besoin."


def child_data(first_name, relationship="mere"):
    return {
        "relationship": relationship,
        "first_name": first_name,
        "last_name": "Martin",
        "birth_date": dates.eight_years_old().isoformat(),
        "sex": "F",
        "school_level": "CE2",
        "health_notes": "",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "may_leave_alone": "False",
    }


def create(parent, first_name="Élodie", relationship="mere"):
    data = {"first_name": first_name, "last_name": "Martin", "birth_date": dates.eight_years_old(), "sex": "F"}
    return children_service.create_child(parent, data=data, relationship=relationship)


def page_text(response):
    return unescape(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


@pytest.fixture
def co_parents(home):
    """A mother and a father who already share Noah (each created nothing yet)."""
    mother = ParentFactory(first_name="Claire", last_name="Martin", email="claire@exemple.fr")
    father = ParentFactory(first_name="Paul", last_name="Martin", email="paul@exemple.fr")
    noah = ChildFactory(first_name="Noah", last_name="Martin", guardians=[mother, (father, "pere")])
    return mother, father, noah


# Caught, without telling the parent


def test_a_record_committed_while_the_check_ran_still_flags_the_child(
    co_parents, monkeypatch, django_capture_on_commit_callbacks
):
    """Two parents creating the same child at the same instant: on PostgreSQL neither request sees
    the other's uncommitted record when it checks; the one committed last looks again and is flagged."""
    mother, father, _noah = co_parents
    first = create(mother)
    looks = []

    def before_the_other_commits(*args, **kwargs):
        looks.append(args)
        if len(looks) == 1:  # the check inside the transaction, as it reads while the other is not committed
            return children_service.Matches(None, None, None)
        return real_find_duplicate(*args, **kwargs)

    real_find_duplicate = children_service.find_duplicate
    monkeypatch.setattr(children_service, "find_duplicate", before_the_other_commits)
    with django_capture_on_commit_callbacks(execute=True):
        second = create(father, first_name="ELODIE", relationship="pere")
    second.refresh_from_db()
    assert len(looks) == 2 and second.duplicate_of == first


def test_two_co_parents_create_the_same_child_the_second_is_flagged_and_both_read_the_same_neutral_answer(
    client, co_parents
):
    mother, father, _noah = co_parents

    def add(user, first_name, relationship):
        client.force_login(user)
        response = client.post(reverse("memberspace:child_add"), child_data(first_name, relationship))
        assert response.status_code == 302
        return response, page_text(client.get(response["Location"]))

    first = add(mother, "Élodie", "mere")  # nothing like it in the club
    second = add(father, "ELODIE", "pere")  # the same child, in capitals, without the accent
    elodie, copy = Child.objects.filter(last_name="Martin", birth_date=dates.eight_years_old()).order_by("pk")
    assert (elodie.first_name, copy.first_name) == ("Élodie", "ELODIE")
    assert copy.duplicate_of == elodie and elodie.duplicate_of is None
    assert list(copy.guardians.all()) == [father] and list(elodie.guardians.all()) == [mother]
    assert NEUTRAL in first[1] and NEUTRAL in second[1]

    def neutral(text, user, child, relationship):
        text = text.replace(child.first_name, "X").replace(user.first_name, "P").replace(user.email, "E")
        text = text.replace(relationship, "R")
        return re.sub(r"\d+", "N", text)

    # The answers are the same apart from the child's own data (and whose account it is).
    assert re.sub(r"\d+", "N", first[0]["Location"]) == re.sub(r"\d+", "N", second[0]["Location"])
    assert neutral(first[1], mother, elodie, "mère") == neutral(second[1], father, copy, "père")
    for text in (first[1], second[1]):
        assert "doublon" not in text.lower()


def test_a_child_renamed_into_another_familys_child_is_flagged_too(co_parents):
    mother, father, _noah = co_parents
    elodie = create(mother)
    other = create(father, first_name="Zoé")
    children_service.update_child(other, by=father, data={"first_name": "elodie"})
    other.refresh_from_db()
    assert other.duplicate_of == elodie


def test_the_parents_own_copy_is_still_pointed_out(co_parents):
    mother, _father, _noah = co_parents
    create(mother)
    Child.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))  # not a double click
    with pytest.raises(children_service.DuplicateChildError, match="est déjà sur votre compte"):
        create(mother, first_name="ELODIE")


def test_the_duplicate_check_is_one_query(co_parents, django_assert_num_queries):
    mother, father, _noah = co_parents
    create(mother)
    with django_assert_num_queries(1):
        matches = children_service.find_duplicate(father, "élodie", "MARTIN", dates.eight_years_old())
    assert matches.own is None and matches.other is not None


# The secretariat sees it


def test_the_childrens_listing_shows_and_filters_possible_duplicates_with_a_link_to_the_other(
    client, secretary, co_parents
):
    mother, father, _noah = co_parents
    elodie, copy = create(mother), create(father, first_name="ELODIE", relationship="pere")
    login_staff(client, secretary)
    response = client.get(admin_url("families.child") + "?doublon=oui")
    rows = BeautifulSoup(response.content, "html.parser").select("table.listing tbody tr")
    assert len(rows) == 1 and "ELODIE Martin" in rows[0].get_text(" ", strip=True)
    assert "doublon possible" in rows[0].get_text(" ", strip=True).lower()
    assert rows[0].find("a", href=admin_url("families.child", "inspect", elodie.pk)) is not None
    everyone = BeautifulSoup(client.get(admin_url("families.child")).content, "html.parser")
    assert len(everyone.select("table.listing tbody tr")) == 3
    inspect = page_text(client.get(admin_url("families.child", "inspect", copy.pk)))
    assert "Doublon possible" in inspect and "Fusionner" in inspect


def test_the_childrens_listing_reads_the_same_number_of_queries_for_more_duplicates(client, secretary, co_parents):
    mother, father, _noah = co_parents
    create(mother), create(father, first_name="ELODIE", relationship="pere")
    login_staff(client, secretary)
    client.get(admin_url("families.child"))  # caches warmed (site, settings)
    with CaptureQueriesContext(connection) as few:
        client.get(admin_url("families.child"))
    for first_name in ("Anna", "Inès", "Jade"):
        create(mother, first_name=first_name), create(father, first_name=first_name.upper(), relationship="pere")
    with CaptureQueriesContext(connection) as more:
        response = client.get(admin_url("families.child"))
    assert response.content.decode().count("Doublon possible de") == 4
    assert len(more.captured_queries) == len(few.captured_queries)


# The merge


@pytest.fixture
def duplicated(co_parents, activity_index):
    """Élodie created by her mother and by her father, each with an enrollment and a history."""
    mother, father, noah = co_parents
    elodie = create(mother)
    copy = create(father, first_name="ELODIE", relationship="pere")
    judo, theatre = ActivityPageFactory(parent=activity_index), ActivityPageFactory(parent=activity_index)
    first = EnrollmentFactory(child=elodie, offer=judo)
    second = EnrollmentFactory(child=copy, offer=theatre, validated=True)
    invitation = InvitationFactory(inviter=father, children=[copy, noah])
    return {"mother": mother, "father": father, "elodie": elodie, "copy": copy, "enrollments": [first, second]} | {
        "invitation": invitation
    }


def test_the_secretariat_merges_the_copy_keeping_guardians_enrollments_history_and_tells_both_parents(
    client, secretary, duplicated, django_capture_on_commit_callbacks
):
    elodie, copy = duplicated["elodie"], duplicated["copy"]
    copy_history = list(ModelLogEntry.objects.filter(object_id=str(copy.pk)).values_list("pk", flat=True))
    assert copy_history  # its creation
    login_staff(client, secretary)
    merge_url = admin_url("families.child", "merge", copy.pk)
    question = page_text(client.get(merge_url))
    assert "Élodie Martin" in question and "ELODIE Martin" in question
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(merge_url, {"into": elodie.pk, "compared": elodie.pk})  # the comparison seen
    assert response["Location"] == admin_url("families.child", "inspect", elodie.pk)
    assert not Child.objects.filter(pk=copy.pk).exists()
    elodie.refresh_from_db()
    assert set(elodie.guardians.all()) == {duplicated["mother"], duplicated["father"]}
    assert dict(elodie.guardianships.values_list("parent__email", "relationship")) == {
        "claire@exemple.fr": "mere",
        "paul@exemple.fr": "pere",
    }
    assert set(Enrollment.objects.filter(child=elodie)) == set(duplicated["enrollments"])
    assert set(duplicated["invitation"].children.all()) == {elodie, Child.objects.get(first_name="Noah")}
    assert elodie.duplicate_of is None
    # The copy's history is the kept child's now, with the merge itself.
    moved = ModelLogEntry.objects.filter(pk__in=copy_history)
    assert {entry.object_id for entry in moved} == {str(elodie.pk)}
    merge = ModelLogEntry.objects.get(action="po.child.merge")
    assert merge.object_id == str(elodie.pk) and merge.user == secretary
    history = client.get(admin_url("families.child", "history", elodie.pk)).content.decode()
    assert "Fiches en double fusionnées" in history
    # Both parents are told.
    told = Notification.objects.filter(kind="children_merged")
    assert set(told.values_list("user__email", flat=True)) == {"claire@exemple.fr", "paul@exemple.fr"}
    assert all("Élodie Martin" in row.body_text for row in told)
    # Each finds the one child on their page.
    client.force_login(duplicated["father"])
    assert client.get(reverse("memberspace:child_detail", args=[elodie.pk])).status_code == 200
    assert client.get(reverse("memberspace:child_detail", args=[copy.pk])).status_code == 404


def test_a_parent_guardian_of_both_records_keeps_one_guardianship(duplicated, secretary):
    elodie, copy = duplicated["elodie"], duplicated["copy"]
    Guardianship.objects.create(child=copy, parent=duplicated["mother"], relationship="mere")
    children_service.merge_children(elodie, copy, by=secretary)
    assert Guardianship.objects.filter(child=elodie, parent=duplicated["mother"]).count() == 1
    assert elodie.guardians.count() == 2


def test_two_requests_for_the_same_offer_stop_the_merge_with_a_french_message(duplicated, secretary):
    elodie, copy = duplicated["elodie"], duplicated["copy"]
    EnrollmentFactory(child=copy, offer=duplicated["enrollments"][0].offer)
    with pytest.raises(ChildError, match="même activité ou le même séjour"):
        children_service.merge_children(elodie, copy, by=secretary)
    assert Child.objects.filter(pk=copy.pk).exists()
    assert Enrollment.objects.filter(child=copy).count() == 2
    assert list(copy.guardians.all()) == [duplicated["father"]]


def test_a_child_is_not_merged_into_itself(client, secretary, duplicated):
    elodie = duplicated["elodie"]
    with pytest.raises(ChildError, match="elle-même"):
        children_service.merge_children(elodie, elodie, by=secretary)
    login_staff(client, secretary)
    response = client.post(
        admin_url("families.child", "merge", elodie.pk), {"into": elodie.pk, "compared": elodie.pk}, follow=True
    )
    assert "elle-même" in page_text(response)
    assert Child.objects.filter(pk=elodie.pk).exists() and elodie.guardians.count() == 1


def test_only_the_secretariat_merges(client, editor, duplicated):
    elodie, copy = duplicated["elodie"], duplicated["copy"]
    with pytest.raises(ChildError, match="secrétariat"):
        children_service.merge_children(elodie, copy, by=editor)
    with pytest.raises(ChildError, match="secrétariat"):
        children_service.merge_children(elodie, copy, by=duplicated["mother"])
    login_staff(client, editor)
    merge_url = admin_url("families.child", "merge", copy.pk)
    assert client.get(merge_url).status_code == 403
    assert client.post(merge_url, {"into": elodie.pk, "compared": elodie.pk}).status_code == 403
    client.force_login(duplicated["mother"])
    assert client.post(merge_url, {"into": elodie.pk, "compared": elodie.pk}).status_code in (302, 403)
    assert Child.objects.filter(pk=copy.pk).exists() and not ModelLogEntry.objects.filter(action="po.child.merge")


# Co-parents of one child do not see the other's other children


def test_a_co_guardian_does_not_see_a_child_the_other_guardian_created(client, co_parents):
    """Each child's guardianship is explicit (README, « Children and families »): the other parent invites."""
    mother, father, noah = co_parents
    yanis = create(father, first_name="Yanis")
    client.force_login(mother)
    dashboard = page_text(client.get(reverse("memberspace:dashboard")))
    assert "Noah Martin" in dashboard and "Yanis" not in dashboard
    assert client.get(reverse("memberspace:child_detail", args=[yanis.pk])).status_code == 404
    assert client.get(reverse("memberspace:child_edit", args=[yanis.pk])).status_code == 404


def test_merging_the_old_bases_record_moves_its_number_contacts_and_past_activities(co_parents, secretary):
    """The generic walk covers the apps above (here legacy's contacts) without families importing them."""
    mother, _father, _noah = co_parents
    old = ChildFactory(
        migrated=True, first_name="Élodie", last_name="Martin", birth_date=dates.eight_years_old(), legacy_id="77"
    )
    contact = LegacyContactFactory(child=old)
    elodie = create(mother)
    assert elodie.duplicate_of == old
    children_service.merge_children(elodie, old, by=secretary)
    elodie.refresh_from_db()
    contact.refresh_from_db()
    assert (elodie.legacy_id, elodie.legacy_activities, elodie.duplicate_of) == ("77", "Judo 2024", None)
    assert contact.child == elodie and list(elodie.guardians.all()) == [mother]


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", "Indiquez le n° de la fiche à garder."), ("douze", "en chiffres"), ("9" * 30, "Aucune fiche")],
)
def test_a_bad_number_in_the_merge_form_gets_a_french_message(client, secretary, duplicated, typed, message):
    copy = duplicated["copy"]
    login_staff(client, secretary)
    response = client.post(admin_url("families.child", "merge", copy.pk), {"into": typed})
    assert response.status_code == 200 and message in page_text(response)
    assert Child.objects.filter(pk=copy.pk).exists()


# Review of the merge: only two records of one child, each compared before it is merged


def test_two_records_with_neither_the_same_names_nor_the_same_birth_date_are_not_merged(duplicated, secretary):
    """Two unrelated children of two families merged would show each family the other's child."""
    copy = duplicated["copy"]
    stranger = ChildFactory(
        first_name="Yanis",
        last_name="Benali",
        birth_date=dates.eight_years_old() - datetime.timedelta(days=400),
        guardians=[ParentFactory()],
    )
    with pytest.raises(ChildError, match="ce ne sont pas deux fiches du même enfant"):
        children_service.merge_children(stranger, copy, by=secretary)
    assert Child.objects.filter(pk=copy.pk).exists()
    assert list(copy.guardians.all()) == [duplicated["father"]]
    assert list(stranger.guardianships.values_list("child", flat=True)) == [stranger.pk]


@pytest.mark.parametrize("typo", ["first_name", "birth_date"], ids=["same-birth-date", "same-names"])
def test_two_records_of_one_child_with_a_typo_in_one_detail_are_merged(duplicated, secretary, typo):
    elodie, copy = duplicated["elodie"], duplicated["copy"]
    typed = {"first_name": "Elodye", "birth_date": copy.birth_date - datetime.timedelta(days=1)}[typo]
    Child.objects.filter(pk=copy.pk).update(**{typo: typed})
    copy.refresh_from_db()
    if "first_name" in typo:
        copy.save(update_fields=["first_name"])  # its name keys follow
    children_service.merge_children(elodie, copy, by=secretary)
    assert not Child.objects.filter(pk=copy.pk).exists()


def test_a_number_typed_in_the_merge_form_is_compared_before_anything_is_merged(client, secretary, duplicated):
    """The comparison shown is that of the record merged into: a typed number is shown first, merged on confirming."""
    copy, elodie = duplicated["copy"], duplicated["elodie"]
    third = ChildFactory(
        first_name="Élodie",
        last_name="Martin",
        birth_date=dates.eight_years_old(),
        guardians=[ParentFactory(first_name="Inès")],
    )
    login_staff(client, secretary)
    merge_url = admin_url("families.child", "merge", copy.pk)
    shown = BeautifulSoup(client.get(merge_url).content, "html.parser")
    assert shown.find("input", {"name": "compared"})["value"] == str(elodie.pk)
    response = client.post(merge_url, {"into": third.pk, "compared": elodie.pk})  # another number typed
    assert response.status_code == 200
    page = page_text(response)
    assert "Vérifiez les deux fiches avant de confirmer la fusion." in page
    assert third.guardians.get().get_full_name() in page  # the typed record's comparison
    assert BeautifulSoup(response.content, "html.parser").find("input", {"name": "compared"})["value"] == str(third.pk)
    assert Child.objects.filter(pk=copy.pk).exists() and not ModelLogEntry.objects.filter(action="po.child.merge")
    assert client.post(merge_url, {"into": third.pk}).status_code == 200  # nothing compared: shown too
    assert Child.objects.filter(pk=copy.pk).exists()
    response = client.post(merge_url, {"into": third.pk, "compared": third.pk})  # confirmed after seeing it
    assert response["Location"] == admin_url("families.child", "inspect", third.pk)
    assert not Child.objects.filter(pk=copy.pk).exists()
    assert duplicated["father"] in third.guardians.all()


def test_an_archived_record_merged_gives_none_of_its_details(duplicated, secretary, activity_index):
    """An archived record may hold erased or stale data: its rows move, its details do not."""
    elodie = duplicated["elodie"]
    old = ChildFactory(
        archived=True,
        first_name="Élodie",
        last_name="Martin",
        birth_date=dates.eight_years_old(),
        school_level="CP",
        health_notes="Asthme",
        emergency_contact_name="Mamie Martin",
        emergency_contact_phone="+33142685300",
    )
    enrollment = EnrollmentFactory(child=old, offer=ActivityPageFactory(parent=activity_index))
    children_service.merge_children(elodie, old, by=secretary)
    elodie.refresh_from_db()
    assert (elodie.school_level, elodie.health_notes, elodie.emergency_contact_name) == ("", "", "")
    assert elodie.emergency_contact_phone == ""
    enrollment.refresh_from_db()
    assert enrollment.child == elodie and elodie.status == "active"
