"""The legacy app's panel on a parent's account screen: households, homonyms, one and two clicks (CSRF checked)."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from memberspace.accounts.models import AccountStatus, ParentAccount
from memberspace.families.models import Child, ChildStatus, Guardianship
from memberspace.families.services import children as children_service
from memberspace.legacy import stored
from memberspace.legacy.matching import Household, Matches, Suggestion
from memberspace.legacy.models import LegacyContact
from tests.admin_urls import admin_url
from tests.auth import login_staff
from tests.factories import ChildFactory, LegacyContactFactory, ParentFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_suggestions_form_posts_with_its_csrf_token_and_attaches(home, secretary):
    parent = UserFactory(
        email="marie.dupont@exemple.fr", last_name="Dupont", account_status="validated", postal_code="75005"
    )
    EmailAddress.objects.create(user=parent, email=parent.email, verified=True, primary=True)
    lea = Child.objects.create(
        first_name="Léa", last_name="Dupont", birth_date=datetime.date(2016, 3, 12), status=ChildStatus.MIGRATED
    )
    LegacyContact.objects.create(child=lea, last_name="Dupont", email=parent.email, postal_code="75005")
    client = login_staff(Client(enforce_csrf_checks=True), secretary)

    page = client.get(reverse("accounts_parentaccount_modeladmin_inspect", args=[parent.pk]))
    form = BeautifulSoup(page.content, "html.parser").find("h2", id="suggestions").find_next("form")
    assert form["action"] == reverse("accounts_parentaccount_modeladmin_attach_child", args=[parent.pk])
    token = form.find("input", attrs={"name": "csrfmiddlewaretoken"})
    assert token and token["value"]  # the panel renders in its own context: the token must be passed on

    response = client.post(
        form["action"], {"csrfmiddlewaretoken": token["value"], "child": lea.pk, "relationship": "mere"}
    )
    assert response.status_code == 302
    assert lea.guardians.filter(pk=parent.pk).exists()


def test_a_childs_screen_shows_the_parents_the_old_base_knew(home, secretary):
    """The legacy app's panel on a child's screen (construct_child_panels)."""
    lea = Child.objects.create(
        first_name="Léa", last_name="Dupont", birth_date=datetime.date(2016, 3, 12), status=ChildStatus.MIGRATED
    )
    LegacyContact.objects.create(child=lea, first_name="Marie", last_name="Dupont", email="marie@exemple.fr")
    client = login_staff(Client(), secretary)
    page = client.get(reverse("families_child_modeladmin_inspect", args=[lea.pk])).content.decode()
    assert "Parents dans l&#x27;ancienne base" in page or "Parents dans l'ancienne base" in page
    assert "marie@exemple.fr" in page


# The panel per household, the second click, the homonyms (with hand-made ``Matches``: the
# matcher's households are the lead's; the page only reads its result).


@pytest.fixture
def dupont_family(home, monkeypatch):
    """Marie Dupont's account: the matching finds Léa, Hugo (named) and Tom in her household, another Léa elsewhere."""
    parent = ParentFactory(
        first_name="Marie", last_name="Dupont", email="marie.dupont@exemple.fr", pending=True, postal_code="75005"
    )

    def migrated(first, birth, legacy_id, **contact):
        child = ChildFactory(
            migrated=True,
            first_name=first,
            last_name="Dupont",
            birth_date=birth,
            legacy_id=legacy_id,
            legacy_activities="",
        )
        LegacyContactFactory(child=child, last_name="Dupont", **contact)
        return child

    mother = {
        "first_name": "Marie",
        "email": "m.dupont@exemple.fr",
        "phone": "+33612345678",
        "address": "12 rue des Lilas",
        "postal_code": "75005",
        "city": "Paris",
    }
    children = {
        "lea": migrated("Léa", datetime.date(2016, 3, 12), "1001", **mother),
        "hugo": migrated("Hugo", datetime.date(2018, 7, 1), "1002", **mother),
        "tom": migrated("Tom", datetime.date(2012, 1, 5), "1003", **mother),
        "other_lea": migrated("Léa", datetime.date(2015, 9, 30), "2001", first_name="Paul", email="paul@exemple.fr"),
    }
    household = Household(
        key=1,
        evidence=["adresse e-mail du compte chez un parent de l'ancienne base"],
        confirmed=True,
        suggestions=[
            Suggestion(
                children["lea"],
                95,
                ["adresse e-mail du compte chez un parent de l'ancienne base", "prénom et nom cités dans le message"],
                household=1,
                named=True,
            ),
            Suggestion(children["hugo"], 90, ["prénom cité, même foyer"], household=1, named=True),
            Suggestion(children["tom"], 60, ["même foyer que Léa et Hugo"], household=1),
        ],
    )
    homonym = Suggestion(children["other_lea"], 45, ["prénom et nom cités dans le message"], household=2)
    monkeypatch.setattr(stored, "match_account", lambda account: Matches(households=[household], homonyms=[homonym]))
    return parent, children


def account_page(client, parent):
    return BeautifulSoup(client.get(admin_url("accounts.parentaccount", "inspect", parent.pk)).content, "html.parser")


def test_the_page_shows_each_household_with_why_its_parents_and_its_children(client, secretary, dupont_family):
    parent, children = dupont_family
    soup = account_page(login_staff(client, secretary), parent)
    household = soup.find("h2", id="suggestions").find_next("section")
    text = household.get_text(" ", strip=True)
    assert "confirmé par l'identité du parent" in text
    assert "adresse e-mail du compte chez un parent de l'ancienne base" in text
    # the household's parent, once, with where the old base had them live (to compare with the account's)
    assert "Marie Dupont <m.dupont@exemple.fr> 06 12 34 56 78, 12 rue des Lilas, 75005 Paris" in text
    assert text.count("m.dupont@exemple.fr") == 1
    rows = [[cell.get_text(" ", strip=True) for cell in row.select("td")] for row in household.select("tbody tr")]
    assert [row[0] for row in rows] == ["Léa Dupont", "Hugo Dupont", "Tom Dupont"]
    # the household's evidence once, above its table; each row says the rest
    assert rows[0][1:5] == ["12/03/2016", "1001", "95", "prénom et nom cités dans le message"]
    assert rows[2][4] == "même foyer que Léa et Hugo"  # not named
    assert [button.get_text(strip=True) for button in household.select("tbody button")] == [
        "Rattacher Léa",
        "Rattacher Hugo",
        "Rattacher Tom",
    ]
    # The second click: the named children only, one relationship for all, labelled.
    form = household.select("form")[-1]
    assert form.find("button").get_text(strip=True) == "Rattacher les 2 enfants cités"
    assert [field["value"] for field in form.select("input[name=child]")] == [
        str(children["lea"].pk),
        str(children["hugo"].pk),
    ]
    select = form.find("select", {"name": "relationship"})
    assert select.has_attr("required") and form.find("label", attrs={"for": select["id"]})
    assert form.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]


def test_homonyms_are_folded_with_their_birth_date_number_and_parents(client, secretary, dupont_family):
    parent, children = dupont_family
    soup = account_page(login_staff(client, secretary), parent)
    folded = soup.find("details", class_="legacy-homonyms")
    assert not folded.has_attr("open")
    assert folded.find("summary").get_text(strip=True).startswith("Homonymes possibles")
    assert folded.find_parent("section") is None  # not under a household
    row = [cell.get_text(" ", strip=True) for cell in folded.select("tbody tr td")]
    # the child, then its parents in the old base
    assert row[:3] == ["Léa Dupont Parents dans l'ancienne base : Paul Dupont <paul@exemple.fr>", "30/09/2015", "2001"]
    assert folded.find("button").get_text(strip=True) == "Rattacher Léa"


def test_the_second_click_attaches_the_named_children_at_once(client, secretary, dupont_family):
    parent, children = dupont_family
    client = login_staff(Client(enforce_csrf_checks=True), secretary)
    form = account_page(client, parent).find("h2", id="suggestions").find_next("section").select("form")[-1]
    data = {
        "csrfmiddlewaretoken": form.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"],
        "child": [field["value"] for field in form.select("input[name=child]")],
        "relationship": "mere",
    }
    response = client.post(form["action"], data, follow=True)
    assert "Léa Dupont et Hugo Dupont sont rattachés au compte de Marie Dupont." in response.content.decode()
    assert set(parent.children.values_list("first_name", flat=True)) == {"Léa", "Hugo"}
    assert set(Guardianship.objects.values_list("relationship", flat=True)) == {"mere"}
    children["tom"].refresh_from_db()
    assert children["tom"].status == ChildStatus.MIGRATED  # not named: not attached


def post_household(client, parent, children, relationship="mere"):
    return client.post(
        admin_url("accounts.parentaccount", "attach_child", parent.pk),
        {"child": [child.pk for child in children], "relationship": relationship},
        follow=True,
    )


def test_a_child_attached_in_between_refuses_the_whole_household(client, secretary, dupont_family):
    parent, children = dupont_family
    login_staff(client, secretary)
    someone = ParentFactory(email="quelquun@exemple.fr")
    children_service.attach_child(children["hugo"], someone, by=secretary, relationship="pere")
    response = post_household(client, parent, [children["lea"], children["hugo"]])
    assert response.status_code == 200
    assert "Hugo Dupont n&#x27;est plus dans l&#x27;ancienne base à rattacher" in response.content.decode()
    assert "aucun enfant n&#x27;a été rattaché" in response.content.decode()
    assert not parent.children.exists()
    children["lea"].refresh_from_db()
    assert children["lea"].status == ChildStatus.MIGRATED


def test_a_forged_household_form_with_another_familys_child_attaches_nothing(client, secretary, dupont_family):
    parent, children = dupont_family
    login_staff(client, secretary)
    others = ChildFactory(first_name="Zoé", last_name="Autre", guardians=[ParentFactory(email="autre@exemple.fr")])
    response = post_household(client, parent, [children["lea"], others])
    assert "Zoé Autre n&#x27;est plus dans l&#x27;ancienne base à rattacher" in response.content.decode()
    assert not parent.children.exists() and list(others.guardians.all()) != [parent]
    assert Guardianship.objects.filter(parent=parent).count() == 0
    # Unknown ids, repeated ids, no relationship: refused before anything is attached.
    for data in (
        {"child": [children["lea"].pk, 999999], "relationship": "mere"},
        {"child": [children["lea"].pk, children["lea"].pk], "relationship": "mere"},
        {"child": [children["lea"].pk, "x"], "relationship": "mere"},
        {"child": [children["lea"].pk, children["hugo"].pk], "relationship": ""},
    ):
        response = client.post(admin_url("accounts.parentaccount", "attach_child", parent.pk), data)
        assert response.status_code == 302
    assert not parent.children.exists()


def test_a_single_child_no_longer_in_the_old_base_is_refused(client, secretary, dupont_family):
    """A page shown before another secretary attached Hugo to another family: its « Rattacher Hugo » gives him no
    second family. Nor does a forged form naming a child the parent already has."""
    parent, children = dupont_family
    login_staff(client, secretary)
    someone = ParentFactory(email="quelquun@exemple.fr")
    children_service.attach_child(children["hugo"], someone, by=secretary, relationship="pere")
    response = post_household(client, parent, [children["hugo"]])
    assert "Hugo Dupont n&#x27;est plus dans l&#x27;ancienne base à rattacher" in response.content.decode()
    # shown at the top of the account's page, whose suggestions are up to date
    assert response.redirect_chain[-1][0] == admin_url("accounts.parentaccount", "inspect", parent.pk)
    assert list(children["hugo"].guardians.all()) == [someone]
    own = ChildFactory(first_name="Zoé", last_name="Dupont", guardians=[parent])
    response = post_household(client, parent, [own])
    assert "Zoé Dupont n&#x27;est plus dans l&#x27;ancienne base à rattacher" in response.content.decode()
    assert Guardianship.objects.filter(child=own).count() == 1
    # nor to an account the club refused or suspended
    original = parent.account_status
    for status, word in ((AccountStatus.REJECTED, "refusé"), (AccountStatus.SUSPENDED, "suspendu")):
        ParentAccount.objects.filter(pk=parent.pk).update(account_status=status)
        response = post_household(client, parent, [children["lea"]])
        assert (
            f"Le compte de Marie Dupont est {word} : aucun enfant ne peut lui être rattaché."
            in response.content.decode()
        )
        assert not children["lea"].guardians.exists()
    ParentAccount.objects.filter(pk=parent.pk).update(account_status=original)
    # the one still there is attached
    response = post_household(client, parent, [children["lea"]])
    assert "Léa Dupont est rattaché(e) au compte de Marie Dupont." in response.content.decode()


def test_staff_without_the_permission_see_no_forms_and_cannot_post(client, roles, dupont_family):
    parent, children = dupont_family
    reader = StaffFactory(email="lecture@le-po.test")
    reader.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["wagtailadmin", "accounts"],
            codename__in=["access_admin", "view_parentaccount"],
        )
    )
    login_staff(client, reader)
    soup = account_page(client, parent)
    # The account is shown, not the children it may have: they are children's personal data (families.view_child).
    assert parent.email in soup.get_text()
    assert soup.find("h2", id="suggestions") is None and not soup.select(".account-panel form")
    shown = soup.get_text(" ")
    for child in children.values():
        assert str(child) not in shown and child.birth_date.strftime("%d/%m/%Y") not in shown
    for old_base in ("m.dupont@exemple.fr", "12 rue des Lilas", "paul@exemple.fr"):
        assert old_base not in shown
    assert post_household(client, parent, [children["lea"], children["hugo"]]).status_code == 403
    single = client.post(
        admin_url("accounts.parentaccount", "attach_child", parent.pk),
        {"child": children["lea"].pk, "relationship": "mere"},
    )
    assert single.status_code == 403
    assert not parent.children.exists()


def test_a_child_shown_only_with_its_household_says_so_instead_of_a_low_score(
    client, secretary, dupont_family, monkeypatch
):
    """« Loukas, Kahina et Nene »: Nene's child comes with her household; her own score (30) would read as weak."""
    parent, _children = dupont_family
    matches = stored.match_account(parent)
    tom = matches.households[0].suggestions[2]
    tom.score, tom.reasons = (
        30,
        ["« Nene », dans la liste des enfants du foyer : le seul qu'elle ne nomme pas autrement"],
    )
    monkeypatch.setattr(stored, "match_account", lambda account: matches)
    household = account_page(login_staff(client, secretary), parent).find("h2", id="suggestions").find_next("section")
    scores = [row.select("td")[3].get_text(" ", strip=True) for row in household.select("tbody tr")]
    assert scores == ["95", "90", "avec son foyer"]
