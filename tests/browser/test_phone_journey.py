"""Issue 13's defects, walked through as a parent on a 360 px phone and as the secretariat
at 1280×900, in headless Chromium.

The parent: a compact menu; a child's form with no relationship chosen for her and a
counter under the long text; the child's page leading to a request; the request page
listing first what the child can request; the deposit due after validation, on an activity
that has already started; an offer page whose call to action stays in sight. Two parents
creating the same child: a neutral message, a flag and a merge by the secretariat. Links
opened a second time: a verification link, an accepted invitation.

Each step takes a screenshot into ``var/screenshots/phone-journey/`` (``SCREENSHOT_DIR``
chooses another folder), to be looked at after a change of layout.
"""

import datetime
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect
from wagtail.models import Site

from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment
from memberspace.families.models import Child, ChildStatus, Invitation
from memberspace.legacy.models import LegacyContact
from pages import formatting
from pages.models import ClubSettings
from tests.admin_urls import admin_url
from tests.auth import give_totp
from tests.browser.pages import AdminAccountPage, DashboardPage, LoginPage
from tests.factories import (
    PASSWORD,
    ActivityIndexPageFactory,
    ActivityPageFactory,
    ChildFactory,
    EnrollmentFactory,
    InvitationFactory,
    ParentFactory,
    StayIndexPageFactory,
    StayPageFactory,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 360, "height": 740}
WIDE = {"width": 1280, "height": 900}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or Path(settings.BASE_DIR) / "var" / "screenshots" / "phone-journey")


def shoot(page, name, full_page=True):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=full_page, animations="disabled")


def lines_of(locator):
    """How many lines the element's text takes on screen (a word broken in two takes two)."""
    return locator.evaluate(
        "el => { const r = document.createRange(); r.selectNodeContents(el);"
        " return new Set([...r.getClientRects()].map(rect => Math.round(rect.top))).size; }"
    )


def test_a_parent_on_a_phone_adds_a_child_requests_an_activity_and_sees_the_deposit_due(new_page, live_site, secretary):
    club = ClubSettings.for_site(Site.objects.get(is_default_site=True))
    club.deposit_due_days = 15
    club.save()
    today = timezone.localdate()
    # An annual activity that started in September takes requests all year; a stay for older children.
    theatre = ActivityPageFactory(
        parent=ActivityIndexPageFactory(parent=live_site),
        title="Théâtre d'improvisation",
        min_age=6,
        max_age=12,
        start_date=today - datetime.timedelta(days=70),
        end_date=today + datetime.timedelta(days=200),
        registration_closes_at=timezone.now() + datetime.timedelta(days=100),
        price=Decimal("180.00"),
        deposit_amount=Decimal("60.00"),
    )
    stays = StayIndexPageFactory(parent=live_site)
    StayPageFactory(parent=stays, title="Surf à Biarritz", min_age=13, max_age=17)
    stay = StayPageFactory(parent=stays, title="Neige à Morzine", min_age=6, max_age=12, destination="Morzine")
    parent = ParentFactory(email="claire.martin@exemple.fr", first_name="Claire", last_name="Martin")

    page = new_page(viewport=NARROW)
    LoginPage(page).log_in(parent.email, PASSWORD)
    page.wait_for_url("**/espace-adherent/")

    # The member-area menu is one line on a phone, its links behind « Mon espace » (the site's
    # own « Menu » is the header's).
    menu = page.get_by_role("navigation", name="Mon espace adhérent")
    assert menu.bounding_box()["height"] < 60
    expect(menu.get_by_role("link", name="Mes coordonnées")).to_be_hidden()
    menu.get_by_text("Mon espace", exact=True).click()
    expect(menu.get_by_role("link", name="Mes coordonnées")).to_be_visible()
    shoot(page, "01-dashboard-menu-open", full_page=False)

    # The child's form: the relationship is not chosen for the parent, the class says what it is.
    page.get_by_role("link", name="Ajouter un enfant").first.click()
    relationship = page.get_by_label("Votre lien avec l'enfant")
    expect(relationship).to_have_value("")
    expect(relationship.locator("option:checked")).to_have_text("— choisir —")
    expect(page.get_by_label("Classe (à la rentrée)").locator("option").first).not_to_have_text(re.compile("---"))
    birth = today.replace(year=today.year - 9) - datetime.timedelta(days=40)
    page.get_by_label("Prénom de l'enfant").fill("Emma")
    page.get_by_label("Nom de l'enfant", exact=True).fill("D'Almeida")
    page.get_by_label("Date de naissance").fill(birth.isoformat())
    page.get_by_label("Fille", exact=True).check()
    page.get_by_label("Non", exact=True).check()
    # A long paste: the counter says how much is too much, the server refuses it and keeps it whole.
    health = page.get_by_label("Informations de santé")
    too_long = ("Allergie aux arachides & au lait ; stylo d'adrénaline dans le sac. " * 40)[:2050]
    health.fill(too_long)
    counter = page.locator(".char-counter").filter(has_text="caractères en trop")
    expect(counter).to_have_text("50 caractères en trop")
    shoot(page, "02-child-form-counter")
    page.get_by_role("button", name="Créer l'adhésion").click()
    expect(page.locator("main")).to_contain_text("Indiquez votre lien avec l'enfant")
    assert health.input_value() == too_long.replace("\r\n", "\n")
    assert page.get_by_label("Prénom de l'enfant").input_value() == "Emma"
    assert not Child.objects.filter(first_name="Emma").exists()
    relationship.select_option(label="Père")
    health.fill("Allergie aux arachides & au lait ; stylo d'adrénaline dans le sac.")
    expect(page.locator(".char-counter")).to_contain_text("caractères restants")
    page.get_by_role("button", name="Créer l'adhésion").click()
    expect(page.locator(".messages")).to_contain_text("L'adhésion de Emma est créée.")
    emma = Child.objects.get(first_name="Emma")
    assert emma.guardianships.get().relationship == "pere"

    # The child's page leads to a request; the request page lists first what she can ask for.
    page.goto(reverse("memberspace:child_detail", args=[emma.pk]))
    enrollments_section = page.get_by_role("region", name="Ses inscriptions")
    expect(enrollments_section).to_contain_text("Aucune inscription pour l'instant.")
    shoot(page, "03-child-page")
    enrollments_section.get_by_role("link", name="Demander une inscription").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscrire Emma")
    requestable = page.locator("main ul.offer-choices").first.locator("li.offer-choice h2")
    expect(requestable).to_have_text(["Théâtre d'improvisation", "Neige à Morzine"])
    folded = page.locator("details.offer-choices-other")
    expect(folded).not_to_have_attribute("open", re.compile(".*"))
    expect(folded.locator("summary")).to_contain_text("1 autre offre, impossible à demander pour l'instant")
    expect(folded.get_by_role("heading", name="Surf à Biarritz")).to_be_hidden()
    folded.locator("summary").click()
    expect(folded).to_contain_text("Emma :")
    shoot(page, "04-request-page")
    page.locator("li.offer-choice", has_text="Théâtre d'improvisation").get_by_role(
        "link", name="Inscrire Emma"
    ).click()
    page.get_by_role("button", name="Envoyer la demande").click()
    page.wait_for_url("**/espace-adherent/")
    enrollment = Enrollment.objects.get(child=emma, offer=theatre)

    # The secretariat validates it on the same day: the deposit leaves the club's 15 days.
    enrollments.validate(enrollment, by=secretary)
    enrollment.refresh_from_db()
    due = today + datetime.timedelta(days=15)
    assert enrollment.deposit_due_date == due
    with translation.override("fr"):
        due_text = formatting.day_month(due)
    NBSP = "\u00a0"
    page.reload()
    # The parent's address, in a narrow column, wraps at its « @ » if it must, never mid-word.
    address = page.locator(".email-address", has_text=parent.email)
    assert address.evaluate(
        "el => [...el.childNodes].filter(n => n.nodeType === 3).every(n => {"
        " const r = document.createRange(); r.selectNodeContents(n);"
        " return new Set([...r.getClientRects()].map(rect => Math.round(rect.top))).size === 1; })"
    )
    item = DashboardPage(page).enrollment("Emma D'Almeida", "Théâtre d'improvisation")
    expect(item).to_contain_text(f"Acompte : 60{NBSP}€ à régler avant le {due_text}.")
    expect(item).to_contain_text("Reçu : rien pour l'instant.")
    shoot(page, "05-dashboard-deposit-due")
    item.get_by_role("link", name="Théâtre d'improvisation").click()
    deposit = page.get_by_role("region", name="Paiement")
    expect(deposit).to_contain_text(due_text)
    expect(deposit).to_contain_text("rien pour l'instant")
    shoot(page, "06-enrollment-page")

    # An offer page: the call to action stays in sight; « Destination » holds on one line;
    # times are written one French way.
    page.goto(stay.url)
    bar = page.locator(".offer__cta-bar")
    expect(bar.get_by_role("link", name="Demander l'inscription")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollHeight") > NARROW["height"] * 2
    assert not re.search(r"\b\d{1,2}(h\d\d|:\d\d)\b", page.locator("main").inner_text())
    shoot(page, "07-offer-page-top", full_page=False)
    # On every stay's card in the catalogue, « Destination » holds on one line.
    page.goto(stays.url)
    labels = page.locator(".card .facts dt", has_text="Destination")
    expect(labels).to_have_count(2)
    assert [lines_of(labels.nth(index)) for index in range(2)] == [1, 1]
    labels.first.scroll_into_view_if_needed()
    shoot(page, "08-stay-cards", full_page=False)


def test_two_parents_create_the_same_child_the_secretariat_merges_and_used_links_say_so(new_page, live_site, secretary):
    today = timezone.localdate()
    birth = today.replace(year=today.year - 8) - datetime.timedelta(days=12)
    mother = ParentFactory(email="ines.dalmeida@exemple.fr", first_name="Inès", last_name="D'Almeida")
    father = ParentFactory(email="paul.dalmeida@exemple.fr", first_name="Paul", last_name="D'Almeida")
    elodie = ChildFactory(first_name="Élodie", last_name="D'Almeida", birth_date=birth, guardians=[mother])
    stay = StayPageFactory(parent=StayIndexPageFactory(parent=live_site), title="Neige à Morzine")
    EnrollmentFactory(child=elodie, offer=stay)

    # The verification link opened a second time says the address is already confirmed.
    newcomer = ParentFactory(email="nouveau@exemple.fr", verified=False, pending=True)
    address = EmailAddress.objects.create(user=newcomer, email=newcomer.email, verified=False, primary=True)
    link = reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key])
    page = new_page(viewport=NARROW)
    page.goto(link)
    page.get_by_role("button", name=re.compile("Confirmer")).click()
    address.refresh_from_db()
    assert address.verified
    page.context.clear_cookies()
    page.goto(link)
    expect(page.locator("main")).to_contain_text("Cette adresse e-mail est déjà confirmée")
    expect(page.locator("main").get_by_role("link", name="Se connecter")).to_be_visible()
    shoot(page, "09-verification-link-again")

    # The father creates the same child, typed his way: a neutral message, whatever the club knows.
    page.context.clear_cookies()
    LoginPage(page).log_in(father.email, PASSWORD)
    page.wait_for_url("**/espace-adherent/")
    page.get_by_role("link", name="Ajouter un enfant").first.click()
    page.get_by_label("Votre lien avec l'enfant").select_option(label="Père")
    page.get_by_label("Prénom de l'enfant").fill("ELODIE")
    page.get_by_label("Nom de l'enfant", exact=True).fill("d'almeida")
    page.get_by_label("Date de naissance").fill(birth.isoformat())
    page.get_by_label("Fille", exact=True).check()
    page.get_by_label("Non", exact=True).check()
    page.get_by_role("button", name="Créer l'adhésion").click()
    expect(page.locator(".messages")).to_contain_text(
        "Le club vérifie chaque nouvelle adhésion et vous contactera si besoin."
    )
    expect(page.locator("main")).not_to_contain_text("doublon")
    copy = Child.objects.exclude(pk=elodie.pk).get(birth_date=birth)
    assert copy.duplicate_of_id == elodie.pk

    # An invitation the father accepted says so when he opens it again, and by whom.
    brother = ChildFactory(first_name="Hugo", last_name="D'Almeida", guardians=[mother])
    token = Invitation.new_token()
    InvitationFactory(inviter=mother, email=father.email, children=[brother], token=token)
    invitation_link = reverse("memberspace:invitation_accept", args=[token])
    page.goto(invitation_link)
    page.get_by_role("button", name="Accepter l'invitation").click()
    expect(page.locator(".messages")).to_be_visible()
    page.goto(invitation_link)
    main = page.locator("main")
    expect(main).to_contain_text("Cette invitation a déjà été utilisée")
    expect(main).to_contain_text("Paul D'Almeida")
    expect(main.get_by_role("button", name="Accepter l'invitation")).to_have_count(0)
    shoot(page, "10-invitation-used")

    # The secretariat: what waits for a decision first on the home; the flagged child merged.
    pending = ParentFactory(
        email="claire.martin@exemple.fr",
        first_name="Claire",
        last_name="Martin",
        pending=True,
        pending_since=timezone.now() - datetime.timedelta(days=5),
        club_message="Bonjour, mon fils Jules MARTIN fait de la chorale au PO.",
        postal_code="69003",
    )
    jules = ChildFactory(
        first_name="Jules", last_name="Martin", status=ChildStatus.MIGRATED, legacy_id="1003", guardians=[]
    )
    LegacyContact.objects.create(child=jules, first_name="Claire", last_name="Martin", postal_code="69003")
    EmailAddress.objects.get_or_create(user=secretary, email=secretary.email, defaults={"verified": True})
    staff = new_page(viewport=WIDE)
    LoginPage(staff).log_in(secretary.email, PASSWORD, totp_secret=give_totp(secretary))
    staff.wait_for_url("**/admin/")
    waiting = staff.get_by_role("heading", name=re.compile("Comptes parents à valider"))
    expect(waiting).to_be_in_viewport()
    expect(staff.locator("#wagtail-sidebar").get_by_role("button", name="Aide")).to_have_count(0)
    shoot(staff, "11-admin-home", full_page=False)

    account = AdminAccountPage(staff).open(pending.pk)
    assert account.suggested() == ["Jules Martin"]
    expect(staff.get_by_role("button", name="Rattacher Jules")).to_be_in_viewport()
    expect(staff.locator("main")).to_contain_text("Retour à la liste des comptes parents")
    shoot(staff, "12-account-page-suggestions", full_page=False)

    staff.goto(admin_url("families.child") + "?doublon=oui")
    rows = staff.locator("table.listing tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ELODIE")
    staff.goto(admin_url("families.child", "inspect", copy.pk))
    mail.outbox.clear()
    staff.get_by_role("link", name="Fusionner avec la fiche en double").click()
    staff.get_by_role("button", name="Fusionner").click()
    expect(staff.locator(".messages")).to_contain_text("les parents sont prévenus")
    assert not Child.objects.filter(pk=copy.pk).exists()
    assert set(elodie.guardianships.values_list("parent__email", flat=True)) == {mother.email, father.email}
    assert {message.to[0] for message in mail.outbox} >= {mother.email, father.email}

    staff.goto(admin_url("enrollments.enrollment") + f"?offre={stay.pk}")
    row = staff.locator("table.listing tbody tr", has_text="Élodie")
    # Its buttons sit inside the row, and nothing (the pagination's rule) runs across them.
    row_box = row.bounding_box()
    buttons = row.locator("ul.actions a")
    expect(buttons.filter(has_text="Valider")).to_have_count(1)
    for index in range(buttons.count()):
        box = buttons.nth(index).bounding_box()
        assert row_box["y"] <= box["y"] and box["y"] + box["height"] <= row_box["y"] + row_box["height"] + 1
    assert staff.locator("nav.pagination").bounding_box()["y"] >= row_box["y"] + row_box["height"] - 1
    shoot(staff, "13-enrollment-listing", full_page=False)
