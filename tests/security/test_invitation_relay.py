"""Co-parent invitations are no relay from the club's address (issue 11, finding 9).

Before: 25 invitations went out in one second to outside addresses, and the
inviter's first name, set to a phishing text, was the email's subject.
"""

import datetime
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from memberspace.families.models import Child, Guardianship, Invitation
from memberspace.families.services import invitations
from memberspace.notifications.models import Notification
from tests.concurrency import run_together
from tests.factories import UserFactory

KIND = "coparent_invitation"
PHISHING = "Sécurité PO : compte bloqué\nVérifiez ici https://po-securite.example/connexion\r\nMerci"
SUBJECT = "Invitation à rejoindre l'espace adhérent du PO"


def text(response):
    return unescape(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


def family(email="claire.martin@exemple.fr", **fields):
    parent = UserFactory(email=email, account_status="validated", **fields)
    EmailAddress.objects.create(user=parent, email=parent.email, verified=True, primary=True)
    child = Child.objects.create(first_name="Léa", last_name="Martin", birth_date=datetime.date(2017, 3, 1))
    Guardianship.objects.create(child=child, parent=parent, relationship="mere")
    return parent, child


def send(client, child, email):
    data = {"email": email, "children": [child.pk], "relationship": "autre"}
    return client.post(reverse("memberspace:invite"), data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("burst", "limit", "refusal"),
    [
        (invitations.BURST_LIMIT, invitations.BURST_LIMIT, "attendez 10 minutes avant d'en envoyer une autre"),
        (100, invitations.DAILY_LIMIT, "Réessayez demain"),
    ],
    ids=["burst", "day"],
)
def test_rapid_invitations_stop_at_the_accounts_limit(client, home, monkeypatch, burst, limit, refusal):
    monkeypatch.setattr(invitations, "BURST_LIMIT", burst)
    parent, child = family()
    client.force_login(parent)

    answers = [send(client, child, f"cible{number}@dehors.example") for number in range(25)]

    assert [answer.status_code for answer in answers] == [302] * limit + [200] * (25 - limit)
    assert Notification.objects.filter(kind=KIND).count() == Invitation.objects.count() == limit
    refused = answers[-1]
    assert refusal in text(refused)
    assert 'value="cible24@dehors.example"' in refused.content.decode()  # what was typed is kept
    assert not Notification.objects.filter(address="cible24@dehors.example").exists()


@pytest.mark.django_db
def test_the_limit_is_per_account(client, home):
    first, first_child = family()
    for number in range(invitations.BURST_LIMIT):
        invitations.invite(first, email=f"x{number}@dehors.example", children=[first_child], relationship="autre")
    other, other_child = family("autre.parent@exemple.fr")
    client.force_login(other)
    assert send(client, other_child, "mamie@exemple.fr").status_code == 302


@pytest.mark.django_db
def test_the_inviters_name_stays_out_of_the_subject_and_is_one_bounded_plain_line(home):
    parent, child = family(first_name=PHISHING + " " + "x" * 40, last_name="Martin")

    invitations.invite(parent, email="mamie@exemple.fr", children=[child], relationship="autre")

    message = Notification.objects.get(kind=KIND)
    assert message.subject == SUBJECT
    for word in ("Sécurité", "bloqué", "po-securite", "http", "Martin"):
        assert word not in message.subject
    line = next(line for line in message.body_text.splitlines() if "vous invite à gérer" in line)
    name = line.split(" vous invite à gérer")[0]
    assert name.startswith("Sécurité PO : compte bloqué Vérifiez ici")  # one line
    assert len(name) <= invitations.NAME_LENGTH and name.endswith("…")
    assert "Vérifiez ici" not in message.body_text.replace(line, "")  # no line of its own
    html = BeautifulSoup(message.body_html, "html.parser")
    links = [anchor["href"] for anchor in html.find_all("a")]
    assert links and not [href for href in links if "po-securite" in href]


@pytest.mark.django_db
def test_the_same_invitation_sent_again_moments_later_is_one_invitation(client, home):
    parent, child = family()
    client.force_login(parent)
    assert send(client, child, "mamie@exemple.fr").status_code == 302
    assert send(client, child, "mamie@exemple.fr").status_code == 302
    assert Invitation.objects.count() == Notification.objects.filter(kind=KIND).count() == 1


@pytest.mark.integration
def test_the_same_invitation_form_sent_twice_at_once_makes_one_invitation(transactional_home):
    """Real threads, each with its own connection: SQLite's IMMEDIATE transactions, PostgreSQL's row lock."""
    for round_number in range(4):
        parent, child = family(f"parent{round_number}@exemple.fr")
        clients = [Client(), Client()]
        for client in clients:
            client.force_login(parent)
        email = f"mamie{round_number}@exemple.fr"

        results = run_together([lambda c=client, k=child, e=email: send(c, k, e) for client in clients])
        answers = [answer for _kind, answer in results]

        assert [getattr(answer, "status_code", answer) for answer in answers] == [302, 302], answers
        assert Invitation.objects.filter(inviter=parent).count() == 1
        assert Notification.objects.filter(kind=KIND, address=email).count() == 1
