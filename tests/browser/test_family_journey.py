"""Step 5 of the announcement in headless Chromium: a parent creates a child's membership;
the secretariat attaches a migrated child from the suggestions; the parent finds both."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from memberspace.families.models import Child, ChildStatus
from memberspace.legacy.models import LegacyContact
from tests.auth import give_totp
from tests.browser.pages import AdminAccountPage, ChildFormPage, LoginPage
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_parent_adds_a_child_and_the_secretariat_attaches_a_migrated_one(new_page, live_site, secretary):
    parent = UserFactory(
        email="claire.martin@exemple.fr",
        first_name="Claire",
        last_name="Martin",
        account_status="validated",
        club_message="Bonjour, mon fils Jules MARTIN fait de la chorale au PO.",
        postal_code="69003",
    )
    EmailAddress.objects.create(user=parent, email=parent.email, verified=True, primary=True)
    jules = Child.objects.create(
        first_name="Jules",
        last_name="Martin",
        birth_date=datetime.date(2014, 9, 5),
        status=ChildStatus.MIGRATED,
        legacy_id="1003",
    )
    LegacyContact.objects.create(child=jules, first_name="Claire", last_name="Martin", postal_code="69003")

    # The parent, on a phone, creates the membership of a younger child.
    page = new_page()
    LoginPage(page).log_in(parent.email, PASSWORD)
    page.wait_for_url("**/espace-adherent/")
    birth = timezone.localdate().replace(year=timezone.localdate().year - 6) - datetime.timedelta(days=30)
    form = ChildFormPage(page).open_from_dashboard()
    form.fill(
        {
            "relationship": "mere",
            "first_name": "Emma",
            "last_name": "Martin",
            "birth_date": birth.isoformat(),
            "sex": "Fille",
            "health_notes": "Allergie au lait",
        }
    ).submit()
    expect(page.locator(".messages")).to_contain_text("L'adhésion de Emma est créée.")
    expect(page.locator("main")).to_contain_text("Allergie au lait")
    page.goto("/espace-adherent/")
    expect(page.locator("#mes-enfants").locator("..")).to_contain_text("Emma Martin")

    # The secretariat, with its second factor, finds Jules among the suggestions and attaches him.
    EmailAddress.objects.create(user=secretary, email=secretary.email, verified=True, primary=True)
    secret = give_totp(secretary)
    staff = new_page(viewport={"width": 1280, "height": 900})
    LoginPage(staff).log_in(secretary.email, PASSWORD, totp_secret=secret)
    staff.wait_for_url("**/admin/")
    account = AdminAccountPage(staff).open(parent.pk)
    assert account.suggested() == ["Jules Martin"]
    account.attach("Jules", "Mère")
    expect(staff.locator(".messages")).to_contain_text("Jules Martin est rattaché(e) au compte de Claire Martin.")

    # The parent finds both children.
    page.reload()
    children = page.locator("#mes-enfants").locator("..")
    expect(children).to_contain_text("Emma Martin")
    expect(children).to_contain_text("Jules Martin")
