"""The secretariat's guide (docs/guide-secretariat.md) and its screenshots, taken of the real admin.

One secretary, signed in with her second factor, does in headless Chromium every task the guide
describes: validate, refuse and suspend parents' accounts, attach migrated children from the
suggestions, decide on enrollment requests, record a deposit, export a roster, resend a failed
notification. Each step is checked (state in the database, message on screen, downloaded file)
and photographed, so that the guide's pictures are those of the admin as it is.

The data are fixed (names, amounts, times of day relative to today, references) so that
the pictures come out the same run after run. ``make guide`` (REFRESH_GUIDE=1) runs the test
to refresh them in docs/guide/; any other run photographs into a temporary folder and leaves
the checkout as it was.
"""

import csv
import datetime
import io
import os
import re
from decimal import Decimal

import openpyxl
import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Site

from memberspace.accounts.models import AccountStatus, User
from memberspace.enrollments import services as enrollment_service
from memberspace.enrollments.models import Enrollment, EnrollmentStatus
from memberspace.families.models import Child, ChildStatus
from memberspace.legacy.models import LegacyContact
from memberspace.notifications.models import Notification
from memberspace.payments import services as payment_service
from memberspace.payments.models import Method
from pages.models import ClubSettings
from tests.admin_urls import admin_url
from tests.auth import give_totp
from tests.browser.pages import (
    AdminAccountPage,
    AdminEnrollmentsPage,
    AdminListing,
    LoginPage,
    SecretariatMenu,
)
from tests.factories import (
    PASSWORD,
    ActivityIndexPageFactory,
    ActivityPageFactory,
    ChildFactory,
    ParentFactory,
    StayIndexPageFactory,
    StayPageFactory,
)

NBSP = "\u00a0"

GUIDE = "docs/guide-secretariat.md"
DESKTOP = {"width": 1280, "height": 900}
TALL = {"width": 1280, "height": 2400}  # for the pictures of a part of a long page
SETTLE_MS = 400

# Every picture of the guide, in the guide's order; the test writes each of them.
SCREENSHOTS = (
    "01-menu-secretariat.png",
    "02-comptes-parents.png",
    "03-valider-compte.png",
    "04-refuser-compte.png",
    "05-suggestions-enfants.png",
    "06-enfants-rattaches.png",
    "07-inscriptions-offre.png",
    "08-valider-inscription.png",
    "09-refuser-inscription.png",
    "10-acompte-recu.png",
    "11-exporter-liste.png",
    "12-notifications-echec.png",
    "13-renvoyer-notification.png",
)

STAY = "Séjour neige à Morzine"
ACTIVITY = "Judo 6-8 ans"


def images_in_guide():
    text = (settings.BASE_DIR / GUIDE).read_text(encoding="utf-8")
    return re.findall(r"!\[[^\]]*\]\(guide/([^)\s]+)\)", text)


def test_every_picture_of_the_guide_is_taken_by_the_test():
    referenced = images_in_guide()
    assert referenced, "the guide shows no picture"
    assert sorted(set(referenced)) == sorted(SCREENSHOTS)
    missing = [name for name in SCREENSHOTS if not (settings.BASE_DIR / "docs" / "guide" / name).is_file()]
    assert not missing, f"run this module's browser test to take {missing}"


# The data


def at(days_ago, hour, minute, second=0):
    """A fixed time of a day before today: what the listings show stays the same run after run."""
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute, second)))


def born(age, before):
    """A birth date making the child ``age`` on ``before`` (some weeks past a birthday)."""
    return datetime.date(before.year - age, before.month, min(before.day, 28)) - datetime.timedelta(days=40)


def parent(email, first_name, last_name, status=AccountStatus.VALIDATED, **fields):
    return ParentFactory(
        email=email, first_name=first_name, last_name=last_name, account_status=status, phone="+33611223344", **fields
    )


def child_of(guardian, first_name, birth_date, relationship="mere"):
    return ChildFactory(
        first_name=first_name, last_name=guardian.last_name, birth_date=birth_date, guardians=[(guardian, relationship)]
    )


def request(guardian, child, offer, requested_at, comment=""):
    """A request made through the service, at a fixed time, numbered in the order of the requests.

    The reference is numbered as in a new database, whichever tests ran before in this one.
    """
    (enrollment,) = enrollment_service.request_enrollments(guardian, offer=offer, children=[child], comment=comment)
    number = Enrollment.objects.count()  # this one included
    Enrollment.objects.filter(pk=enrollment.pk).update(
        requested_at=requested_at, reference=f"PO-{requested_at.year}-{number:05d}"
    )
    enrollment.refresh_from_db()
    return enrollment


def build_club(home, secretary):
    """The club as the guide shows it: accounts waiting, migrated children, requests, a failed email."""
    club = ClubSettings.for_site(Site.objects.get(is_default_site=True))
    club.contact_email = "secretariat@le-po.test"
    club.phone = "01 42 00 00 00"
    club.deposit_due_days = 15
    club.bank_account_holder = "Association Le PO"
    club.iban = "FR7630006000011234567890189"
    club.bic = "AGRIFRPP"
    club.cheque_payee = "Le PO"
    club.save()
    now = timezone.now()

    # Accounts: three waiting for the club (the oldest first), one validated.
    parent(
        "claire.martin@exemple.fr",
        "Claire",
        "Martin",
        AccountStatus.PENDING,
        pending_since=now - datetime.timedelta(hours=30),
        postal_code="69003",
        club_message="Bonjour, mes enfants Jules et Emma Martin étaient au judo et au théâtre l'an dernier.",
    )
    parent(
        "julien.moreau@exemple.fr",
        "Julien",
        "Moreau",
        AccountStatus.PENDING,
        pending_since=now - datetime.timedelta(hours=20),
        club_message="Je voudrais inscrire mon neveu Théo au séjour de février.",
    )
    parent(
        "karim.benali@exemple.fr",
        "Karim",
        "Benali",
        AccountStatus.PENDING,
        pending_since=now - datetime.timedelta(hours=3),
        club_message="Nouvelle famille, ma fille Nour a 7 ans.",
    )
    parent("sandrine.roux@exemple.fr", "Sandrine", "Roux")

    # The old database: Claire Martin's two children, and a child of another family.
    for first_name, birth_date, legacy_id in (
        ("Jules", datetime.date(2016, 9, 5), "1003"),
        ("Emma", datetime.date(2019, 3, 14), "1004"),
    ):
        child = Child.objects.create(
            first_name=first_name,
            last_name="Martin",
            birth_date=birth_date,
            status=ChildStatus.MIGRATED,
            legacy_id=legacy_id,
            legacy_activities="Judo 2024-2025",
        )
        LegacyContact.objects.create(
            child=child, first_name="Claire", last_name="Martin", email="claire.martin@exemple.fr", postal_code="69003"
        )
    Child.objects.create(
        first_name="Adam", last_name="Girard", birth_date=datetime.date(2015, 6, 1), status=ChildStatus.MIGRATED
    )

    # Offers: a stay of two places, one taken, with four requests; an activity with one request.
    start = timezone.localdate() + datetime.timedelta(days=60)
    stay = StayPageFactory(
        parent=StayIndexPageFactory(parent=home),
        title=STAY,
        capacity=2,
        start_date=start,
        end_date=start + datetime.timedelta(days=6),
        price=Decimal("690.00"),
        deposit_amount=Decimal("200.00"),
    )
    judo = ActivityPageFactory(parent=ActivityIndexPageFactory(parent=home), title=ACTIVITY, start_date=start)
    families = {}
    for email, first_name, last_name, child_name, age in (
        ("marc.garcia@exemple.fr", "Marc", "Garcia", "Chloé", 9),
        ("isabelle.lambert@exemple.fr", "Isabelle", "Lambert", "Louise", 8),
        ("nathalie.bernard@exemple.fr", "Nathalie", "Bernard", "Hugo", 10),
        ("aurelie.petit@exemple.fr", "Aurélie", "Petit", "Inès", 7),
        ("thomas.leroy@exemple.fr", "Thomas", "Leroy", "Nathan", 9),
    ):
        guardian = parent(email, first_name, last_name)
        families[child_name] = (guardian, child_of(guardian, child_name, born(age, start)))
    chloe = request(*families["Chloé"], stay, at(9, 20, 41, 7))
    enrollment_service.validate(chloe, by=secretary)
    payment_service.record_payment(chloe, amount="200", method=Method.TRANSFER, by=secretary)
    request(*families["Louise"], stay, at(4, 18, 2, 15), "Louise voudrait être avec son amie Chloé Garcia.")
    request(*families["Hugo"], stay, at(3, 21, 30, 48))
    request(*families["Inès"], stay, at(2, 12, 5, 33), "Inès n'a jamais skié.")
    request(*families["Nathan"], stay, at(1, 8, 47, 2))
    request(families["Inès"][0], child_of(families["Inès"][0], "Lina", born(6, start)), judo, at(2, 12, 9, 10))

    # The email confirming Chloé's place bounced: the mailbox was full.
    Notification.objects.filter(user=families["Chloé"][0], kind="enrollment_validated").update(
        status=Notification.Status.FAILED,
        attempts=5,
        created_at=at(9, 21, 3, 12),
        sent_at=None,
        last_error="SMTPRecipientsRefused: 552 5.2.2 Boîte aux lettres pleine (marc.garcia@exemple.fr)",
    )
    mail.outbox.clear()
    return stay


# The walk through the guide


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_secretariat_does_what_the_guide_says(new_page, live_site, secretary, tmp_path):
    stay = build_club(live_site, secretary)
    EmailAddress.objects.create(user=secretary, email=secretary.email, verified=True, primary=True)
    secret = give_totp(secretary)
    page = new_page(viewport=DESKTOP)
    taken = []

    def shoot(name, *regions, whole_width=False, clip=None):
        """The viewport, or the part of the page the regions cover, into docs/guide/name (``make guide``).

        ``whole_width``: from the top of the page, the sidebar included, down to the regions.
        ``clip``: that part of the viewport.
        """
        assert name in SCREENSHOTS and name not in taken, name
        path = (settings.BASE_DIR / "docs" / "guide" if os.environ.get("REFRESH_GUIDE") else tmp_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        page.mouse.move(1200, 10)  # away from the sidebar and the rows: no hover effect in the picture
        page.wait_for_timeout(SETTLE_MS)  # the sidebar's and the menu's transitions over
        if clip:
            page.screenshot(path=path, clip=clip, animations="disabled")
        elif regions:
            # The admin scrolls inside its own frame: a page tall enough shows the regions whole.
            page.set_viewport_size(TALL)
            clip = covering(page, regions)
            if whole_width:
                clip = {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": clip["y"] + clip["height"]}
            page.screenshot(path=path, clip=clip, animations="disabled")
            page.set_viewport_size(DESKTOP)
        else:
            page.screenshot(path=path, animations="disabled")
        assert path.read_bytes().startswith(b"\x89PNG"), name
        taken.append(name)

    messages = page.locator(".messages")

    # Signing in: password, then the code of the authenticator app.
    LoginPage(page).log_in(secretary.email, PASSWORD, totp_secret=secret)
    page.wait_for_url("**/admin/")
    menu = SecretariatMenu(page).open()
    page.wait_for_timeout(SETTLE_MS)  # the menu slides in
    panel, last = menu.flyout().bounding_box(), menu.flyout().get_by_role("link").last.bounding_box()
    shoot(
        "01-menu-secretariat.png", clip={"x": 0, "y": 0, "width": panel["x"] + panel["width"], "height": last["y"] + 60}
    )

    # 1. Parents' accounts: the listing, pending ones first.
    menu.go_to("Comptes parents")
    page.wait_for_url("**" + admin_url("accounts.parentaccount"))
    accounts = AdminListing(page)
    expect(accounts.rows()).to_have_count(9)
    expect(accounts.rows().first).to_contain_text("Claire Martin")
    expect(accounts.row("Claire Martin")).to_contain_text("En attente de validation")
    expect(accounts.row("Claire Martin")).to_contain_text("ouvrée")  # « attend depuis 30 heures ouvrées » on a weekday
    shoot("02-comptes-parents.png")

    # 2. Before validating, her page: the children of the old database the matching suggests.
    accounts.row("Claire Martin").get_by_role("link", name="Claire Martin").click()
    claire = User.objects.get(email="claire.martin@exemple.fr")
    page.wait_for_url("**" + admin_url("accounts.parentaccount", "inspect", claire.pk))
    account = AdminAccountPage(page)
    assert sorted(account.suggested()) == ["Emma Martin", "Jules Martin"]
    shoot(
        "05-suggestions-enfants.png",
        page.locator("#suggestions"),
        page.locator("#suggestions ~ section.legacy-household").last,
    )
    account.attach("Jules", "Mère")
    expect(messages).to_contain_text("Jules Martin est rattaché(e) au compte de Claire Martin.")
    account.attach("Emma", "Mère")
    expect(messages).to_contain_text("Emma Martin est rattaché(e) au compte de Claire Martin.")
    assert set(claire.children.values_list("first_name", flat=True)) == {"Jules", "Emma"}
    assert not Child.objects.filter(guardianships__parent=claire).exclude(status=ChildStatus.ACTIVE).exists()
    attached = page.get_by_role("heading", name="Enfants rattachés")
    expect(attached.locator("+ ul")).to_contain_text("Jules Martin")
    expect(page.locator("#suggestions + p")).to_contain_text("Aucune suggestion")
    shoot("06-enfants-rattaches.png", attached, page.locator("#suggestions + p"))

    # 1 again: validate the account, from the listing.
    AdminListing(page).open(admin_url("accounts.parentaccount"))
    accounts.row("Claire Martin").get_by_role("link", name="Valider", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Valider le compte")
    shoot("03-valider-compte.png", page.locator("main form").last, whole_width=True)
    page.get_by_role("button", name="Valider le compte").click()
    expect(messages).to_contain_text("Le compte de Claire Martin est validé ; le parent est prévenu.")
    claire.refresh_from_db()
    assert claire.account_status == AccountStatus.VALIDATED
    assert any(message.to == [claire.email] and "validé" in message.subject for message in mail.outbox)

    # Refuse an account, with the reason the parent will read.
    accounts.row("Julien Moreau").get_by_role("link", name="Refuser", exact=True).click()
    reason = "Le compte doit être créé par un responsable légal de Théo : demandez à ses parents de créer le leur."
    page.get_by_label("Motif").fill(reason)
    shoot("04-refuser-compte.png", page.locator("main form").last, whole_width=True)
    page.get_by_role("button", name="Refuser le compte").click()
    expect(messages).to_contain_text("Le compte de Julien Moreau est refusé ; le parent est prévenu.")
    julien = User.objects.get(email="julien.moreau@exemple.fr")
    assert julien.account_status == AccountStatus.REJECTED and julien.status_reason == reason

    # Suspend a validated account (and it could be reinstated the same way).
    accounts.row("Sandrine Roux").get_by_role("link", name="Suspendre", exact=True).click()
    page.get_by_label("Motif").fill("Adresse e-mail en échec : merci de mettre à jour vos coordonnées.")
    page.get_by_role("button", name="Suspendre le compte").click()
    expect(messages).to_contain_text("Le compte de Sandrine Roux est suspendu.")
    assert User.objects.get(email="sandrine.roux@exemple.fr").account_status == AccountStatus.SUSPENDED
    expect(accounts.row("Sandrine Roux").get_by_role("link", name="Rétablir", exact=True)).to_be_visible()

    # 3. Enrollments: the listing, then the stay chosen in the filter.
    SecretariatMenu(page).open().go_to("Inscriptions")
    page.wait_for_url("**" + admin_url("enrollments.enrollment"))
    requests = AdminListing(page)
    expect(requests.rows()).to_have_count(6)
    requests.choose_filter(STAY)
    page.wait_for_url(re.compile(rf"\?offre={stay.pk}"))
    expect(requests.rows()).to_have_count(5)
    figures = page.locator(".offer-figures")
    expect(figures).to_contain_text("À décider")
    shoot("07-inscriptions-offre.png")

    enrollments = AdminEnrollmentsPage(page)
    enrollments.row("Louise Lambert").get_by_role("link", name="Valider", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Valider l'inscription")
    shoot("08-valider-inscription.png", page.locator("main form").last, whole_width=True)
    page.get_by_role("button", name="Valider et envoyer les modalités d'acompte").click()
    expect(messages).to_contain_text(f"Inscription de Louise Lambert à « {STAY} » validée ; les parents reçoivent")
    louise = Enrollment.objects.get(child__first_name="Louise")
    assert louise.status == EnrollmentStatus.VALIDATED and louise.validated_by == secretary
    assert any("isabelle.lambert@exemple.fr" in message.to for message in mail.outbox)

    enrollments.row("Hugo Bernard").get_by_role("link", name="Liste d'attente", exact=True).click()
    page.get_by_role("button", name="Mettre en liste d'attente").click()
    expect(messages).to_contain_text(f"Hugo Bernard est sur la liste d'attente de « {STAY} »")
    assert Enrollment.objects.get(child__first_name="Hugo").status == EnrollmentStatus.WAITLISTED

    enrollments.row("Inès Petit").get_by_role("link", name="Refuser", exact=True).click()
    refusal = "Ce séjour est réservé aux enfants qui skient déjà ; le stage « Premières glisses » lui conviendra."
    page.get_by_label("Motif du refus").fill(refusal)
    shoot("09-refuser-inscription.png", page.locator("main form").last, whole_width=True)
    page.get_by_role("button", name="Refuser l'inscription").click()
    expect(messages).to_contain_text(f"Inscription de Inès Petit à « {STAY} » refusée")
    ines = Enrollment.objects.get(child__first_name="Inès")
    assert ines.status == EnrollmentStatus.REFUSED and ines.refusal_reason == refusal

    # 4. The deposit arrived: "Enregistrer un paiement" on the row, the amount due already typed.
    enrollments.row("Louise Lambert").get_by_role("link", name="Enregistrer un paiement", exact=True).click()
    expect(page.get_by_label("Montant (€)")).to_have_value("200")
    page.get_by_label("Moyen de paiement").select_option(label="Chèque")
    page.get_by_label("Référence").fill("Chèque n° 4521873")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    expect(messages).to_contain_text(f"Paiement de 200{NBSP}€ enregistré pour Louise Lambert")
    louise.refresh_from_db()
    assert louise.status == EnrollmentStatus.DEPOSIT_RECEIVED and louise.deposit_received_at
    ledger = page.get_by_role("region", name="Paiements")
    expect(ledger).to_contain_text(f"Payé : 200{NBSP}€")
    expect(ledger).to_contain_text("Chèque n° 4521873")
    enrollments.open(stay.pk)
    expect(enrollments.row("Louise Lambert")).to_contain_text("Acompte reçu")
    expect(enrollments.row("Hugo Bernard")).to_contain_text("Liste d'attente")
    shoot("10-acompte-recu.png")

    # 5. The roster, as CSV and as XLSX.
    with page.expect_download() as download:
        figures.get_by_role("link", name="Exporter en CSV").click()
    assert download.value.suggested_filename.startswith("inscrits-sejour-neige-a-morzine-")
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Nom", "Prénom"]
    assert [row[:2] for row in rows[1:]] == [["Garcia", "Chloé"], ["Lambert", "Louise"]]
    assert "Isabelle Lambert" in rows[2] and "Acompte reçu" in rows[2]
    with page.expect_download() as download:
        figures.get_by_role("link", name="Exporter en XLSX").click()
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert [(row[0], row[1]) for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("Garcia", "Chloé"),
        ("Lambert", "Louise"),
    ]
    page.evaluate("document.activeElement.blur()")  # no focus ring on the button last clicked
    shoot("11-exporter-liste.png", figures)

    # 6. Notifications: the failed ones, and "Renvoyer".
    SecretariatMenu(page).open().go_to("Notifications envoyées")
    page.wait_for_url("**" + admin_url("notifications.notification") + "**")
    notifications = AdminListing(page)
    notifications.choose_filter("Échec")
    expect(notifications.rows()).to_have_count(1)
    expect(notifications.rows().first).to_contain_text("marc.garcia@exemple.fr")
    expect(notifications.rows().first).to_contain_text("5 tentatives")  # the error: on the inspect page
    shoot("12-notifications-echec.png")
    notifications.rows().first.get_by_role("link", name="Renvoyer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Renvoyer une notification")
    shoot("13-renvoyer-notification.png", page.locator("main form").last, whole_width=True)
    mail.outbox.clear()
    page.get_by_role("button", name="Renvoyer").click()
    expect(messages).to_contain_text("La notification à marc.garcia@exemple.fr est de nouveau en file d'envoi.")
    failed = Notification.objects.get(user__email="marc.garcia@exemple.fr", kind="enrollment_validated")
    assert failed.status == Notification.Status.SENT and failed.attempts == 1
    (resent,) = mail.outbox
    assert resent.to == ["marc.garcia@exemple.fr"] and "Chloé" in resent.subject

    assert sorted(taken) == sorted(SCREENSHOTS)


def covering(page, regions, margin=12):
    """The clip around the regions (the first element of each), with a margin."""
    boxes = [box for box in (region.first.bounding_box() for region in regions) if box]
    left = max(min(box["x"] for box in boxes) - margin, 0)
    top = max(min(box["y"] for box in boxes) - margin, 0)
    right = min(max(box["x"] + box["width"] for box in boxes) + margin, page.viewport_size["width"])
    bottom = min(max(box["y"] + box["height"] for box in boxes) + margin, page.viewport_size["height"])
    return {"x": left, "y": top, "width": right - left, "height": bottom - top}
