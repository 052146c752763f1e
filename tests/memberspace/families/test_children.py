"""Children and families: memberships created by parents, several guardians, co-parent invitations."""

import datetime
import re
from html import unescape

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from memberspace.families.models import Child, ChildStatus, Guardianship, Invitation
from memberspace.families.services import children as children_service
from memberspace.families.services import invitations
from memberspace.families.services.invitations import InvitationError
from memberspace.legacy.models import AttachmentRequest
from memberspace.notifications.models import Notification
from pages.formatting import date_and_time
from tests import dates
from tests.factories import ChildFactory, InvitationFactory, ParentFactory

pytestmark = pytest.mark.django_db


def child_data(**overrides):
    return {
        "relationship": "mere",
        "first_name": "Léa",
        "last_name": "Martin",
        "birth_date": dates.eight_years_old().isoformat(),
        "sex": "F",
        "school_level": "CE2",
        "health_notes": "Allergie aux arachides",
        "emergency_contact_name": "Mamie Martin",
        "emergency_contact_phone": "01 42 68 53 00",
        "image_rights_consent": "on",
        "may_leave_alone": "False",
        **overrides,
    }


def make_child(guardian, **fields):
    data = {"first_name": "Léa", "last_name": "Martin", "birth_date": dates.eight_years_old(), "sex": "F", **fields}
    return children_service.create_child(guardian, data=data, relationship="mere")


def text(response):
    return unescape(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


# A parent creates a membership


def test_a_validated_parent_creates_a_child_and_finds_it_on_the_dashboard(client, home):
    mother = ParentFactory()
    client.force_login(mother)
    response = client.post(reverse("memberspace:child_add"), child_data())
    child = Child.objects.get()
    assert response["Location"] == reverse("memberspace:child_detail", args=[child.pk])
    assert child.status == ChildStatus.ACTIVE and child.created_by == mother
    assert child.emergency_contact_phone == "+33142685300"
    assert (child.image_rights_consent, child.may_leave_alone) == (True, False)
    assert Guardianship.objects.get(child=child).parent == mother
    dashboard = text(client.get(reverse("memberspace:dashboard")))
    assert "Léa Martin" in dashboard and "8 ans" in dashboard
    assert "Allergie aux arachides" in text(client.get(response["Location"]))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"birth_date": (dates.today() + datetime.timedelta(days=3)).isoformat()},
            "birth_date",
            "ne peut pas être dans le futur",
        ),
        (
            {"birth_date": dates.years_before(dates.today(), 1).isoformat()},
            "birth_date",
            "Le PO accueille les enfants de 3 à 17 ans",
        ),
        ({"birth_date": "1990-01-01"}, "birth_date", "cette date donne"),
        ({"birth_date": "31/02/2018"}, "birth_date", "Indiquez une date de naissance valide"),
        ({"first_name": ""}, "first_name", "Indiquez le prénom de l'enfant."),
        ({"sex": ""}, "sex", "Indiquez le sexe de l'enfant."),
        ({"emergency_contact_phone": "12"}, "emergency_contact_phone", "Ce numéro de téléphone n'est pas valide"),
        ({"may_leave_alone": ""}, "may_leave_alone", "Répondez par oui ou par non."),
    ],
)
def test_bad_child_input_gets_a_french_message_and_keeps_what_was_typed(client, home, overrides, field, message):
    client.force_login(ParentFactory())
    response = client.post(reverse("memberspace:child_add"), child_data(**overrides))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert message in soup.find(id=f"id_{field}_error").get_text()
    assert not Child.objects.exists()
    assert soup.find("textarea", {"name": "health_notes"}).get_text().strip() == "Allergie aux arachides"
    if field != "first_name":
        assert soup.find("input", {"name": "first_name"})["value"] == "Léa"


def test_a_pending_parent_cannot_create_a_child(client, home):
    client.force_login(ParentFactory(pending=True))
    response = client.post(reverse("memberspace:child_add"), child_data())
    assert response["Location"] == reverse("memberspace:dashboard")
    assert not Child.objects.exists()


def test_the_same_child_twice_is_pointed_out(client, home):
    mother = ParentFactory()
    make_child(mother)
    client.force_login(mother)
    response = client.post(reverse("memberspace:child_add"), child_data(first_name="LEA", last_name="martin"))
    assert "est déjà sur votre compte" in text(response)
    assert Child.objects.count() == 1


def test_a_child_the_old_base_knows_is_created_and_flagged_to_the_club_only(client, home):
    """The parent is not told (tests/security/test_membership_leak.py); the secretariat is."""
    Child.objects.create(
        first_name="Léa",
        last_name="Martin",
        birth_date=dates.eight_years_old(),
        status=ChildStatus.MIGRATED,
        legacy_id="77",
    )
    mother = ParentFactory()
    client.force_login(mother)
    response = client.post(reverse("memberspace:child_add"), child_data())
    assert response.status_code == 302
    assert Child.objects.filter(guardianships__parent=mother, status=ChildStatus.ACTIVE).count() == 1
    request = AttachmentRequest.objects.get()
    assert (request.parent, request.first_name, request.birth_date) == (mother, "Léa", dates.eight_years_old())


# Guardians


def test_the_other_guardians_hear_of_health_and_consent_changes(home):
    mother, father = ParentFactory(), ParentFactory()
    child = make_child(mother)
    Guardianship.objects.create(child=child, parent=father, relationship="pere")
    children_service.update_child(child, by=mother, data={"first_name": "Léa-Rose"})
    assert not Notification.objects.filter(kind="child_updated").exists()  # a name: nothing to tell
    children_service.update_child(child, by=mother, data={"health_notes": "Asthme", "may_leave_alone": True})
    row = Notification.objects.get(kind="child_updated")
    assert row.user == father
    assert "informations de santé" in row.body_text and "autorisation de repartir seul(e)" in row.body_text
    assert "Asthme" not in row.body_text  # health data never travels in a notification
    entry = ModelLogEntry.objects.filter(action="po.child.update").order_by("-pk").first()
    assert entry.data == {"fields": ["health_notes", "may_leave_alone"]}
    assert "Asthme" not in str(entry.data)


def test_adding_a_child_tells_no_co_parent_of_a_child_they_are_not_guardian_of(home):
    """Each child's guardians are explicit (README): a co-guardian of Léa learns nothing of Hugo.

    In a blended family the mother's new child is not the father's; she invites him if it is.
    """
    mother, father = ParentFactory(), ParentFactory()
    first = make_child(mother)
    Guardianship.objects.create(child=first, parent=father, relationship="pere")
    hugo = make_child(mother, first_name="Hugo", sex="M")
    assert not [row for row in Notification.objects.filter(user=father) if "Hugo" in row.subject + row.body_text]
    assert list(hugo.guardians.all()) == [mother]


def test_another_family_gets_404_on_every_child_url(client, home):
    child = make_child(ParentFactory())
    client.force_login(ParentFactory())
    for name in ("memberspace:child_detail", "memberspace:child_edit"):
        assert client.get(reverse(name, args=[child.pk])).status_code == 404
    assert client.post(reverse("memberspace:child_edit", args=[child.pk]), child_data()).status_code == 404
    assert client.get(reverse("memberspace:invite") + f"?enfant={child.pk}").status_code == 200
    response = client.post(
        reverse("memberspace:invite"), {"email": "x@exemple.fr", "children": [child.pk], "relationship": "pere"}
    )
    assert "Choisissez parmi les enfants proposés." in text(response)
    assert not Invitation.objects.exists()


# Co-parent invitations


def invite(inviter, child, email):
    return invitations.invite(inviter, email=email, children=[child], relationship="pere")


def test_second_parent_is_invited_accepts_and_manages_the_same_child(client, home, django_capture_on_commit_callbacks):
    from django.core import mail

    mother = ParentFactory()
    child = make_child(mother)
    client.force_login(mother)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("memberspace:invite"), {"email": "Pere@Exemple.fr", "children": [child.pk], "relationship": "pere"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "pere@exemple.fr"
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/lien/" in line).strip()
    father = ParentFactory(email="pere@exemple.fr")
    client.force_login(father)
    path = link.split("testserver", 1)[-1] if "testserver" in link else "/" + link.split("/", 3)[-1]
    assert "vous invite à gérer" in text(client.get(path))
    client.post(path)
    assert set(child.guardians.all()) == {mother, father}
    assert "Léa Martin" in text(client.get(reverse("memberspace:dashboard")))
    assert client.get(reverse("memberspace:child_detail", args=[child.pk])).status_code == 200
    assert Notification.objects.filter(kind="coparent_accepted", user=mother).exists()
    # A third parent never sees it.
    client.force_login(ParentFactory())
    assert client.get(reverse("memberspace:child_detail", args=[child.pk])).status_code == 404
    assert "Léa Martin" not in text(client.get(reverse("memberspace:dashboard")))


def test_an_invitation_is_accepted_from_the_dashboard_too(client, home):
    mother, father = ParentFactory(), ParentFactory(email="pere@exemple.fr")
    child = make_child(mother)
    invitation, _token = invite(mother, child, "pere@exemple.fr")
    client.force_login(father)
    assert "vous invite à gérer" in text(client.get(reverse("memberspace:dashboard")))
    client.post(reverse("memberspace:invitation_accept_pending", args=[invitation.pk]))
    assert father in child.guardians.all()


def test_the_dashboard_shows_the_invitations_received_and_sent_each_in_its_own_list(client, home):
    mother, father = ParentFactory(first_name="Claire", last_name="Martin"), ParentFactory(email="pere@exemple.fr")
    invite(mother, make_child(mother, first_name="Léa"), "pere@exemple.fr")
    noah = make_child(father, first_name="Noah", last_name="Durand")
    invite(father, noah, "mamie@exemple.fr")
    withdrawn, _token = invite(father, noah, "tonton@exemple.fr")
    invitations.withdraw(withdrawn, by=father)
    client.force_login(father)
    page = BeautifulSoup(client.get(reverse("memberspace:dashboard")).content, "html.parser")
    received = page.find(attrs={"aria-labelledby": "invitations-recues"}).get_text(" ", strip=True)
    sent = page.find(attrs={"aria-labelledby": "invitations-envoyees"}).get_text(" ", strip=True)
    assert "Claire Martin vous invite à gérer avec lui ou elle : Léa Martin." in received
    assert "mamie@exemple.fr" not in received
    assert "À mamie@exemple.fr, pour Noah Durand" in sent
    assert "Claire" not in sent and "pere@exemple.fr" not in sent
    assert "tonton@exemple.fr" not in page.get_text()  # withdrawn
    client.force_login(mother)
    page = BeautifulSoup(client.get(reverse("memberspace:dashboard")).content, "html.parser")
    assert page.find(attrs={"aria-labelledby": "invitations-recues"}) is None
    assert "À pere@exemple.fr, pour Léa Martin" in page.get_text(" ", strip=True)


def test_an_expired_invitation_is_refused(home):
    mother, father = ParentFactory(), ParentFactory(email="pere@exemple.fr")
    invitation, _token = invite(mother, make_child(mother), "pere@exemple.fr")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(InvitationError, match="Cette invitation a expiré"):
        invitations.accept(invitation, user=father)


def test_an_invitation_is_single_use(home):
    mother, father = ParentFactory(), ParentFactory(email="pere@exemple.fr")
    invitation, _token = invite(mother, make_child(mother), "pere@exemple.fr")
    invitations.accept(invitation, user=father)
    with pytest.raises(InvitationError, match="déjà été utilisée"):
        invitations.accept(invitation, user=father)


def test_an_invitation_is_bound_to_its_email(client, home):
    mother, stranger = ParentFactory(), ParentFactory(email="autre@exemple.fr")
    child = make_child(mother)
    invitation, token = invite(mother, child, "pere@exemple.fr")
    with pytest.raises(InvitationError, match="envoyée à une autre adresse e-mail"):
        invitations.accept(invitation, user=stranger)
    client.force_login(stranger)
    page = text(client.get(reverse("memberspace:invitation_accept", args=[token])))
    assert "envoyée à une autre adresse e-mail" in page and "Léa" not in page
    client.post(reverse("memberspace:invitation_accept", args=[token]))
    assert stranger not in child.guardians.all()


def test_an_unverified_address_does_not_count(home):
    mother = ParentFactory()
    father = ParentFactory(email="pere@exemple.fr", verified=False)  # address never verified
    invitation, _token = invite(mother, make_child(mother), "pere@exemple.fr")
    with pytest.raises(InvitationError, match="autre adresse e-mail"):
        invitations.accept(invitation, user=father)


def test_an_unvalidated_account_cannot_accept(home):
    mother, father = ParentFactory(), ParentFactory(email="pere@exemple.fr", pending=True)
    invitation, _token = invite(mother, make_child(mother), "pere@exemple.fr")
    with pytest.raises(InvitationError, match="doit d'abord être validé par le club"):
        invitations.accept(invitation, user=father)


def test_a_guardian_withdraws_a_pending_invitation(client, home):
    mother, father = ParentFactory(), ParentFactory(email="pere@exemple.fr")
    invitation, token = invite(mother, make_child(mother), "pere@exemple.fr")
    client.force_login(mother)
    response = client.post(reverse("memberspace:invitation_withdraw", args=[invitation.pk]), follow=True)
    assert "est retirée" in text(response)
    with pytest.raises(InvitationError, match="a été retirée"):
        invitations.accept(invitation, user=father)
    client.force_login(father)
    assert "vous invite" not in text(client.get(reverse("memberspace:dashboard")))
    response = client.post(reverse("memberspace:invitation_withdraw", args=[invitation.pk]))
    assert response.status_code == 404  # not the inviter's: not found


def test_a_broken_invitation_link_says_so(client, home):
    client.force_login(ParentFactory())
    response = client.get(reverse("memberspace:invitation_accept", args=["n-importe-quoi"]))
    assert response.status_code == 404
    assert "Ce lien d'invitation n'est pas valide" in text(response)


def test_inviting_for_someone_elses_child_is_refused(home):
    mother, other = ParentFactory(), ParentFactory()
    with pytest.raises(InvitationError, match="vos propres enfants"):
        invite(other, make_child(mother), "x@exemple.fr")


def test_only_a_hash_of_the_token_is_stored(home):
    mother = ParentFactory()
    invitation, token = invite(mother, make_child(mother), "pere@exemple.fr")
    assert token not in invitation.token_hash
    assert invitations.find_by_token(token) == invitation


def test_an_accepted_invitation_tells_its_recipient_it_was_used_by_whom_and_when(client, home):
    """Opened again, the link says it was used, by whom and when; no « Accepter » button (issue 13, item 8)."""
    mother = ParentFactory(first_name="Claire", last_name="Martin")
    father = ParentFactory(email="pere@exemple.fr", first_name="Paul", last_name="Durand")
    invitation, token = invite(mother, make_child(mother), "pere@exemple.fr")
    invitations.accept(invitation, user=father)
    invitation.refresh_from_db()
    client.force_login(father)
    response = client.get(reverse("memberspace:invitation_accept", args=[token]))
    page = text(response)
    assert "Cette invitation a déjà été utilisée" in page
    assert f"le {date_and_time(invitation.accepted_at)} par Paul Durand (vous)" in page
    assert "Accepter l'invitation" not in page
    forms = BeautifulSoup(response.content, "html.parser").find_all("form", {"method": "post"})
    assert not [form for form in forms if not form.get("action")]  # no accept form (the menu's logout stays)


def test_another_parent_opening_an_accepted_invitation_learns_nothing_of_who_accepted(client, home):
    mother = ParentFactory(first_name="Claire", last_name="Martin")
    father = ParentFactory(email="pere@exemple.fr", first_name="Paul", last_name="Durand")
    invitation, token = invite(mother, make_child(mother), "pere@exemple.fr")
    client.force_login(ParentFactory(email="curieux@exemple.fr"))
    before = text(client.get(reverse("memberspace:invitation_accept", args=[token])))
    invitations.accept(invitation, user=father)
    after = text(client.get(reverse("memberspace:invitation_accept", args=[token])))
    assert after == before  # the same answer as before it was used
    assert "Paul" not in after and "Durand" not in after and "utilisée" not in after
    assert "envoyée à une autre adresse e-mail" in after


@pytest.mark.parametrize(("state", "message"), [("withdrawn", "a été retirée"), ("expired", "a expiré")])
def test_a_withdrawn_or_expired_invitation_tells_its_recipient_so_with_no_accept_button(client, home, state, message):
    token = "jeton-de-test"
    InvitationFactory(email="pere@exemple.fr", token=token, children=[ChildFactory()], **{state: True})
    client.force_login(ParentFactory(email="pere@exemple.fr"))
    page = text(client.get(reverse("memberspace:invitation_accept", args=[token])))
    assert message in page and "Accepter l'invitation" not in page


# Review of the invitations: the state of an invitation is its recipient's to learn only


@pytest.mark.parametrize(
    ("state", "told"), [("accepted", "déjà été utilisée"), ("withdrawn", "a été retirée"), ("expired", "a expiré")]
)
def test_accepting_someone_elses_invitation_tells_nothing_of_its_state(client, home, state, told):
    """Whatever its state, another account sending the link gets the answer of a pending one: not its address."""
    token = "jeton-de-test"
    child = ChildFactory()
    invitation = InvitationFactory(email="pere@exemple.fr", token=token, children=[child], **{state: True})
    stranger = ParentFactory(email="curieux@exemple.fr")
    with pytest.raises(InvitationError) as refused:
        invitations.accept(invitation, user=stranger)
    assert "envoyée à une autre adresse e-mail" in str(refused.value) and told not in str(refused.value)
    client.force_login(stranger)
    page = text(client.post(reverse("memberspace:invitation_accept", args=[token]), follow=True))
    assert "envoyée à une autre adresse e-mail" in page and told not in page
    assert stranger not in child.guardians.all()


def test_an_accepted_invitation_says_when_in_the_clubs_french_format(client, home):
    """« le 16 juin 2026 à 14 h 05 » (pages.formatting.date_and_time), never « 16/06/2026 à 14:05 »."""
    mother = ParentFactory()
    father = ParentFactory(email="pere@exemple.fr", first_name="Paul", last_name="Durand")
    invitation, token = invite(mother, make_child(mother), "pere@exemple.fr")
    invitations.accept(invitation, user=father)
    accepted = timezone.make_aware(datetime.datetime(2026, 6, 16, 14, 5))
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=accepted)
    client.force_login(father)
    page = text(client.get(reverse("memberspace:invitation_accept", args=[token])))
    assert "acceptée le 16\u00a0juin 2026 à 14\u00a0h\u00a005 par Paul Durand" in page
    assert not re.search(r"\d:\d\d|\d/\d\d/", page)
