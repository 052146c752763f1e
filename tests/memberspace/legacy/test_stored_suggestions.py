"""The account page's copy of the matching: computed once per change, read at every view, in fixed queries."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberspace.families.services import children as children_service
from memberspace.legacy import stored
from memberspace.legacy.matching import Household, Matches, Suggestion, bump_base_version, match_account
from memberspace.legacy.models import AccountSuggestions, AttachmentRequest
from tests import concurrency
from tests.admin_urls import admin_url
from tests.auth import login_staff
from tests.factories import ChildFactory, LegacyContactFactory, ParentFactory, StaffFactory

pytestmark = pytest.mark.django_db


def migrated(first, last, legacy_id, *, birth=datetime.date(2016, 3, 12), parents=1):
    child = ChildFactory(
        migrated=True, first_name=first, last_name=last, birth_date=birth, legacy_id=legacy_id, legacy_activities=""
    )
    for position in range(1, parents + 1):
        LegacyContactFactory(child=child, position=position, phone=f"+3361234567{position}")
    return child


def matches_of(*households, homonyms=()):
    """Hand-made ``Matches``: one household per list of children (all named), then the homonyms."""
    return Matches(
        households=[
            Household(
                key=key,
                evidence=["adresse e-mail du compte chez un parent de l'ancienne base"],
                confirmed=True,
                suggestions=[
                    Suggestion(child=child, score=90, reasons=["prénom et nom cités"], household=key, named=True)
                    for child in children
                ],
            )
            for key, children in enumerate(households, start=1)
        ],
        homonyms=[
            Suggestion(child=child, score=40, reasons=["prénom et nom cités"], household=100 + index)
            for index, child in enumerate(homonyms)
        ],
    )


@pytest.fixture
def counted(monkeypatch):
    """``match_account`` as the stored copy calls it, counted; ``counted.result`` replaces its result when set."""

    class Counter:
        calls = 0
        result = None

    def fake(account):
        Counter.calls += 1
        return Counter.result if Counter.result is not None else match_account(account)

    monkeypatch.setattr(stored, "match_account", fake)
    return Counter


@pytest.fixture
def parent():
    return ParentFactory(
        first_name="Marie",
        last_name="Dupont",
        email="marie.dupont@exemple.fr",
        postal_code="75005",
        club_message="Mes enfants Léa et Hugo Dupont",
    )


def test_a_second_view_reads_the_stored_copy(parent, counted):
    lea = migrated("Léa", "Dupont", "1001")
    counted.result = matches_of([lea])
    first = stored.stored_matches(parent)
    second = stored.stored_matches(parent)
    assert counted.calls == 1
    assert [s.child for s in first.suggestions] == [s.child for s in second.suggestions] == [lea]
    row = AccountSuggestions.objects.get(account=parent)
    assert len(row.signature) == 64 and row.data["households"][0]["suggestions"][0]["child"] == lea.pk


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda account: setattr(account, "club_message", "Léa Dupont") or account.save(), id="message"),
        pytest.param(lambda account: setattr(account, "phone", "+33698765432") or account.save(), id="phone"),
        pytest.param(
            lambda account: AttachmentRequest.objects.create(
                parent=account, first_name="Léa", last_name="Dupont", birth_date=datetime.date(2016, 3, 12)
            ),
            id="attachment-request",
        ),
        pytest.param(lambda account: bump_base_version(), id="base-version"),
    ],
)
def test_a_change_of_an_input_computes_again(parent, counted, change):
    counted.result = matches_of([migrated("Léa", "Dupont", "1001")])
    stored.stored_matches(parent)
    stored.stored_matches(parent)
    assert counted.calls == 1
    change(parent)
    stored.stored_matches(parent)
    assert counted.calls == 2
    stored.stored_matches(parent)
    assert counted.calls == 2  # and stored again


def test_refresh_pending_computes_the_pending_accounts_once_per_change(counted):
    counted.result = matches_of([migrated("Léa", "Dupont", "1001")])
    waiting = [ParentFactory(pending=True, email=f"attente{n}@exemple.fr") for n in range(2)]
    ParentFactory(email="valide@exemple.fr")  # validated: not computed ahead
    assert stored.refresh_pending() == 2
    assert stored.refresh_pending() == 0
    stored.stored_matches(waiting[0])  # the page reads what was computed ahead
    assert counted.calls == 2
    bump_base_version()
    assert stored.refresh_pending() == 2
    assert counted.calls == 4


def test_an_attachment_requests_birth_date_is_part_of_the_signature(parent):
    request = AttachmentRequest.objects.create(
        parent=parent, first_name="Léa", last_name="Dupont", birth_date=datetime.date(2016, 3, 12)
    )
    before = stored.account_signature(parent)
    request.birth_date = datetime.date(2016, 3, 13)
    request.save()
    assert stored.account_signature(parent) != before


def test_the_street_address_is_part_of_the_signature(parent):
    """The matching reads it (a step-parent at the children's address): a new one computes them again."""
    before = stored.account_signature(parent)
    parent.street = "12 rue des Lilas" if parent.street != "12 rue des Lilas" else "14 rue des Lilas"
    parent.save()
    assert stored.account_signature(parent) != before


def test_a_child_attached_since_settles_the_contest_again_once(counted):
    """« Léa et Hugo Dupont »: the Léa of Hugo's household is suggested, another Léa Dupont is a homonym. Once
    the first is attached to another family, the other is the Léa suggested (the stored copy is computed again,
    once), and a view after that reads the new copy."""
    parent = ParentFactory(
        first_name="Claire",
        last_name="Martin",
        email="claire.martin@exemple.fr",
        postal_code="75011",
        club_message="Réinscription de Léa et Hugo Dupont",
    )
    rival, hugo = migrated("Léa", "Dupont", "1001", parents=0), migrated("Hugo", "Dupont", "1002", parents=0)
    for child in (rival, hugo):
        LegacyContactFactory(child=child, phone="+33611111111")
    ours = migrated("Léa", "Dupont", "2001", birth=datetime.date(2015, 9, 30), parents=0)
    LegacyContactFactory(child=ours, phone="+33622222222")
    first = stored.stored_matches(parent)
    assert {s.child for s in first.suggestions} == {rival, hugo} and [s.child for s in first.homonyms] == [ours]
    other_family = ParentFactory(email="autre@exemple.fr")
    children_service.attach_child(rival, other_family, by=StaffFactory(), relationship="mere")
    again = stored.stored_matches(parent)
    assert {s.child for s in again.suggestions} == {ours, hugo} and again.homonyms == []
    assert counted.calls == 2
    assert {s.child for s in stored.stored_matches(parent).suggestions} == {ours, hugo}
    assert counted.calls == 2


def test_the_stored_copy_is_the_matchers_result(parent):
    """Without a stand-in: the real matcher's suggestions, stored and read back."""
    lea = migrated("Léa", "Dupont", "1001")
    LegacyContactFactory(child=lea, email=parent.email, postal_code="75005")
    computed = [(s.child.pk, s.score, s.reasons) for s in match_account(parent).suggestions]
    assert computed and computed[0][0] == lea.pk
    assert [(s.child.pk, s.score, s.reasons) for s in stored.stored_matches(parent).suggestions] == computed
    assert [(s.child.pk, s.score, s.reasons) for s in stored.stored_matches(parent).suggestions] == computed


def test_reading_the_stored_copy_takes_the_same_queries_for_1_or_6_suggestions(parent, counted):
    few, many = ParentFactory(email="peu@exemple.fr"), ParentFactory(email="beaucoup@exemple.fr")
    lea = migrated("Léa", "Dupont", "1001")
    households = [[migrated(f"Enfant{i}", "Martin", f"20{i}", parents=2) for i in range(3)]]
    households.append([migrated(f"Enfant{i}", "Bernard", f"30{i}", parents=2) for i in range(3)])
    homonyms = [migrated(f"Enfant{i}", "Martin", f"40{i}") for i in range(3)]
    counted.result = matches_of([lea])
    stored.stored_matches(few)
    counted.result = matches_of(*households, homonyms=homonyms)
    stored.stored_matches(many)
    queries = {}
    for name, account in (("few", few), ("many", many)):
        with CaptureQueriesContext(connection) as context:
            matches = stored.stored_matches(account)
            stored.parents_of(s.child for s in matches.suggestions + matches.homonyms)
        queries[name] = len(context)
    assert len(matches.suggestions) == 6 and len(matches.homonyms) == 3
    # signature (attachment requests, base version), stored row, children, their contacts
    assert queries == {"few": 5, "many": 5}


def page_queries(client, account):
    with CaptureQueriesContext(connection) as context:
        response = client.get(admin_url("accounts.parentaccount", "inspect", account.pk))
    assert response.status_code == 200
    return len(context), response.content.decode()


def test_the_account_page_takes_the_same_queries_for_1_or_6_suggestions(client, home, secretary, counted):
    login_staff(client, secretary)
    page_queries(client, ParentFactory(email="avant@exemple.fr"))  # the first request's one-off queries
    few = ParentFactory(email="peu@exemple.fr", pending=True)
    many = ParentFactory(email="beaucoup@exemple.fr", pending=True)
    lea = migrated("Léa", "Dupont", "1001", parents=2)
    households = [[migrated(f"Enfant{i}", "Martin", f"20{i}", parents=2) for i in range(3)]]
    households.append([migrated(f"Enfant{i}", "Bernard", f"30{i}", parents=2) for i in range(3)])
    homonyms = [migrated(f"Enfant{i}", "Martin", f"40{i}", parents=2) for i in range(3)]
    counted.result = matches_of([lea])
    computed_few, _html = page_queries(client, few)
    counted.result = matches_of(*households, homonyms=homonyms)
    computed_many, html = page_queries(client, many)
    assert html.count("Rattacher Enfant") == 9 and html.count("Rattacher les 3 enfants cités") == 2
    stored_few, _html = page_queries(client, few)
    stored_many, _html = page_queries(client, many)
    assert counted.calls == 3  # one computation per account, the second views read
    assert computed_few == computed_many
    assert stored_few == stored_many < computed_few
    print(f"account page queries: computed {computed_few} / {computed_many}, stored {stored_few} / {stored_many}")


@pytest.mark.integration
def test_two_views_computing_at_once_both_succeed(transactional_db):
    account = ParentFactory(club_message="Léa Dupont")
    lea = migrated("Léa", "Dupont", "1001")
    LegacyContactFactory(child=lea, email=account.email)
    results = concurrency.run_together([lambda: stored.stored_matches(account) for _ in range(2)])
    assert [[s.child.pk for s in matches.suggestions] for _status, matches in results] == [[lea.pk], [lea.pk]]
    assert AccountSuggestions.objects.filter(account=account).count() == 1


def test_the_command_prints_households_and_homonyms_computed_now(parent, monkeypatch):
    from memberspace.legacy.management.commands import suggest_children

    lea, hugo, other = migrated("Léa", "Dupont", "1001"), migrated("Hugo", "Dupont", "1002"), migrated("Léa", "X", "9")
    monkeypatch.setattr(suggest_children, "match_account", lambda account: matches_of([lea, hugo], homonyms=[other]))
    output = io.StringIO()
    call_command("suggest_children", parent.email, stdout=output)
    data = json.loads(output.getvalue())
    household = data["households"][0]
    assert household["evidence"] == ["adresse e-mail du compte chez un parent de l'ancienne base"]
    assert [row["legacy_id"] for row in household["children"]] == ["1001", "1002"]
    assert [p["phone"] for p in household["parents"]] == ["06 12 34 56 71", "06 12 34 56 71"]
    assert [(row["legacy_id"], row["birth_date"]) for row in data["homonyms"]] == [("9", "2016-03-12")]
    assert not AccountSuggestions.objects.exists()  # computed, not stored
