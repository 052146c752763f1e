"""Whether a child was a member is not told to whoever types its name (issue 11, « membership leak »).

Any validated parent could type a name and a birth date into the child form and
read « déjà membre du PO (ancienne base) ». The form now answers the same whether
or not the old base knows the child; the secretariat sees the possible duplicate
on the account's page, and attaching the old base's record merges it into the
child the parent created.
"""

import re
from html import unescape

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.models import ModelLogEntry

from memberspace.families.models import Child, ChildStatus, Guardianship
from memberspace.families.services import children as children_service
from memberspace.legacy.models import AttachmentRequest, LegacyContact
from tests import dates
from tests.admin_urls import admin_url
from tests.auth import login_staff
from tests.factories import ParentFactory

pytestmark = pytest.mark.django_db


def child_data(first_name, last_name):
    return {
        "relationship": "mere",
        "first_name": first_name,
        "last_name": last_name,
        "birth_date": dates.eight_years_old().isoformat(),
        "sex": "F",
        "school_level": "CE2",
        "health_notes": "",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "may_leave_alone": "False",
    }


def page(client, url):
    return unescape(BeautifulSoup(client.get(url).content, "html.parser").get_text(" ", strip=True))


@pytest.fixture
def old_base(home):
    lea = Child.objects.create(
        first_name="Léa",
        last_name="Martin",
        birth_date=dates.eight_years_old(),
        status=ChildStatus.MIGRATED,
        legacy_id="77",
        legacy_activities="Judo 2024",
    )
    LegacyContact.objects.create(child=lea, first_name="Sophie", last_name="Martin", email="s.martin@exemple.fr")
    return lea


def add_child(client, user, first_name, last_name):
    client.force_login(user)
    response = client.post(reverse("memberspace:child_add"), child_data(first_name, last_name))
    assert response.status_code == 302
    detail = page(client, response["Location"])
    dashboard = page(client, reverse("memberspace:dashboard"))
    return response, detail, dashboard


def test_the_child_form_answers_the_same_whether_the_old_base_knows_the_child(client, old_base):
    """A stranger probing « Léa Martin » learns nothing more than by typing an unknown name."""
    prober, control = ParentFactory(first_name="Eve"), ParentFactory(first_name="Eve")
    known = add_child(client, prober, "Léa", "Martin")
    unknown = add_child(client, control, "Zélie", "Martinez")

    def neutral(text, user):
        text = text.replace("Léa", "X").replace("Zélie", "X").replace("Martinez", "Y").replace("Martin", "Y")
        return re.sub(r"\d+", "N", text.replace(user.email, "E").replace(user.last_name, "L"))

    assert known[0]["Location"].rsplit("/", 2)[0] == unknown[0]["Location"].rsplit("/", 2)[0]
    assert neutral(known[1], prober) == neutral(unknown[1], control)
    assert neutral(known[2], prober) == neutral(unknown[2], control)
    for text in known[1:]:
        assert "ancienne base" not in text and "déjà membre" not in text
    # The old base's record is untouched, and the prober is not its guardian.
    old_base.refresh_from_db()
    assert old_base.status == ChildStatus.MIGRATED and not old_base.guardians.exists()


def test_the_secretariat_sees_the_possible_duplicate(client, secretary, old_base):
    mother = ParentFactory(first_name="Sophie", last_name="Martin", email="s.martin@exemple.fr")
    children_service.create_child(
        mother,
        data={"first_name": "Lea", "last_name": "MARTIN", "birth_date": dates.eight_years_old(), "sex": "F"},
        relationship="mere",
    )
    created = Child.objects.get(guardianships__parent=mother)
    assert AttachmentRequest.objects.filter(parent=mother).exists()
    login_staff(client, secretary)
    html = client.get(admin_url("accounts.parentaccount", "inspect", mother.pk)).content.decode()
    soup = BeautifulSoup(html, "html.parser")
    section = soup.find("h2", id="doublons").find_next("ul").get_text(" ", strip=True)
    assert "ancienne base n° 77" in section and "fiche créée par le parent" in section
    assert admin_url("families.child", "inspect", created.pk) in html
    assert admin_url("families.child", "inspect", old_base.pk) in html
    suggested_rows = soup.select("#suggestions ~ section.legacy-household tbody tr")  # one table per household
    assert "Léa Martin" in [row.select("td")[0].get_text(strip=True) for row in suggested_rows]


def test_attaching_the_old_base_record_merges_it_into_the_parents_child(client, secretary, old_base):
    mother = ParentFactory(first_name="Sophie", last_name="Martin")
    created = children_service.create_child(
        mother,
        data={
            "first_name": "Léa",
            "last_name": "Martin",
            "birth_date": dates.eight_years_old(),
            "sex": "F",
            "health_notes": "Asthme",
        },
        relationship="mere",
    )
    login_staff(client, secretary)
    response = client.post(
        admin_url("accounts.parentaccount", "attach_child", mother.pk), {"child": old_base.pk, "relationship": "mere"}
    )
    assert response.status_code == 302
    assert not Child.objects.filter(pk=old_base.pk).exists()
    created.refresh_from_db()
    assert (created.legacy_id, created.legacy_activities, created.health_notes) == ("77", "Judo 2024", "Asthme")
    assert created.status == ChildStatus.ACTIVE
    assert list(Guardianship.objects.filter(child=created).values_list("parent", flat=True)) == [mother.pk]
    assert LegacyContact.objects.get().child == created
    assert not AttachmentRequest.objects.exists()
    assert ModelLogEntry.objects.filter(action="po.child.merge_legacy", object_id=str(created.pk)).exists()


def test_the_parents_own_duplicate_is_still_pointed_out(client, old_base):
    mother = ParentFactory()
    add_child(client, mother, "Léa", "Martin")
    response = client.post(reverse("memberspace:child_add"), child_data("LEA", "martin"))
    assert response.status_code == 200
    assert "est déjà sur votre compte" in unescape(response.content.decode())
    assert Child.objects.filter(guardianships__parent=mother).count() == 1
