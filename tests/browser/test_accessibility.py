"""Accessibility in headless Chromium: the main pages audited with axe-core, and the sign-up and
an enrollment request done with the keyboard alone.

axe-core is the npm package pinned in package.json (``npm ci`` installs it in node_modules/).
The pages keep their Content Security Policy (``script-src 'self'``) during the audit: axe is
served from the site's own origin by a Playwright route, then added with ``add_script_tag``.
"""

import datetime
import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Site

from home.models import HomeFeaturedActivity
from memberspace.accounts.models import User
from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment, EnrollmentStatus
from memberspace.families.models import Child, Guardianship
from pages.models import ClubSettings
from stays.models import StayGalleryImage
from tests.browser.conftest import PHONE
from tests.browser.pages import LoginPage
from tests.factories import (
    PASSWORD,
    ActivityIndexPageFactory,
    ActivityPageFactory,
    ImageFactory,
    StandardPageFactory,
    StayIndexPageFactory,
    StayPageFactory,
    UserFactory,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

AXE_JS = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__axe-core__/axe.min.js"  # answered by Playwright, never by the site
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


# axe-core


def axe_script():
    if not AXE_JS.exists():
        pytest.fail(
            f"axe-core is missing ({AXE_JS.relative_to(settings.BASE_DIR)}): run `npm ci` at the repository "
            "root (package.json and package-lock.json pin it)."
        )
    return AXE_JS


def audit(page):
    """axe's violations of ``page`` as it is now, serious and critical ones only."""
    script = axe_script()
    page.route(f"**{AXE_URL}", lambda route: route.fulfill(path=script, content_type="text/javascript"))
    try:
        page.add_script_tag(url=AXE_URL)
    finally:
        page.unroute(f"**{AXE_URL}")
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [violation for violation in results["violations"] if violation["impact"] in FAILING_IMPACTS]


def report(violations):
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
            lines.append(f"      {node['html'][:300]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


# The site: both catalogues with offers in each registration state, pictures, a page body with
# every kind of block, the club's contact details; a validated parent with a child and an enrollment.


def rich_body(link_page):
    return json.dumps(
        [
            {"type": "heading", "value": {"text": "Comment s'inscrire ?", "level": "h2"}},
            {"type": "paragraph", "value": "<p>Tout se passe dans <b>l'espace adhérent</b>.</p>"},
            {
                "type": "steps",
                "value": {
                    "title": "En trois étapes",
                    "steps": [
                        {"title": "Créer son compte", "text": "<p>Chaque parent crée le sien.</p>"},
                        {"title": "Ajouter ses enfants", "text": "<p>Une fois le compte validé.</p>"},
                    ],
                },
            },
            {
                "type": "faq",
                "value": {
                    "title": "Questions fréquentes",
                    "questions": [{"question": "Faut-il un certificat ?", "answer": "<p>Non, pas pour le judo.</p>"}],
                },
            },
            {"type": "call_to_action", "value": {"text": "Voir les séjours", "page": link_page.pk, "url": ""}},
        ]
    )


@pytest.fixture
def club_site(live_site):
    site = Site.objects.get(is_default_site=True)
    privacy = StandardPageFactory(parent=live_site, title="Politique de confidentialité", slug="confidentialite")
    club = ClubSettings.for_site(site)
    club.contact_email = "secretariat@le-po.test"
    club.phone = "01 42 00 00 00"
    club.postal_address = "12 rue des Écoles\n75005 Paris"
    club.opening_hours = "Du lundi au vendredi, de 9 h à 18 h"
    club.privacy_page = privacy
    club.save()

    activities = ActivityIndexPageFactory(parent=live_site, intro="<p>Toutes les activités de la saison.</p>")
    stays = StayIndexPageFactory(parent=live_site, intro="<p>Les séjours des vacances.</p>")
    start = timezone.localdate() + datetime.timedelta(days=60)
    judo = ActivityPageFactory(
        parent=activities, title="Judo des petits", with_image=True, body=rich_body(stays), start_date=start
    )
    ActivityPageFactory(parent=activities, title="Chorale", not_yet_open=True)
    ActivityPageFactory(parent=activities, title="Théâtre", closed=True)
    ActivityPageFactory(parent=activities, title="Escalade", capacity=1)
    stay = StayPageFactory(
        parent=stays,
        title="Neige à Morzine",
        with_image=True,
        start_date=start,
        end_date=start + datetime.timedelta(days=6),
        what_to_bring="<ul><li>Des gants</li><li>Un bonnet</li></ul>",
    )
    StayGalleryImage.objects.create(
        stay=stay, image=ImageFactory(description="Trois enfants sur une luge"), caption="La descente en luge"
    )
    StayGalleryImage.objects.create(stay=stay, image=ImageFactory(), caption="")
    StayPageFactory(parent=stays, title="Mer à Quiberon", not_yet_open=True)

    live_site.hero_image = ImageFactory()
    live_site.hero_text = "Activités, stages et séjours pour les 6-17 ans."
    live_site.hero_cta_page = stays
    live_site.hero_cta_text = "Découvrir PO Vacances"
    live_site.intro = "<p>Le PO accueille les enfants toute l'année.</p>"
    live_site.body = rich_body(activities)
    live_site.save()
    HomeFeaturedActivity.objects.create(page=live_site, activity=judo)

    parent = UserFactory(
        email="claire.martin@exemple.fr",
        first_name="Claire",
        last_name="Martin",
        account_status="validated",
        street="12 rue des Écoles",
        postal_code="75005",
        city="Paris",
    )
    EmailAddress.objects.create(user=parent, email=parent.email, verified=True, primary=True)
    lea = Child.objects.create(
        first_name="Léa",
        last_name="Martin",
        birth_date=start.replace(year=start.year - 8) - datetime.timedelta(days=30),
    )
    Guardianship.objects.create(child=lea, parent=parent, relationship="mere")
    enrollments.request_enrollments(parent, offer=judo, children=[lea])
    cache.clear()
    return {"activity": judo, "stay": stay, "parent": parent, "child": lea}


def log_in(page, parent):
    LoginPage(page).log_in(parent.email, PASSWORD)
    page.wait_for_url("**/espace-adherent/")


# The pages, in the order of one visit: the public ones, then the member area once logged in.


def visit(page, url):
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    # axe runs under the site's own policy: served from 'self', never inlined.
    assert "script-src 'self'" in response.headers.get("content-security-policy", ""), f"{url}: no CSP"


def opens(url):
    return lambda page, site: visit(page, url(site) if callable(url) else url)


def home_with_the_menu_open(page, site):
    visit(page, "/")
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()


def signup_with_errors(page, site):
    visit(page, "/compte/signup/")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("alert")).to_contain_text("champs sont à corriger")


def child_form_with_errors(page, site):
    visit(page, "/espace-adherent/enfants/ajouter/")
    page.get_by_role("button", name="Créer l'adhésion").click()
    expect(page.get_by_role("alert")).to_contain_text("à corriger")


def request_url(site):
    return f"/espace-adherent/inscriptions/demande/?offre={site['stay'].pk}"


def request_with_error(page, site):
    visit(page, request_url(site))
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("alert")).to_contain_text("Un champ est à corriger")


PUBLIC_PAGES = {
    "home": opens("/"),
    "activities": opens("/activites/"),
    "stays": opens("/po-vacances/"),
    "activity": opens(lambda site: site["activity"].url),
    "stay": opens(lambda site: site["stay"].url),
    "signup": opens("/compte/signup/"),
    "signup-errors": signup_with_errors,
    "login": opens("/compte/login/"),
}
MEMBER_PAGES = {
    "dashboard": opens("/espace-adherent/"),
    "child-form": opens("/espace-adherent/enfants/ajouter/"),
    "child-form-errors": child_form_with_errors,
    "enrollment-request": opens(request_url),
    "enrollment-request-errors": request_with_error,
}
# The menu is behind its toggle on a phone only.
PHONE_PAGES = {"home-menu-open": home_with_the_menu_open}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_main_pages_have_no_serious_accessibility_violation(new_page, club_site, viewport):
    """Every page audited in turn with one seeded site and one browser (a test per page would
    seed the site and start Chromium again each time); the violations of all pages are reported
    together."""
    page = new_page(viewport=VIEWPORTS[viewport])
    public_pages = {**PUBLIC_PAGES, **(PHONE_PAGES if viewport == "phone" else {})}
    failures = []

    def audit_all(pages):
        for name, open_page in pages.items():
            open_page(page, club_site)
            violations = audit(page)
            if violations:
                failures.append(f"{name} ({page.url}):\n{report(violations)}")

    audit_all(public_pages)
    log_in(page, club_site["parent"])
    audit_all(MEMBER_PAGES)
    assert not failures, f"axe-core ({viewport}), serious or critical violations:\n" + "\n".join(failures)


# Keyboard only


FOCUSED = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    return {
        tag: element.tagName.toLowerCase(),
        id: element.id,
        type: element.getAttribute("type") || "",
        text: (element.innerText || element.value || "").trim().slice(0, 60),
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
        shadow: style.boxShadow !== "none",
        focusVisible: element.matches(":focus-visible"),
        onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < window.innerHeight
            && box.right > 0 && box.left < window.innerWidth,
    };
}"""


def name_of(focused):
    if focused["id"]:
        return f"#{focused['id']}"
    return f"{focused['tag']}:{focused['text']}"


def press(page, key):
    """Press a key and return the element that has the focus then, which must show it."""
    page.keyboard.press(key)
    focused = page.evaluate(FOCUSED)
    assert focused["tag"] != "body", f"{key}: the focus is lost"
    if focused["tag"] != "main":  # the skip link's target, not a control
        assert focused["focusVisible"] and (focused["outline"] or focused["shadow"]), (
            f"{key}: the focus on {name_of(focused)} is not visible: {focused}"
        )
        assert focused["onScreen"], f"{key}: {name_of(focused)} has the focus off screen: {focused}"
    return focused


def skip_to_content(page):
    """The first Tab reaches the skip link, Enter takes the focus to the main content."""
    focused = press(page, "Tab")
    assert (focused["tag"], focused["text"]) == ("a", "Aller au contenu"), focused
    assert press(page, "Enter")["id"] == "contenu"


# A redirection keeps the fragment the skip link left in the address ("…/#contenu").
DASHBOARD_URL = re.compile(r"/espace-adherent/(#contenu)?$")


def tab_to(page, predicate, limit=25):
    """Tab until ``predicate(focused)``; returns the names of the elements on the way."""
    passed = []
    for _ in range(limit):
        focused = press(page, "Tab")
        passed.append(name_of(focused))
        if predicate(focused):
            return passed
    raise AssertionError(f"Not reached in {limit} Tabs; the focus went through {passed}")


PARENT = {
    "first_name": "Léa",
    "last_name": "Martin",
    "email": "lea.martin@exemple.fr",
    "password": "Un-mot-de-passe-solide-2026",
    "phone": "06 12 34 56 78",
    "street": "12 rue des Écoles",
    "postal_code": "75005",
    "city": "Paris",
    "club_message": "Mes enfants Jules et Emma Martin font du judo au PO.",
}


def test_sign_up_with_the_keyboard_alone(new_page, club_site):
    page = new_page(viewport=DESKTOP)
    page.goto("/compte/signup/")
    skip_to_content(page)
    assert press(page, "Tab")["text"] == "Connectez-vous"

    order = []

    def field(name, text=None):
        focused = press(page, "Tab")
        order.append(name_of(focused))
        assert name_of(focused) == f"#id_{name}", f"expected the field {name}, the focus is on {focused}"
        if text is not None:
            page.keyboard.type(text)
        return focused

    for name in ("first_name", "last_name", "email", "password1"):
        field(name, PARENT[name.removesuffix("1")] if name != "password1" else PARENT["password"])

    # "Afficher le mot de passe" shows what was typed; Shift+Tab goes back to the field.
    toggle = press(page, "Tab")
    assert toggle["text"] == "Afficher le mot de passe"
    page.keyboard.press("Space")
    assert page.locator("#id_password1").get_attribute("type") == "text"
    assert name_of(press(page, "Shift+Tab")) == "#id_password1"
    assert page.locator("#id_password1").input_value() == PARENT["password"]
    assert press(page, "Tab")["text"] == "Masquer le mot de passe"

    for name in ("phone", "street", "postal_code", "city"):
        field(name, PARENT[name])
    # The radio group: Tab reaches the checked choice (by e-mail); the arrow keys move the choice.
    assert field("notification_preference_0")["type"] == "radio"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert name_of(press(page, "Tab")) == "#id_club_message"
    order.append("#id_club_message")
    page.keyboard.type(PARENT["club_message"])
    field("privacy_consent")
    page.keyboard.press("Space")
    assert page.locator("#id_privacy_consent").is_checked()
    privacy_link = press(page, "Tab")
    assert privacy_link["text"].startswith("Lire la politique de confidentialité"), privacy_link
    submit = press(page, "Tab")
    assert (submit["tag"], submit["text"]) == ("button", "Créer mon compte"), submit
    assert order == [
        "#id_first_name",
        "#id_last_name",
        "#id_email",
        "#id_password1",
        "#id_phone",
        "#id_street",
        "#id_postal_code",
        "#id_city",
        "#id_notification_preference_0",
        "#id_club_message",
        "#id_privacy_consent",
    ]
    page.keyboard.press("Enter")

    page.wait_for_url("**/compte/confirm-email/")
    parent = User.objects.get(email=PARENT["email"])
    assert (parent.first_name, parent.last_name, parent.city) == ("Léa", "Martin", "Paris")
    assert parent.notification_preference == "both"
    assert parent.club_message == PARENT["club_message"]


def test_enrollment_request_with_the_keyboard_alone(new_page, club_site):
    stay, lea = club_site["stay"], club_site["child"]
    page = new_page(viewport=DESKTOP)

    # The login form.
    page.goto("/compte/login/")
    skip_to_content(page)
    tab_to(page, lambda focused: focused["id"] == "id_login")
    page.keyboard.type(club_site["parent"].email)
    tab_to(page, lambda focused: focused["id"] == "id_password")
    page.keyboard.type(PASSWORD)
    tab_to(page, lambda focused: focused["text"] == "Se connecter")
    page.keyboard.press("Enter")
    page.wait_for_url(DASHBOARD_URL)

    # From the stay's public page to its request form.
    page.goto(stay.url)
    skip_to_content(page)
    tab_to(page, lambda focused: focused["text"] == "Demander l'inscription")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/espace-adherent/inscriptions/demande/\?offre={stay.pk}$"))

    # The form: tick Léa, write a message, send.
    skip_to_content(page)
    tab_to(page, lambda focused: focused["type"] == "checkbox")
    assert page.evaluate("document.activeElement.labels[0].innerText.trim()") == "Léa Martin"
    page.keyboard.press("Space")
    assert name_of(press(page, "Tab")) == "#id_comment"
    page.keyboard.type("Léa peut partager une chambre avec sa cousine.")
    submit = press(page, "Tab")
    assert (submit["tag"], submit["text"]) == ("button", "Envoyer la demande"), submit
    page.keyboard.press("Enter")

    page.wait_for_url(DASHBOARD_URL)
    expect(page.locator(".messages")).to_contain_text("Demande envoyée pour Léa : 1re demande pour")
    enrollment = Enrollment.objects.get(child=lea, offer=stay)
    assert enrollment.status == EnrollmentStatus.REQUESTED
    assert enrollment.parent_comment == "Léa peut partager une chambre avec sa cousine."
