"""The parent's screens on a phone (issue 13, item 14): what their markup shows.

The member area's menu folds into one « Mon espace » disclosure on a narrow screen, « Mot de
passe oublié ? » comes after the password field, and the « Classe » select says what
its empty choice means instead of Django's « --------- ».
"""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from tests.factories import ParentFactory

pytestmark = pytest.mark.django_db


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


MENU = [
    "Tableau de bord",
    "Mes coordonnées",
    "Mot de passe",
    "Adresse e-mail",
    "Double authentification",
    "Mes données",
]


def test_the_member_menu_folds_into_one_disclosure_on_a_phone(client, home):
    client.force_login(ParentFactory())
    page = soup(client.get(reverse("memberspace:dashboard")))
    nav = page.find("nav", class_="subnav")
    # On a phone: one « Mon espace » line, opened without JavaScript (<details>), holding every link.
    menu = nav.find("details", class_="subnav__menu")
    assert menu is not None and not menu.has_attr("open")
    summary = menu.find("summary")
    # Named apart from the site's own « Menu » button, just above it in the header.
    assert summary.get_text(" ", strip=True).startswith("Mon espace")
    assert "Tableau de bord" in summary.get_text(" ", strip=True)  # the page the parent is on
    assert [a.get_text(strip=True) for a in menu.find_all("a")] == MENU
    assert menu.find("button", string="Se déconnecter") is not None
    # On a wide screen: the links in one line, the same ones.
    inline = nav.find(class_="subnav__inline")
    assert [a.get_text(strip=True) for a in inline.find_all("a")] == MENU
    assert inline.find("a", attrs={"aria-current": "page"}).get_text(strip=True) == "Tableau de bord"


def test_password_forgotten_comes_after_the_password_field(client, home):
    page = soup(client.get(reverse("account_login")))
    form = page.find("form", class_="form")
    password = form.find("input", attrs={"name": "password"})
    label = form.find("label", attrs={"for": password["id"]})
    forgotten = form.find("a", string=lambda text: text and "Mot de passe oublié" in text)
    assert forgotten["href"] == reverse("account_reset_password")
    order = [tag for tag in form.find_all(True) if tag in (label, password, forgotten)]
    assert order == [label, password, forgotten]


@pytest.mark.parametrize("url_name", ["memberspace:child_add"])
def test_the_school_level_select_names_its_empty_choice(client, home, url_name):
    client.force_login(ParentFactory())
    page = soup(client.get(reverse(url_name)))
    assert "---------" not in page.get_text()
    options = page.find("select", attrs={"name": "school_level"}).find_all("option")
    assert (options[0]["value"], options[0].get_text(strip=True)) == ("", "Non renseignée")
    assert [option.get_text(strip=True) for option in options[1:3]] == ["Petite section", "Moyenne section"]
