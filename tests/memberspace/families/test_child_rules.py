"""The rules of a child's details, held by the families' services: the same on creation and on edit.

No copy of a child already on the parent's account; a birth date within the ages the
club serves (one source: ``pages.models.club_ages``); the same new child sent twice is
that child, not a copy.
"""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from memberspace.families.forms import ChildForm, NewChildForm
from memberspace.families.models import Child, Guardianship
from memberspace.families.services import children as children_service
from memberspace.families.services.children import ChildError, DuplicateChildError
from memberspace.notifications.models import Notification
from pages.models import club_ages, offer_age_validators
from tests import dates
from tests.factories import ParentFactory as parent
from tests.memberspace.families.test_children import child_data, make_child, text

pytestmark = pytest.mark.django_db

FORM_DATA = {
    "first_name": "Léa",
    "last_name": "Martin",
    "birth_date": dates.eight_years_old(),
    "sex": "F",
    "school_level": "CE2",
    "health_notes": "Allergie aux arachides",
    "emergency_contact_name": "Mamie Martin",
    "emergency_contact_phone": "+33142685300",
    "image_rights_consent": True,
    "may_leave_alone": False,
}


def years_ago(years):
    return dates.years_before(dates.today(), years) - datetime.timedelta(days=10)


# No copy of one of the parent's children, on edit as on creation


def test_update_child_refuses_to_make_a_child_a_copy_of_another_of_the_parents_own():
    mother = parent()
    lea = make_child(mother)
    noah = make_child(
        mother, first_name="Noah", sex="M", birth_date=dates.eight_years_old() - datetime.timedelta(days=400)
    )
    with pytest.raises(DuplicateChildError, match="est déjà sur votre compte") as refused:
        children_service.update_child(
            noah, by=mother, data={"first_name": "LÉA", "birth_date": dates.eight_years_old()}
        )
    assert refused.value.existing == lea
    noah.refresh_from_db()
    assert (noah.first_name, noah.birth_date) == ("Noah", dates.eight_years_old() - datetime.timedelta(days=400))


def test_update_child_may_take_the_names_of_another_familys_child():
    mother = parent()
    make_child(parent())  # another family's Léa Martin
    noah = make_child(mother, first_name="Noah", sex="M")
    children_service.update_child(noah, by=mother, data={"first_name": "Léa", "sex": "F"})
    assert Child.objects.get(pk=noah.pk).first_name == "Léa"


def test_a_copy_already_there_does_not_block_editing_the_rest_of_a_childs_details():
    """Two records of one child (the secretariat attached both): the parent still edits them."""
    mother = parent()
    records = [
        Child.objects.create(first_name="Léa", last_name="Martin", birth_date=dates.eight_years_old())
        for _copy in range(2)
    ]
    for record in records:
        Guardianship.objects.create(child=record, parent=mother, relationship="mere")
    children_service.update_child(records[0], by=mother, data={"first_name": "Léa", "health_notes": "Asthme"})
    assert Child.objects.get(pk=records[0].pk).health_notes == "Asthme"


def test_editing_a_child_into_a_copy_is_refused_in_french_and_keeps_what_was_typed(client, home):
    mother = parent()
    lea = make_child(mother)
    noah = make_child(mother, first_name="Noah", sex="M")
    client.force_login(mother)
    posted = child_data(first_name="Léa", health_notes="Asthme, Ventoline")
    response = client.post(reverse("memberspace:child_edit", args=[noah.pk]), posted)
    assert response.status_code == 200
    page = text(response)
    assert f"Léa Martin, né(e) le {dates.eight_years_old():%d/%m/%Y}, est déjà sur votre compte." in page
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("a", href=reverse("memberspace:child_detail", args=[lea.pk])) is not None
    assert soup.find("input", {"name": "first_name"})["value"] == "Léa"
    assert soup.find("textarea", {"name": "health_notes"}).get_text().strip() == "Asthme, Ventoline"
    assert Child.objects.get(pk=noah.pk).first_name == "Noah"


def test_a_renamed_child_is_confirmed_under_its_new_name(client, home):
    mother = parent()
    noah = make_child(mother, first_name="Noah", sex="M")
    client.force_login(mother)
    response = client.post(reverse("memberspace:child_edit", args=[noah.pk]), child_data(first_name="Noé"), follow=True)
    assert "La fiche de Noé est enregistrée." in text(response)


# The club's age limits: one source, checked on creation and on edit


def test_the_age_limits_have_one_source_read_by_the_children_and_the_offers(settings):
    settings.PO_MIN_AGE, settings.PO_MAX_AGE = 6, 10
    assert club_ages() == (6, 10)
    assert [validator.limit_value for validator in offer_age_validators()] == [6, 10]
    with pytest.raises(ChildError, match="de 6 à 10 ans ; cette date donne 12 ans"):
        children_service.check_birth_date(years_ago(12))
    children_service.check_birth_date(years_ago(8))
    form = NewChildForm(data=child_data(birth_date=years_ago(12).isoformat()))
    assert "Le PO accueille les enfants de 6 à 10 ans" in form.errors["birth_date"][0]


def test_create_child_and_update_child_both_apply_the_age_limits():
    mother = parent()
    with pytest.raises(ChildError, match="Le PO accueille les enfants de 3 à 17 ans"):
        make_child(mother, birth_date=years_ago(30))
    with pytest.raises(ChildError, match="ne peut pas être dans le futur"):
        make_child(mother, birth_date=dates.today() + datetime.timedelta(days=1))
    lea = make_child(mother)
    with pytest.raises(ChildError, match="cette date donne 1 ans"):
        children_service.update_child(lea, by=mother, data={"birth_date": years_ago(1)})
    assert Child.objects.get(pk=lea.pk).birth_date == dates.eight_years_old()


def test_a_birth_date_left_unchanged_is_not_checked_again():
    """A member who has grown past the club's oldest age can still have their details edited."""
    mother = parent()
    grown = Child.objects.create(first_name="Tom", last_name="Martin", birth_date=years_ago(18), sex="M")
    Guardianship.objects.create(child=grown, parent=mother, relationship="mere")
    kept = child_data(first_name="Tom", sex="M", birth_date=grown.birth_date.isoformat())
    form = ChildForm(data=kept, instance=grown)
    assert form.is_valid(), form.errors
    children_service.update_child(grown, by=mother, data=form.cleaned_data)
    assert Child.objects.get(pk=grown.pk).health_notes == "Allergie aux arachides"
    changed = ChildForm(data={**kept, "birth_date": years_ago(19).isoformat()}, instance=Child.objects.get(pk=grown.pk))
    assert not changed.is_valid()
    assert "Le PO accueille les enfants de 3 à 17 ans" in changed.errors["birth_date"][0]


# The same new child sent twice (a double click, a reload) is that child


def test_create_child_recognises_the_same_form_sent_twice_and_creates_nothing_more():
    mother, father = parent(), parent()
    first = make_child(mother, first_name="Hugo", sex="M")
    Guardianship.objects.create(child=first, parent=father, relationship="pere")
    sent = children_service.create_child(mother, data=FORM_DATA, relationship="mere")
    again = children_service.create_child(mother, data=dict(FORM_DATA), relationship="mere")
    assert again == sent
    assert Guardianship.objects.filter(parent=mother).count() == 2
    assert ModelLogEntry.objects.filter(action="po.child.create", object_id=str(sent.pk)).count() == 1
    assert Guardianship.objects.filter(parent=father).count() == 1  # the father is no guardian of the new one
    assert not Notification.objects.filter(user=father).exists()  # nor told of it


@pytest.mark.parametrize(
    ("change", "relationship"),
    [({"health_notes": "Rien"}, "mere"), ({}, "tuteur")],
)
def test_the_same_child_with_any_detail_changed_is_a_copy_not_a_resubmission(change, relationship):
    mother = parent()
    children_service.create_child(mother, data=FORM_DATA, relationship="mere")
    with pytest.raises(DuplicateChildError):
        children_service.create_child(mother, data={**FORM_DATA, **change}, relationship=relationship)


def test_the_same_child_typed_again_later_is_a_copy_not_a_resubmission():
    mother = parent()
    child = children_service.create_child(mother, data=FORM_DATA, relationship="mere")
    later = timezone.now() + children_service.RESENT_WITHIN + datetime.timedelta(seconds=1)
    assert children_service.is_resubmission(child, mother, data=FORM_DATA, relationship="mere")
    assert not children_service.is_resubmission(child, mother, data=FORM_DATA, relationship="mere", now=later)
    Child.objects.filter(pk=child.pk).update(created_at=timezone.now() - children_service.RESENT_WITHIN * 2)
    with pytest.raises(DuplicateChildError):
        children_service.create_child(mother, data=FORM_DATA, relationship="mere")


def test_the_child_form_sent_twice_leads_both_times_to_the_child(client, home):
    client.force_login(parent())
    first = client.post(reverse("memberspace:child_add"), child_data())
    second = client.post(reverse("memberspace:child_add"), child_data())
    child = Child.objects.get()
    assert first["Location"] == second["Location"] == reverse("memberspace:child_detail", args=[child.pk])
