"""Page objects of the journeys: what a parent or the secretariat does, not where each field is."""

import re

from django.core import mail

from tests.admin_urls import admin_url
from tests.auth import totp_code


class SignupPage:
    def __init__(self, page):
        self.page = page

    def open(self):
        self.page.goto("/compte/signup/")
        return self

    def fill(self, details):
        page = self.page
        page.get_by_label("Votre prénom").fill(details["first_name"])
        page.get_by_label("Votre nom").fill(details["last_name"])
        page.get_by_label("Votre adresse e-mail").fill(details["email"])
        page.get_by_label("Choisissez un mot de passe").fill(details["password"])
        page.get_by_label("Votre téléphone portable").fill(details["phone"])
        page.get_by_label("Adresse (numéro et rue)").fill(details["street"])
        page.get_by_label("Code postal").fill(details["postal_code"])
        page.get_by_label("Commune").fill(details["city"])
        page.get_by_label(details["notification_label"], exact=True).check()
        page.get_by_label("Message à l'intention du club").fill(details["message"])
        return self

    def accept_privacy_policy(self):
        self.page.get_by_label("J'ai lu la politique de confidentialité").check()
        return self

    def submit(self):
        self.page.get_by_role("button", name="Créer mon compte").click()
        return self


def last_link_in_mail(pattern):
    for message in reversed(mail.outbox):
        match = re.search(pattern, message.body)
        if match:
            return match.group(0)
    raise AssertionError(f"No email with a link matching {pattern}")


class LoginPage:
    def __init__(self, page):
        self.page = page

    def log_in(self, email, password, totp_secret=None):
        page = self.page
        page.goto("/compte/login/")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Mot de passe", exact=True).fill(password)
        page.get_by_role("button", name="Se connecter").click()
        if totp_secret:
            page.get_by_label("Code").fill(totp_code(totp_secret, margin=12))
            page.get_by_role("button", name=re.compile("Se connecter|Valider|Connexion", re.I)).click()
        return page


class AdminAccountsPage:
    """The secretariat's "Comptes parents" in the Wagtail admin."""

    def __init__(self, page):
        self.page = page

    def open(self):
        self.page.goto(admin_url("accounts.parentaccount"))
        return self

    def validate(self, name):
        row = self.page.locator("table.listing tbody tr", has_text=name)
        row.get_by_role("link", name="Valider").click()
        self.page.get_by_role("button", name="Valider le compte").click()
        return self


class ChildFormPage:
    """The member area's "Créer l'adhésion d'un enfant"."""

    def __init__(self, page):
        self.page = page

    def open_from_dashboard(self):
        self.page.goto("/espace-adherent/")
        self.page.get_by_role("link", name="Ajouter un enfant").click()
        return self

    def fill(self, child):
        page = self.page
        page.get_by_label("Votre lien avec l'enfant").select_option(child["relationship"])
        page.get_by_label("Prénom de l'enfant").fill(child["first_name"])
        page.get_by_label("Nom de l'enfant", exact=True).fill(child["last_name"])
        page.get_by_label("Date de naissance").fill(child["birth_date"])
        page.get_by_label(child["sex"], exact=True).check()
        page.get_by_label("Informations de santé").fill(child["health_notes"])
        page.get_by_label("Non", exact=True).check()
        return self

    def submit(self):
        self.page.get_by_role("button", name="Créer l'adhésion").click()
        return self


class AdminAccountPage:
    """A parent's account in the admin, with the children the matching suggests."""

    def __init__(self, page):
        self.page = page

    def open(self, account_pk):
        self.page.goto(admin_url("accounts.parentaccount", "inspect", account_pk))
        return self

    # The children suggested, one table per household (homonyms, folded, are not suggestions).
    SUGGESTED_ROWS = "#suggestions ~ section.legacy-household tbody tr"

    def suggested(self):
        rows = self.page.locator(self.SUGGESTED_ROWS)
        return [rows.nth(index).locator("td").first.inner_text() for index in range(rows.count())]

    def attach(self, first_name, relationship_label):
        row = self.page.locator(self.SUGGESTED_ROWS, has_text=first_name)
        row.get_by_label("Lien").select_option(label=relationship_label)
        row.get_by_role("button", name=f"Rattacher {first_name}").click()
        return self


def log_in_where_sent(page, email, password):
    """Fill the login form a protected page sent the visitor to (the ``next`` it carries is kept)."""
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    return page


class EnrollmentRequestPage:
    """The member area's "Demander l'inscription à « … »", reached from an offer's public page."""

    def __init__(self, page):
        self.page = page

    def open_from_offer(self, offer_url):
        self.page.goto(offer_url)
        # On a phone the offer page shows it twice: in its facts, and in the bar kept in sight (the one clicked).
        self.page.locator(".offer__cta-bar").get_by_role("link", name="Demander l'inscription").click()
        return self

    def fill(self, children, comment=""):
        for name in children:
            self.page.get_by_label(name, exact=True).check()
        self.page.get_by_label("Un message pour le club").fill(comment)
        return self

    def submit(self):
        self.page.get_by_role("button", name="Envoyer la demande").click()
        return self


class DashboardPage:
    """The member area's dashboard: each child's card with its upcoming enrollments."""

    def __init__(self, page):
        self.page = page

    def open(self):
        self.page.goto("/espace-adherent/")
        return self

    def enrollment(self, child_name, offer_title):
        card = self.page.locator(".child-card", has=self.page.get_by_role("heading", name=child_name))
        return card.get_by_role("listitem").filter(has=self.page.get_by_role("link", name=offer_title))

    def status_of(self, child_name, offer_title):
        return self.enrollment(child_name, offer_title).locator(".status-label")

    def open_enrollment(self, child_name, offer_title):
        self.enrollment(child_name, offer_title).get_by_role("link", name=offer_title).click()
        return self


class AdminEnrollmentsPage:
    """The secretariat's "Inscriptions" in the Wagtail admin, offer by offer."""

    def __init__(self, page):
        self.page = page

    def open(self, offer_pk):
        self.page.goto(admin_url("enrollments.enrollment") + f"?offre={offer_pk}")
        return self

    def row(self, child_name):
        return self.page.locator("table.listing tbody tr", has_text=child_name)

    def validate(self, child_name):
        self.row(child_name).get_by_role("link", name="Valider", exact=True).click()
        self.page.get_by_role("button", name="Valider et envoyer les modalités d'acompte").click()
        return self


class SecretariatMenu:
    """The "Secrétariat" menu of the admin's sidebar: its screens (Inscriptions, Comptes parents…)."""

    def __init__(self, page):
        self.page = page

    def open(self):
        self.page.locator("#wagtail-sidebar").get_by_role("button", name="Secrétariat").click()
        expect_visible(self.flyout())
        return self

    def flyout(self):
        return self.page.locator(".sidebar-sub-menu-panel").filter(has_text="Comptes parents")

    def go_to(self, label):
        self.flyout().get_by_role("link", name=label, exact=True).click()
        return self


class AdminListing:
    """One of the secretariat's listings in the admin: its rows, a row by its text, its filters."""

    def __init__(self, page):
        self.page = page

    def open(self, path):
        self.page.goto(path)
        return self

    def rows(self):
        return self.page.locator("table.listing tbody tr")

    def row(self, text):
        return self.rows().filter(has_text=text)

    def choose_filter(self, choice):
        self.page.locator(".changelist-filter").get_by_role("link", name=choice, exact=True).click()
        return self


def expect_visible(locator):
    from playwright.sync_api import expect

    expect(locator).to_be_visible()
    return locator


class PlaceOfferAnswerPage:
    """The page an offered place's email and SMS link to: accept the place, or let it go (no sign-in)."""

    def __init__(self, page):
        self.page = page

    def open(self, link):
        self.page.goto(link)
        return self

    def accept_button(self):
        return self.page.get_by_role("button", name="J'accepte la place")

    def leave_link(self):
        return self.page.get_by_role("link", name="Je laisse ma place")

    def accept(self):
        self.accept_button().click()
        return self


def link_in_html_mail(message, text):
    """The address of the link reading ``text`` in ``message``'s HTML part (what a mail app shows)."""
    import html

    (body, _mimetype), *_ = message.alternatives
    for href, label in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', body, re.S):
        if html.unescape(label).strip() == text:
            return html.unescape(href)
    raise AssertionError(f"No link « {text} » in the email « {message.subject} »")


def scroll_width(page):
    """The page's width as laid out: more than the viewport's means a horizontal scroll."""
    return page.evaluate("document.documentElement.scrollWidth")
