"""Issue 15's waiting list, walked through on a 360 px phone in headless Chromium.

A stay of 40 places, all 40 validated. A mother's request comes 41st: her dashboard tells
her so, and that she is the first family on the waiting list. The secretariat cancels a
validated enrollment: the freed place is offered to her at once, by email and by SMS, each
with the answer link and the deadline. She opens the email's « J'accepte » link on her
phone (not signed in there), accepts, and finds the enrollment validated on her dashboard
with the deposit to pay and its date. The family behind her is offered the next freed
place, lets it expire, and the schedule's run offers it to the family after.

The records before the journey are made with factories and the services, not through the
browser. Screenshots go to ``/tmp/journey15-*.png`` (``SCREENSHOT_DIR`` chooses another
folder), to be looked at after a change of layout.
"""

import datetime
import os
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone, translation
from playwright.sync_api import expect
from wagtail.models import Site

from memberspace.enrollments import services
from memberspace.enrollments.models import EnrollmentStatus, PlaceOffer, PlaceOfferStatus
from memberspace.notifications.models import Notification
from memberspace.notifications.sms import to_gsm
from pages import formatting
from pages.models import ClubSettings
from tests.browser.pages import (
    DashboardPage,
    LoginPage,
    PlaceOfferAnswerPage,
    link_in_html_mail,
    scroll_width,
)
from tests.factories import (
    PASSWORD,
    ChildFactory,
    EnrollmentFactory,
    ParentFactory,
    StayIndexPageFactory,
    StayPageFactory,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 360, "height": 740}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or tempfile.gettempdir())
NBSP = "\u00a0"
STAY = "Voile à Quiberon"


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"journey15-{name}.png", full_page=True, animations="disabled")


def french(function, *args):
    with translation.override("fr"):
        return function(*args)


def waiting_family(stay, first_name, last_name, child_name, phone):
    """A validated parent and her child, who requests ``stay`` (through the service, as the request page does)."""
    parent = ParentFactory(
        email=f"{first_name.lower()}.{last_name.lower()}@exemple.fr",
        first_name=first_name,
        last_name=last_name,
        phone=phone,
    )
    child = ChildFactory(first_name=child_name, last_name=last_name, guardians=[parent])
    (enrollment,) = services.request_enrollments(parent, offer=stay, children=[child])
    return parent, enrollment


def answer_link(accept_link, place_offer, guardian):
    """The answer page's address in an « J'accepte » link, checked to be ``guardian``'s for ``place_offer``."""
    link, query = accept_link.split("?")
    assert query == "reponse=accepter"
    prefix = f"{settings.SITE_BASE_URL}/espace-adherent/place-proposee/"
    assert link.startswith(prefix) and link.endswith("/")
    assert services.read_answer_token(link.removeprefix(prefix).rstrip("/")) == (place_offer.pk, guardian.pk)
    return link


def only_message_to(parent, kind):
    """The one email of ``kind`` sent to ``parent``, by its notification's subject."""
    subject = Notification.objects.get(user=parent, kind=kind, channel=Notification.Channel.EMAIL).subject
    (message,) = [message for message in mail.outbox if message.to == [parent.email] and message.subject == subject]
    return message


def only_sms_to(parent, sms_outbox):
    (body,) = [body for to, body, _id in sms_outbox if to == parent.phone]
    return body


def cancel_for_next(cancelled, waiting, secretary, sms_outbox):
    """The secretariat cancels ``cancelled``; the freed place is offered to ``waiting``, whose place offer this returns.

    The outboxes are emptied first, so that they then hold only the offer's messages.
    """
    mail.outbox.clear()
    sms_outbox.clear()
    services.cancel_by_staff(cancelled, by=secretary)
    waiting.refresh_from_db()
    assert waiting.status == EnrollmentStatus.OFFERED
    return waiting.place_offer


def test_the_41st_family_is_offered_a_freed_place_on_her_phone_accepts_it_and_the_line_moves_on(
    new_page, live_site, secretary, sms_outbox, client, django_assert_num_queries
):
    club = ClubSettings.for_site(Site.objects.get(is_default_site=True))
    club.deposit_due_days = 15
    club.place_offer_hours = 48
    club.save()
    stay = StayPageFactory(
        parent=StayIndexPageFactory(parent=live_site),
        title=STAY,
        capacity=40,
        price=Decimal("620.00"),
        deposit_amount=Decimal("180.00"),
    )
    validated = [EnrollmentFactory(offer=stay, validated=True, arrival=number) for number in range(1, 41)]
    claire, lea = waiting_family(stay, "Claire", "Martin", "Léa", "+33611000041")
    nadia, yanis = waiting_family(stay, "Nadia", "Benali", "Yanis", "+33611000042")
    julien, tom = waiting_family(stay, "Julien", "Petit", "Tom", "+33611000043")
    assert [e.status for e in (lea, yanis, tom)] == [EnrollmentStatus.WAITLISTED] * 3
    assert [(e.line_position(), e.waiting_rank()) for e in (lea, yanis, tom)] == [(41, 1), (42, 2), (43, 3)]

    # Claire, on her phone, reads her rank on her dashboard: seven queries, the ranks in one of them, the
    # years of her attestations de paiement in another (the site's menu and settings, cached once read,
    # are read by a first visit).
    client.force_login(claire)
    client.get("/espace-adherent/")
    with django_assert_num_queries(7):
        assert client.get("/espace-adherent/").status_code == 200
    page = new_page(viewport=NARROW)
    LoginPage(page).log_in(claire.email, PASSWORD)
    page.wait_for_url("**/espace-adherent/")
    dashboard = DashboardPage(page)
    expect(dashboard.status_of("Léa Martin", STAY)).to_have_text("Liste d'attente")
    expect(dashboard.enrollment("Léa Martin", STAY)).to_contain_text(
        "41e demande pour 40 places ; 1re famille en attente d'une place : "
        "une place libérée vous sera proposée dans l'ordre d'arrivée"
    )
    assert scroll_width(page) <= NARROW["width"]
    shoot(page, "01-dashboard-rank")

    # A family ahead cancels: the secretariat cancels its validated enrollment; the place is Claire's to take.
    offered = cancel_for_next(validated[0], lea, secretary, sms_outbox)
    assert offered.status == PlaceOfferStatus.OPEN and list(offered.enrollments.all()) == [lea]
    assert offered.expires_at == services.answer_deadline(offered.created_at, 48, club.place_offer_skip_nights)
    deadline = french(formatting.date_and_time, offered.expires_at)

    # By email and by SMS, each with the answer link (Claire's own, signed) and the deadline.
    email = only_message_to(claire, "place_offered")
    assert email.subject.endswith(f"répondez avant le {' '.join(deadline.split())}")  # spaces made plain
    assert f"Elle vous est réservée jusqu'au {deadline}." in email.body
    accept_link = link_in_html_mail(email, "J'accepte la place")
    link = answer_link(accept_link, offered, claire)
    assert accept_link in email.body
    sms = only_sms_to(claire, sms_outbox)
    assert f"Répondez avant le {to_gsm(deadline)} : {link}" in sms
    assert sms.endswith(f"{link} ({STAY})")  # whole: the link comes before the title, which alone could be cut
    assert sorted(
        Notification.objects.filter(user=claire, kind="place_offered", sent_at__isnull=False).values_list(
            "channel", flat=True
        )
    ) == ["email", "sms"]

    # She opens the email's « J'accepte » link on her phone, where her mail app's browser is not signed in.
    with django_assert_num_queries(7):
        assert Client().get(accept_link).status_code == 200
    answer_tab = new_page(viewport=NARROW)
    answer = PlaceOfferAnswerPage(answer_tab).open(accept_link)
    # Signed out, the page names no child (a forwarded link tells nothing of them): the message did.
    expect(answer_tab.get_by_role("heading", level=1)).to_have_text(
        f"Une place pour votre enfant à «{NBSP}{STAY}{NBSP}»"
    )
    expect(answer_tab.get_by_role("status")).to_contain_text(f"Cette place vous est réservée jusqu'au {deadline}.")
    # Accepting is the main button; letting the place go, which cannot be undone, asks to confirm first.
    expect(answer.accept_button()).to_have_class("button")
    expect(answer.leave_link()).to_have_class("button button--secondary")
    assert answer_tab.evaluate(
        "getComputedStyle(document.querySelector('a.button--secondary')).backgroundColor"
    ) != answer_tab.evaluate("getComputedStyle(document.querySelector('button.button')).backgroundColor")
    assert scroll_width(answer_tab) <= NARROW["width"]
    shoot(answer_tab, "02-answer-page")
    mail.outbox.clear()
    answer.accept()
    expect(answer_tab.locator(".messages")).to_contain_text(
        f"C'est noté : l'inscription de votre enfant à « {STAY} » est validée. "
        "Les modalités de paiement de l'acompte vous sont envoyées par e-mail."
    )
    expect(answer_tab.locator("main")).to_contain_text("La place est acceptée : l'inscription est validée.")
    expect(answer_tab.locator("main")).to_contain_text(f"Réglez l'acompte de 180{NBSP}€ avant le")
    expect(answer.accept_button()).to_have_count(0)
    assert scroll_width(answer_tab) <= NARROW["width"]
    shoot(answer_tab, "03-place-accepted")
    lea.refresh_from_db()
    offered.refresh_from_db()
    due = timezone.localdate() + datetime.timedelta(days=15)
    assert lea.status == EnrollmentStatus.VALIDATED
    assert (lea.deposit_amount, lea.deposit_due_date) == (Decimal("180.00"), due)
    assert (offered.status, offered.answered_by) == (PlaceOfferStatus.ACCEPTED, claire)
    due_text = french(formatting.day_month, due)
    assert f"réglez l'acompte de 180{NBSP}€ avant le {due_text}" in only_message_to(claire, "enrollment_validated").body

    # Back on her dashboard, signed in: validated, with the deposit to pay and its date.
    with django_assert_num_queries(7):  # the club's deposit terms, no rank to read any more
        assert client.get("/espace-adherent/").status_code == 200
    dashboard.open()
    expect(dashboard.status_of("Léa Martin", STAY)).to_have_text("Validée")
    expect(dashboard.enrollment("Léa Martin", STAY)).to_contain_text(
        f"Acompte : 180{NBSP}€ à régler avant le {due_text}."
    )
    assert scroll_width(page) <= NARROW["width"]
    shoot(page, "04-dashboard-validated")

    # The family behind her is offered the next freed place, and lets it expire.
    missed = cancel_for_next(validated[1], yanis, secretary, sms_outbox)
    missed_link = re.search(r"(https?://\S+/place-proposee/\S+/)", only_sms_to(nadia, sms_outbox)).group(1)
    answer_link(missed_link + "?reponse=accepter", missed, nadia)
    past = timezone.now() - datetime.timedelta(minutes=1)
    PlaceOffer.objects.filter(pk=missed.pk).update(expires_at=past)
    mail.outbox.clear()
    sms_outbox.clear()
    assert services.run_waiting_lists() == (1, 0)  # as the schedule runs it: one offer closed, none left to make
    missed.refresh_from_db()
    yanis.refresh_from_db()
    assert missed.status == PlaceOfferStatus.EXPIRED and yanis.status == EnrollmentStatus.CANCELLED
    told = only_message_to(nadia, "place_expired")
    assert told.subject == f"Délai passé : la place proposée à Yanis à « {STAY} »"
    assert f"n'a pas été acceptée avant le {french(formatting.date_and_time, past)}" in told.body

    # The next family is offered the place, from the old deadline, by email and SMS.
    tom.refresh_from_db()
    assert tom.status == EnrollmentStatus.OFFERED
    passed_on = tom.place_offer
    assert passed_on.status == PlaceOfferStatus.OPEN and list(passed_on.enrollments.all()) == [tom]
    assert passed_on.freed_at == past
    assert passed_on.expires_at == services.answer_deadline(passed_on.created_at, 48, club.place_offer_skip_nights)
    next_deadline = french(formatting.date_and_time, passed_on.expires_at)
    email = only_message_to(julien, "place_offered")
    assert f"Elle vous est réservée jusqu'au {next_deadline}." in email.body
    next_link = answer_link(link_in_html_mail(email, "J'accepte la place"), passed_on, julien)
    sms = only_sms_to(julien, sms_outbox)
    assert sms.endswith(f"Répondez avant le {to_gsm(next_deadline)} : {next_link} ({STAY})")
    assert sorted(
        Notification.objects.filter(user=julien, kind="place_offered", sent_at__isnull=False).values_list(
            "channel", flat=True
        )
    ) == ["email", "sms"]
    assert stay.enrollments.holding().count() == 40

    # Nadia's link, opened too late, says the place has gone to the next family.
    late = new_page(viewport=NARROW)
    PlaceOfferAnswerPage(late).open(missed_link + "?reponse=accepter")
    expect(late.locator("main")).to_contain_text("Le délai pour accepter cette place est passé")
    expect(PlaceOfferAnswerPage(late).accept_button()).to_have_count(0)
    shoot(late, "05-answer-page-expired")
