"""Enrollment requests by parents and the club's decisions: eligibility, transitions, messages."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from bs4 import BeautifulSoup
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment, EnrollmentStatus, set_positions
from memberspace.enrollments.services import EnrollmentError
from memberspace.notifications.models import Notification
from memberspace.payments import services as payments
from memberspace.payments.models import Method
from pages import formatting
from tests import dates
from tests.factories import (
    ActivityPageFactory,
    ChildFactory,
    ParentFactory,
    StayPageFactory,
    club_settings,
    week_stay,
)

pytestmark = pytest.mark.django_db

Status = EnrollmentStatus
REQUEST_URL = "/espace-adherent/inscriptions/demande/"


def parent(email, status="validated", **kwargs):
    return ParentFactory(email=email, account_status=status, **kwargs)


def child_of(*guardians, first_name="Léa", age_at_start=8, **fields):
    """A child ``age_at_start`` years old when the offers start (the factory's ages are today's)."""
    birth = dates.years_before(dates.offer_start(), age_at_start) - datetime.timedelta(days=30)
    return ChildFactory(first_name=first_name, birth_date=birth, guardians=guardians, **fields)


def text(response):
    return unescape(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


@pytest.fixture
def club(home):
    return club_settings(
        contact_email="secretariat@le-po.test",
        phone="01 42 00 00 00",
        deposit_due_days=15,
        bank_account_holder="Association Le PO",
        bank_name="Crédit Coopératif",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        cheque_payee="Le PO",
        cheque_address="12 rue des Écoles\n75005 Paris",
    )


@pytest.fixture
def stay(stay_index, club):
    return week_stay(
        stay_index,
        "Neige à Morzine",
        dates.offer_start(),
        capacity=2,
        price=Decimal("1250.50"),
        deposit_amount=Decimal("300.00"),
    )


@pytest.fixture
def mother(home):
    return parent("claire.martin@exemple.fr", first_name="Claire", last_name="Martin")


@pytest.fixture
def father(home):
    return parent("paul.martin@exemple.fr", first_name="Paul", last_name="Martin")


@pytest.fixture
def lea(mother, father):
    return child_of(mother, father)


def reasons(child, offer):
    return enrollments.eligibility(child, offer).reasons


# Eligibility: every rule gives its reason


def test_a_child_of_the_right_age_may_be_requested_for_an_open_offer(lea, stay):
    assert enrollments.eligibility(lea, stay).allowed


def test_the_age_is_taken_on_the_offer_start_date(mother, stay):
    too_young = child_of(mother, first_name="Tom", age_at_start=5)
    (reason,) = reasons(too_young, stay)
    assert reason.startswith("5 ans au ")
    assert reason.endswith(", hors des âges de l'offre (de 6 à 10 ans)")
    turns_six_before_start = child_of(mother, first_name="Zoé", age_at_start=6)
    assert reasons(turns_six_before_start, stay) == []


def test_registration_not_yet_open_or_closed_is_a_reason(lea, stay_index, club):
    soon = StayPageFactory(
        parent=stay_index, not_yet_open=True, start_date=dates.offer_start(), end_date=dates.offer_start()
    )
    closed = StayPageFactory(
        parent=stay_index, closed=True, start_date=dates.offer_start(), end_date=dates.offer_start()
    )
    assert reasons(lea, soon)[0].startswith("les inscriptions ouvrent le ")
    assert reasons(lea, closed) == ["les inscriptions sont closes"]


def test_a_child_already_requested_cannot_be_requested_again(lea, mother, stay):
    enrollments.request_enrollments(mother, offer=stay, children=[lea])
    assert reasons(lea, stay) == ["déjà demandée"]


def test_overlapping_stays_are_refused_but_not_activities_or_other_dates(lea, mother, stay, stay_index, activity_index):
    enrollments.request_enrollments(mother, offer=stay, children=[lea])
    overlapping = StayPageFactory(
        parent=stay_index,
        title="Mer",
        start_date=dates.offer_start() + datetime.timedelta(days=3),
        end_date=dates.offer_start() + datetime.timedelta(days=9),
    )
    later = StayPageFactory(
        parent=stay_index,
        start_date=dates.offer_start() + datetime.timedelta(days=7),
        end_date=dates.offer_start() + datetime.timedelta(days=9),
    )
    activity = ActivityPageFactory(
        parent=activity_index,
        start_date=dates.offer_start(),
        end_date=dates.offer_start() + datetime.timedelta(days=200),
    )
    assert reasons(lea, overlapping) == ["déjà inscrit(e) au séjour « Neige à Morzine » à ces dates"]
    assert reasons(lea, later) == []
    assert reasons(lea, activity) == []


def test_an_unpublished_offer_cannot_be_requested(lea, stay):
    stay.unpublish()
    assert "cette offre n'est plus proposée" in reasons(lea, stay)


def test_an_account_not_validated_cannot_request(home, stay):
    pending = parent("attente@exemple.fr", status="pending")
    child = child_of(pending)
    with pytest.raises(EnrollmentError, match="Votre compte doit d'abord être validé"):
        enrollments.request_enrollments(pending, offer=stay, children=[child])


def test_the_request_page_shows_every_child_with_the_reason_it_cannot_be_requested(client, mother, lea, stay):
    child_of(mother, first_name="Tom", age_at_start=4)
    client.force_login(mother)
    page = text(client.get(REQUEST_URL, {"offre": stay.pk}))
    assert "Tom : 4 ans au " in page
    assert "Léa" in page and "Envoyer la demande" in page
    overview = text(client.get(REQUEST_URL))
    assert "Inscrire Léa" in overview and "Tom : 4 ans au " in overview


def test_a_pending_account_is_told_why_it_cannot_request(client, home, stay):
    pending = parent("attente@exemple.fr", status="pending")
    client.force_login(pending)
    page = text(client.get(REQUEST_URL, {"offre": stay.pk}))
    assert "Votre compte doit d'abord être validé par le club" in page
    assert "Envoyer la demande" not in page


# Requests


def test_a_request_is_recorded_with_its_reference_and_every_guardian_is_told(client, mother, father, lea, stay):
    client.force_login(mother)
    response = client.post(REQUEST_URL, {"offre": stay.pk, "children": [lea.pk], "comment": "Covoiturage possible"})
    assert response.status_code == 302
    enrollment = Enrollment.objects.get()
    assert enrollment.status == Status.REQUESTED
    assert enrollment.requested_by == mother and enrollment.parent_comment == "Covoiturage possible"
    assert re.fullmatch(rf"PO-{enrollment.requested_at.year}-\d{{5}}", enrollment.reference)
    told = Notification.objects.filter(kind="enrollment_requested").values_list("address", flat=True)
    assert sorted(told) == ["claire.martin@exemple.fr", "paul.martin@exemple.fr"]
    message = Notification.objects.get(kind="enrollment_requested", address="paul.martin@exemple.fr")
    assert "Claire Martin" in message.body_text and "Neige à Morzine" in message.body_text
    assert ModelLogEntry.objects.filter(action="po.enrollment.request", object_id=str(enrollment.pk)).exists()


def test_the_other_guardian_sees_the_request_and_who_made_it(client, mother, father, lea, stay):
    enrollments.request_enrollments(mother, offer=stay, children=[lea])
    client.force_login(father)
    dashboard = text(client.get("/espace-adherent/"))
    # Léa is 7 today and 8 when the stay starts: the offer's age says its date.
    assert (
        f"Neige à Morzine (8 ans au {formatting.day_month(dates.offer_start())}) — Demandée 1re demande pour 2 places "
        "demandée par Claire" in dashboard
    )


def test_siblings_are_requested_together(client, mother, lea, stay):
    hugo = child_of(mother, first_name="Hugo", age_at_start=7)
    client.force_login(mother)
    client.post(REQUEST_URL, {"offre": stay.pk, "children": [lea.pk, hugo.pk]})
    assert sorted(Enrollment.objects.values_list("child__first_name", flat=True)) == ["Hugo", "Léa"]


def test_one_ineligible_sibling_stops_the_whole_request_and_keeps_the_message(mother, lea, stay):
    hugo = child_of(mother, first_name="Hugo", age_at_start=7)
    enrollments.request_enrollments(mother, offer=stay, children=[hugo])
    with pytest.raises(EnrollmentError, match="Hugo : déjà demandée"):
        enrollments.request_enrollments(mother, offer=stay, children=[lea, hugo])
    assert Enrollment.objects.count() == 1


def test_a_form_error_keeps_what_was_typed(client, mother, lea, stay):
    client.force_login(mother)
    response = client.post(REQUEST_URL, {"offre": stay.pk, "comment": "Mon message"})
    assert response.status_code == 200
    page = text(response)
    assert "Choisissez au moins un enfant." in page
    assert "Mon message" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_another_familys_child_cannot_be_requested(client, mother, stay):
    other = child_of(parent("autre@exemple.fr"), first_name="Noah")
    client.force_login(mother)
    response = client.post(REQUEST_URL, {"offre": stay.pk, "children": [other.pk]})
    assert response.status_code == 200
    assert "Noah" not in text(response)
    assert not Enrollment.objects.exists()
    with pytest.raises(EnrollmentError, match="vos propres enfants"):
        enrollments.request_enrollments(mother, offer=stay, children=[other])


def test_waiting_ranks_follow_arrival_on_each_offer_and_are_read_in_one_query(
    client, mother, stay, stay_index, django_assert_num_queries
):
    other = StayPageFactory(
        parent=stay_index, title="Mer à Biarritz", start_date=dates.offer_start(), end_date=dates.offer_start()
    )
    waiting = {}
    # Arrivals interleaved on two offers, numbered as the services number them; C and D came
    # together (siblings sent at once share their number, and the first recorded goes first).
    for name, offer, arrival in (("A", stay, 3), ("B", other, 1), ("C", stay, 1), ("D", stay, 2), ("E", other, 2)):
        waiting[name] = Enrollment.objects.create(
            child=child_of(mother, first_name=name), offer=offer, status=Status.WAITLISTED, arrival=arrival
        )
    Enrollment.objects.create(child=child_of(mother, first_name="F"), offer=stay, status=Status.VALIDATED, arrival=4)
    expected = {"A": 3, "B": 1, "C": 1, "D": 2, "E": 2}
    assert {name: Enrollment.objects.get(pk=e.pk).waiting_rank() for name, e in waiting.items()} == expected
    read = list(Enrollment.objects.select_related("child").filter(child__guardianships__parent=mother))
    with django_assert_num_queries(1):
        set_positions(read)
        ranks = {e.child.first_name: e.waiting_rank() for e in read}
        positions = {e.child.first_name: e.line_position() for e in read}
    assert ranks == {**expected, "F": None}
    assert positions == {**expected, "F": None}  # nobody before them but the waiting list
    client.force_login(mother)
    page = text(client.get("/espace-adherent/"))
    for name, rank in expected.items():
        ordinal = formatting.ordinal(rank, feminine=True)
        assert f"{name} Martin" in page and f"{ordinal} famille en attente d'une place" in page
    assert page.count("famille en attente d'une place") == 5


def test_siblings_sent_together_share_one_position(mother, lea, stay):
    hugo = child_of(mother, first_name="Hugo", age_at_start=7)
    first = child_of(parent("avant@exemple.fr"), first_name="Avant")
    enrollments.request_enrollments(first.guardians.get(), offer=stay, children=[first])
    pair = enrollments.request_enrollments(mother, offer=stay, children=[lea, hugo])
    assert {enrollment.arrival for enrollment in pair} == {2}
    last = child_of(parent("apres@exemple.fr"), first_name="Après")
    (after,) = enrollments.request_enrollments(last.guardians.get(), offer=stay, children=[last])
    read = list(Enrollment.objects.filter(offer=stay).in_line())
    set_positions(read)
    assert [(e.child.first_name, e.line_position(), e.places_ahead) for e in read] == [
        ("Avant", 1, 0),
        ("Léa", 2, 1),
        ("Hugo", 2, 1),  # siblings: the children before their family
        ("Après", 3, 3),
    ]
    # Two places and a margin of one: the family after the siblings is beyond it, on the waiting list.
    assert after.status == Status.WAITLISTED and after.waiting_rank() == 3  # two requests before, undecided


def test_a_full_offer_takes_the_request_onto_its_waiting_list_with_a_live_rank(client, mother, lea, stay, secretary):
    first, second = (child_of(parent(f"p{i}@exemple.fr"), first_name=f"E{i}") for i in range(2))
    for child in (first, second):
        (enrollment,) = enrollments.request_enrollments(child.guardians.get(), offer=stay, children=[child])
        enrollments.validate(enrollment, by=secretary)
    early = child_of(parent("tot@exemple.fr"), first_name="Tôt")
    (early_request,) = enrollments.request_enrollments(early.guardians.get(), offer=stay, children=[early])
    client.force_login(mother)
    assert "Cette offre est complète" in text(client.get(REQUEST_URL, {"offre": stay.pk}))
    response = client.post(REQUEST_URL, {"offre": stay.pk, "children": [lea.pk]}, follow=True)
    assert (
        "La demande pour Léa est sur la liste d'attente de « Neige à Morzine » : 4e demande pour 2 places ; "
        "2e famille en attente d'une place" in text(response)
    )
    enrollment = Enrollment.objects.get(child=lea)
    assert enrollment.status == Status.WAITLISTED and enrollment.waiting_rank() == 2
    assert "2e famille en attente d'une place" in text(client.get("/espace-adherent/"))
    enrollments.cancel_by_guardian(early_request, by=early.guardians.get())
    detail = text(client.get(f"/espace-adherent/inscriptions/{enrollment.pk}/"))
    assert "3e demande pour 2 places ; 1re famille en attente d'une place" in detail
    told = Notification.objects.get(kind="enrollment_requested", user=mother).body_text
    assert "4e demande pour 2 places ; 2e famille en attente d'une place" in told


def test_the_request_page_tells_where_a_new_request_would_stand(client, mother, lea, stay):
    others = [child_of(parent(f"f{i}@exemple.fr"), first_name=f"F{i}") for i in range(3)]
    for child in others:
        enrollments.request_enrollments(child.guardians.get(), offer=stay, children=[child])
    client.force_login(mother)
    page = text(client.get(REQUEST_URL, {"offre": stay.pk}))
    assert "3 demandes déjà reçues pour 2 places : la vôtre serait la 4e." in page
    response = client.post(REQUEST_URL, {"offre": stay.pk, "children": [lea.pk]}, follow=True)
    # The three requests before hers still wait for a place (two of them within the places): she is 4th.
    assert "4e demande pour 2 places ; 4e famille en attente d'une place" in text(response)


def test_a_request_within_the_margin_is_told_it_may_go_to_the_waiting_list(client, mother, lea, stay):
    for i in range(2):
        child = child_of(parent(f"f{i}@exemple.fr"), first_name=f"F{i}")
        enrollments.request_enrollments(child.guardians.get(), offer=stay, children=[child])
    client.force_login(mother)
    response = client.post(REQUEST_URL, {"offre": stay.pk, "children": [lea.pk]}, follow=True)
    assert Enrollment.objects.get(child=lea).status == Status.REQUESTED  # 2 places, a margin of 1
    assert (
        "Demande envoyée pour Léa : 3e demande pour 2 places : votre enfant sera sur liste d'attente si les "
        "demandes précédentes sont validées." in text(response)
    )


def test_a_guardian_cancels_a_request_not_yet_validated(client, mother, father, lea, stay, secretary):
    (enrollment,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    client.force_login(father)
    response = client.post(f"/espace-adherent/inscriptions/{enrollment.pk}/annuler/", follow=True)
    assert "La demande pour Léa à « Neige à Morzine » est annulée." in text(response)
    enrollment.refresh_from_db()
    assert enrollment.status == Status.CANCELLED and enrollment.cancelled_by == father
    assert Notification.objects.filter(kind="enrollment_cancelled", user=mother).exists()
    # Once validated, only the secretariat cancels.
    (again,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    enrollments.validate(again, by=secretary)
    response = client.post(f"/espace-adherent/inscriptions/{again.pk}/annuler/", follow=True)
    assert "ne s'annule qu'en contactant le secrétariat" in text(response)
    again.refresh_from_db()
    assert again.status == Status.VALIDATED


def test_another_familys_enrollment_answers_404(client, lea, mother, stay):
    (enrollment,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    stranger = parent("etranger@exemple.fr")
    client.force_login(stranger)
    assert client.get(f"/espace-adherent/inscriptions/{enrollment.pk}/").status_code == 404
    assert client.post(f"/espace-adherent/inscriptions/{enrollment.pk}/annuler/").status_code == 404
    assert client.get(f"/espace-adherent/enfants/{lea.pk}/").status_code == 404
    assert client.get(REQUEST_URL, {"enfant": lea.pk}).status_code == 404
    assert client.get(REQUEST_URL, {"enfant": lea.pk, "offre": stay.pk}).status_code == 404
    enrollment.refresh_from_db()
    assert enrollment.status == Status.REQUESTED


def test_a_logged_out_visitor_is_led_through_login_and_back(client, mother, lea, stay):
    offer_page = client.get(stay.url)
    link = BeautifulSoup(offer_page.content, "html.parser").find("a", string="Demander l'inscription")["href"]
    response = client.get(link)
    assert response.status_code == 302 and response.url.startswith("/compte/login/")
    mother.set_password("un-mot-de-passe-solide")
    mother.save()
    logged_in = client.post(response.url, {"login": mother.email, "password": "un-mot-de-passe-solide"})
    assert logged_in.status_code == 302 and logged_in.url == link
    assert "Demander l'inscription à « Neige à Morzine »" in text(client.get(logged_in.url))


def test_an_unknown_offer_answers_404(client, mother):
    client.force_login(mother)
    assert client.get(REQUEST_URL, {"offre": 999999}).status_code == 404


def test_one_active_request_per_child_and_offer_is_a_database_constraint(mother, lea, stay):
    Enrollment.objects.create(child=lea, offer=stay, requested_by=mother)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(child=lea, offer=stay, requested_by=mother)
    Enrollment.objects.update(status=Status.REFUSED)
    Enrollment.objects.create(child=lea, offer=stay, requested_by=mother)  # after a refusal, a new request


# Decisions of the secretariat


@pytest.fixture
def requested(mother, lea, stay):
    (enrollment,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    return enrollment


def test_validation_fixes_the_deposit_and_sends_the_payment_terms(requested, secretary, club, mother, father):
    Notification.objects.all().delete()
    enrollment = enrollments.validate(requested, by=secretary)
    assert enrollment.status == Status.VALIDATED and enrollment.validated_by == secretary
    assert enrollment.deposit_amount == Decimal("300.00") and isinstance(enrollment.deposit_amount, Decimal)
    assert enrollment.deposit_due_date == dates.today() + datetime.timedelta(days=15)
    assert ModelLogEntry.objects.filter(action="po.enrollment.validate", object_id=str(enrollment.pk)).exists()
    emails = Notification.objects.filter(kind="enrollment_validated", channel="email")
    assert sorted(emails.values_list("address", flat=True)) == ["claire.martin@exemple.fr", "paul.martin@exemple.fr"]
    body = emails.get(user=mother).body_text
    due = enrollment.deposit_due_date
    for expected in (
        "Léa Martin",
        "Neige à Morzine",
        "1\u00a0250,50\u00a0€",  # the price, the French way
        "300\u00a0€",
        f"{due.day}\u00a0",
        enrollment.reference,
        "FR76 3000 6000 0112 3456 7890 189",
        "AGRIFRPP",
        "à l'ordre de « Le PO »",
        "12 rue des Écoles",
        "secretariat@le-po.test",
        "01 42 00 00 00",
    ):
        assert expected in body, expected
    assert "300\u00a0€" in emails.get(user=mother).body_html


def test_the_payment_terms_reach_an_sms_only_parent_by_email_too(requested, secretary, mother, sms_outbox):
    mother.notification_preference = "sms"
    mother.phone = "+33612345678"
    mother.save()
    Notification.objects.all().delete()
    enrollments.validate(requested, by=secretary)
    channels = set(Notification.objects.filter(user=mother).values_list("channel", flat=True))
    assert channels == {"email", "sms"}
    sms = Notification.objects.get(user=mother, channel="sms").body_text
    assert requested.reference in sms and "Acompte 300 € avant le" in sms  # GSM: plain spaces


def test_an_offers_own_payment_terms_replace_the_clubs(requested, secretary, club, stay):
    club.deposit_payment_terms = "<p>Règlement général du club.</p>"
    club.save()
    stay.payment_terms = "<p>Chèques vacances acceptés pour ce séjour.</p>"
    stay.save_revision().publish()
    enrollments.validate(requested, by=secretary)
    body = Notification.objects.filter(kind="enrollment_validated").first().body_text
    assert "Chèques vacances acceptés" in body and "Règlement général" not in body


def test_validating_past_capacity_is_refused_with_a_message(stay, secretary):
    requests = [
        enrollments.request_enrollments(guardian, offer=stay, children=[child_of(guardian, first_name=f"E{i}")])[0]
        for i, guardian in enumerate(parent(f"g{i}@exemple.fr") for i in range(3))
    ]
    enrollments.validate(requests[0], by=secretary)
    enrollments.validate(requests[1], by=secretary)
    with pytest.raises(EnrollmentError, match=r"« Neige à Morzine » est complet \(2 places prises sur 2\)"):
        enrollments.validate(requests[2], by=secretary)
    requests[2].refresh_from_db()
    assert requests[2].status == Status.REQUESTED


def test_a_refused_or_cancelled_request_cannot_be_validated(requested, secretary):
    enrollments.refuse(requested, by=secretary, reason="Dossier incomplet")
    with pytest.raises(EnrollmentError, match=r"ne peut pas être validée \(état : Refusée\)"):
        enrollments.validate(requested, by=secretary)
    requested.refresh_from_db()
    assert requested.status == Status.REFUSED and requested.deposit_amount is None


def test_waitlisting_while_places_are_free_offers_one_at_once_with_one_message(requested, secretary, mother):
    enrollment = enrollments.waitlist(requested, by=secretary)
    # First in line with places free: the place is offered at once, and the family told that only
    # (not « sur liste d'attente » a second before « une place s'est libérée »).
    assert enrollment.status == Status.OFFERED and enrollment.waitlisted_at
    assert not Notification.objects.filter(kind="enrollment_waitlisted").exists()
    assert Notification.objects.filter(kind="place_offered", user=mother).exists()
    with pytest.raises(EnrollmentError, match="ne peut pas aller en liste d'attente"):
        enrollments.waitlist(enrollment, by=secretary)
    assert enrollments.validate(enrollment, by=secretary).status == Status.VALIDATED


def test_waitlisting_on_a_full_offer_tells_the_rank(stay, secretary, mother, lea):
    for number in range(2):
        child = child_of(parent(f"plein{number}@exemple.fr"), first_name=f"Plein{number}")
        (taken,) = enrollments.request_enrollments(child.guardians.get(), offer=stay, children=[child])
        enrollments.validate(taken, by=secretary)
    (enrollment,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    assert enrollment.status == Status.WAITLISTED  # the offer is full: straight onto the list
    body = Notification.objects.get(kind="enrollment_requested", user=mother).body_text
    assert "3e demande pour 2 places ; 1re famille en attente d'une place" in body


def test_a_refusal_needs_a_reason_and_sends_it(requested, secretary, mother):
    with pytest.raises(EnrollmentError, match="Indiquez le motif du refus"):
        enrollments.refuse(requested, by=secretary, reason="  ")
    enrollment = enrollments.refuse(requested, by=secretary, reason="Le séjour est réservé aux adhérents de l'année.")
    assert enrollment.status == Status.REFUSED and enrollment.refused_by == secretary
    body = Notification.objects.get(kind="enrollment_refused", user=mother).body_text
    assert "réservé aux adhérents de l'année" in body
    with pytest.raises(EnrollmentError, match="ne peut pas être refusée"):
        enrollments.refuse(enrollment, by=secretary, reason="encore")


def test_the_deposit_is_recorded_only_once_validated(requested, secretary, mother):
    with pytest.raises(EnrollmentError, match="L'acompte de .* ne peut pas être enregistré"):
        enrollments.record_deposit(requested, by=secretary)
    enrollments.validate(requested, by=secretary)
    enrollment = enrollments.record_deposit(requested, by=secretary)
    assert enrollment.status == Status.DEPOSIT_RECEIVED and enrollment.deposit_received_by == secretary
    # The guardians hear of the money itself, from the payments app (memberspace.payments.services).
    assert not Notification.objects.filter(user=mother, kind__startswith="enrollment_deposit").exists()
    with pytest.raises(EnrollmentError):
        enrollments.record_deposit(enrollment, by=secretary)
    with pytest.raises(EnrollmentError, match="ne peut pas être refusée"):
        enrollments.refuse(enrollment, by=secretary, reason="trop tard")


def test_the_secretariat_cancels_an_active_enrollment_but_not_a_finished_one(requested, secretary, mother):
    enrollments.validate(requested, by=secretary)
    enrollment = enrollments.cancel_by_staff(requested, by=secretary)
    assert enrollment.status == Status.CANCELLED and enrollment.cancelled_by == secretary
    assert Notification.objects.filter(kind="enrollment_cancelled", user=mother).exists()
    with pytest.raises(EnrollmentError, match="ne peut pas être annulée"):
        enrollments.cancel_by_staff(enrollment, by=secretary)


def test_the_catalogue_counts_validated_places_only(client, requested, secretary, stay):
    assert "2 places disponibles" in text(client.get(stay.url))
    enrollments.validate(requested, by=secretary)
    assert "1 place disponible" in text(client.get(stay.url))
    assert "1 place disponible" in text(client.get(stay.get_parent().url))


def test_the_parent_sees_the_deposit_terms_of_a_validated_enrollment(client, requested, secretary, mother):
    enrollments.validate(requested, by=secretary)
    client.force_login(mother)
    assert "Validée" in text(client.get("/espace-adherent/"))
    page = text(client.get(f"/espace-adherent/inscriptions/{requested.pk}/"))
    assert "Réglez 300\u00a0€ avant le" in page and requested.reference in page and "IBAN" in page


# Deposit reminders


def test_overdue_deposits_are_reminded_once_and_listed_for_the_secretariat(requested, secretary, mother, stay):
    enrollments.validate(requested, by=secretary)
    paid_child = child_of(mother, first_name="Hugo", age_at_start=7)
    (paid,) = enrollments.request_enrollments(mother, offer=stay, children=[paid_child])
    enrollments.validate(paid, by=secretary)
    enrollments.record_deposit(paid, by=secretary)
    Notification.objects.all().delete()
    due = Enrollment.objects.get(pk=requested.pk).deposit_due_date
    assert enrollments.send_deposit_reminders(today=due) == 0  # due today: not late yet
    assert enrollments.send_deposit_reminders(today=due + datetime.timedelta(days=1)) == 1
    reminders = Notification.objects.filter(kind="deposit_reminder")
    assert sorted(reminders.values_list("address", flat=True)) == ["claire.martin@exemple.fr", "paul.martin@exemple.fr"]
    reminder = reminders.first().body_text
    assert requested.reference in reminder and "300\u00a0€" in reminder
    assert f"/espace-adherent/inscriptions/{requested.pk}/" in reminder
    digest = Notification.objects.get(kind="secretariat_overdue_deposits")
    assert digest.user == secretary and "Léa Martin" in digest.body_text and "Hugo" not in digest.body_text
    enrollments.send_deposit_reminders(today=due + datetime.timedelta(days=2))
    assert Notification.objects.filter(kind="deposit_reminder").count() == 2  # once only


def test_the_reminder_schedule_is_registered(db):
    from django.core.management import call_command
    from django_q.models import Schedule

    call_command("setup_schedules", verbosity=0)
    schedule = Schedule.objects.get(func="memberspace.enrollments.tasks.send_deposit_reminders")
    assert schedule.schedule_type == Schedule.DAILY


# Query counts


def test_member_pages_make_as_many_queries_for_many_requests_as_for_one(
    client, mother, lea, stay, stay_index, activity_index, secretary
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts():
        client.get("/espace-adherent/")  # the site's menu and settings, read again after pages changed
        found = []
        for url, params in (("/espace-adherent/", {}), (REQUEST_URL, {}), (REQUEST_URL, {"offre": stay.pk})):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, params).status_code == 200
            found.append(len(queries))
        return found

    def add_offers_and_requests(number):
        start = dates.offer_start() + datetime.timedelta(days=10 * (number + 1))
        offer = StayPageFactory(parent=stay_index, capacity=1, start_date=start, end_date=start)
        ActivityPageFactory(parent=activity_index, start_date=start, end_date=start + datetime.timedelta(days=90))
        first = child_of(parent(f"avant{number}@exemple.fr"), first_name=f"Avant{number}")
        enrollments.validate(
            enrollments.request_enrollments(first.guardians.get(), offer=offer, children=[first])[0], by=secretary
        )
        sibling = child_of(mother, first_name=f"Frère{number}", age_at_start=7)
        enrollments.request_enrollments(mother, offer=offer, children=[lea, sibling])  # onto the waiting list

    client.force_login(mother)
    enrollments.request_enrollments(mother, offer=stay, children=[lea])
    add_offers_and_requests(0)
    few = counts()
    # The dashboard: session, user, children, their enrollments, the waiting lists' order,
    # the years of the attestations de paiement, invitations received and sent together (no
    # permission query for Wagtail's userbar, no e-mail query; in production the session comes
    # from Redis).
    assert few[0] <= 7, few
    for number in range(1, 6):
        add_offers_and_requests(number)
    assert counts() == few


def test_a_request_sent_twice_is_recorded_once_and_not_shown_as_an_error(client, mother, lea, stay):
    client.force_login(mother)
    data = {"offre": stay.pk, "children": [lea.pk]}
    client.post(REQUEST_URL, data)
    again = client.post(REQUEST_URL, data, follow=True)  # a double click, a reload
    # With its place in line, as the first answer gave it.
    assert "La demande pour Léa à « Neige à Morzine » est bien enregistrée : 1re demande pour 2 places." in text(again)
    assert Enrollment.objects.filter(child=lea).count() == 1


def test_a_second_reminder_run_sends_nothing(requested, secretary, mother):
    enrollments.validate(requested, by=secretary)
    Notification.objects.all().delete()
    late = Enrollment.objects.get(pk=requested.pk).deposit_due_date + datetime.timedelta(days=1)
    enrollments.send_deposit_reminders(today=late)
    sent = Notification.objects.filter(kind="deposit_reminder").count()
    assert sent == 2  # both guardians
    assert Notification.objects.filter(kind="secretariat_overdue_deposits", user=secretary).count() == 1
    enrollments.send_deposit_reminders(today=late)  # the schedule's run, then a manual one or a retry
    assert Notification.objects.filter(kind="deposit_reminder").count() == sent
    # Nor the secretariat's list: the second run reminded no one.
    assert Notification.objects.filter(kind="secretariat_overdue_deposits").count() == 1


# The deposit's deadline leaves the club's delay, whatever the offer's start (issue 13, item 3)


@pytest.fixture
def started_activity(activity_index, club):
    """An annual activity that started in September and takes requests all year."""
    started = dates.today() - datetime.timedelta(days=70)
    return ActivityPageFactory(
        parent=activity_index,
        title="Théâtre d'improvisation",
        start_date=started,
        end_date=dates.today() + datetime.timedelta(days=200),
        registration_closes_at=timezone.now() + datetime.timedelta(days=150),
        price=Decimal("450.00"),
        deposit_amount=Decimal("150.00"),
    )


@pytest.fixture
def started_request(mother, father, started_activity):
    birth = started_activity.start_date.replace(year=started_activity.start_date.year - 8)
    child = ChildFactory(first_name="Léa", birth_date=birth, guardians=[mother, father])
    (enrollment,) = enrollments.request_enrollments(mother, offer=started_activity, children=[child])
    return enrollment


def test_validated_on_the_day_an_activity_started_the_deposit_leaves_the_clubs_delay(started_request, secretary, club):
    enrollment = enrollments.validate(started_request, by=secretary)
    assert enrollment.deposit_due_date == dates.today() + datetime.timedelta(days=club.deposit_due_days)


def test_a_due_date_is_never_today_nor_past_whatever_the_start(club):
    for start in (
        dates.today() - datetime.timedelta(days=90),
        dates.today(),
        dates.today() + datetime.timedelta(days=3),
    ):
        offer = ActivityPageFactory.build(start_date=start)
        assert enrollments.deposit_due_date(offer, club, dates.today()) == dates.today() + datetime.timedelta(days=15)


def test_the_reminder_the_day_after_validating_a_started_activity_sends_nothing(started_request, secretary):
    enrollments.validate(started_request, by=secretary)
    Notification.objects.all().delete()
    assert enrollments.send_deposit_reminders(today=dates.today() + datetime.timedelta(days=1)) == 0
    assert not Notification.objects.filter(kind="deposit_reminder").exists()


def test_a_due_date_stored_before_it_could_be_met_is_not_counted_late(started_request, secretary, club):
    """A date set by the old rule (the day of validation) only counts once the club's delay has passed."""
    enrollments.validate(started_request, by=secretary)
    Enrollment.objects.filter(pk=started_request.pk).update(deposit_due_date=dates.today())
    Notification.objects.all().delete()
    assert enrollments.send_deposit_reminders(today=dates.today() + datetime.timedelta(days=1)) == 0
    assert (
        enrollments.send_deposit_reminders(today=dates.today() + datetime.timedelta(days=club.deposit_due_days + 1))
        == 1
    )


def test_the_email_of_a_started_activity_promises_only_dates_that_can_be_met(started_request, secretary, club):
    club.deposit_payment_terms = "<p>Par virement ou par chèque, avec la référence.</p>"
    club.save()
    Notification.objects.all().delete()
    enrollment = enrollments.validate(started_request, by=secretary)
    body = Notification.objects.filter(kind="enrollment_validated", channel="email").first().body_text
    due = formatting.day_month(enrollment.deposit_due_date)
    assert f"réglez l'acompte de 150\u00a0€ avant le {due}" in body
    # The start is past: the balance goes with the deposit, by the same date.
    assert f"Le solde de 300\u00a0€ est à régler avec l'acompte, avant le {due}." in body
    assert "un mois avant le début" not in body
    for day in re.findall(r"avant le (\d+(?:er)?\u00a0\w+ \d{4})", body):
        assert day == due, body


def test_the_email_of_a_later_stay_gives_the_balance_date_computed_from_the_start(requested, secretary, club):
    Notification.objects.all().delete()
    enrollments.validate(requested, by=secretary)
    email = Notification.objects.filter(kind="enrollment_validated", channel="email").first()
    balance_due = formatting.day_month(
        dates.offer_start() - datetime.timedelta(days=club.balance_due_days_before_start)
    )
    expected = f"Le solde de 950,50\u00a0€ est à régler avant le {balance_due}."
    assert expected in email.body_text
    assert expected in text_of_html(email.body_html)


def text_of_html(html):
    return re.sub(r"[ \t\n]+", " ", BeautifulSoup(html, "html.parser").get_text())


def test_the_dashboard_and_the_enrollment_page_show_what_is_due_and_what_was_received(
    client, requested, secretary, mother
):
    enrollment = enrollments.validate(requested, by=secretary)
    due = formatting.day_month(enrollment.deposit_due_date)
    client.force_login(mother)
    balance_due = formatting.day_month(dates.offer_start() - datetime.timedelta(days=30))
    dashboard = text(client.get("/espace-adherent/"))
    page = text(client.get(f"/espace-adherent/inscriptions/{requested.pk}/"))
    assert f"Réglez 300\u00a0€ avant le {due}" in page
    # The dashboard says what the enrollment page says: what is due, by when, and what was received.
    for shown in (dashboard, page):
        assert f"Acompte : 300\u00a0€ à régler avant le {due}." in shown
        assert "Reçu : rien pour l'instant." in shown
        assert f"Solde : 950,50\u00a0€ à régler avant le {balance_due}." in shown

    payments.record_payment(enrollment, amount="300", method=Method.CHEQUE, by=secretary)
    dashboard = text(client.get("/espace-adherent/"))
    page = text(client.get(f"/espace-adherent/inscriptions/{requested.pk}/"))
    for shown in (dashboard, page):
        assert "Reçu : 300\u00a0€. L'acompte est réglé : la place est réservée." in shown
        assert "Acompte : 300" not in shown
        assert f"Solde : 950,50\u00a0€ à régler avant le {balance_due}." in shown
    assert f"{formatting.day_month(dates.today())} : 300\u00a0€, Chèque" in page


def test_the_dashboard_asks_the_balance_of_a_started_activity_with_the_deposit(
    client, started_request, secretary, mother
):
    enrollment = enrollments.validate(started_request, by=secretary)
    due = formatting.day_month(enrollment.deposit_due_date)
    client.force_login(mother)
    dashboard = text(client.get("/espace-adherent/"))
    assert f"Acompte : 150\u00a0€ à régler avant le {due}." in dashboard
    assert f"Solde : 300\u00a0€ à régler avec l'acompte, avant le {due}." in dashboard


# From a child's page to an enrollment (issue 13, item 11)


def child_page(client, child):
    return client.get(reverse("memberspace:child_detail", args=[child.pk]))


def test_the_childs_page_shows_its_enrollments_and_a_request_button(client, mother, lea, stay):
    (enrollment,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    client.force_login(mother)
    response = child_page(client, lea)
    page = text(response)
    assert "Ses inscriptions" in page and "Neige à Morzine" in page and "Demandée" in page
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("a", href=reverse("memberspace:enrollment_detail", args=[enrollment.pk]))
    button = soup.find("a", string=lambda s: s and "Demander une inscription" in s)
    assert button is not None and button["href"] == f"{REQUEST_URL}?enfant={lea.pk}"


def test_a_child_without_enrollment_is_told_so_and_offered_the_button(client, mother, lea):
    client.force_login(mother)
    page = text(child_page(client, lea))
    assert "Aucune inscription pour l'instant." in page and "Demander une inscription" in page


def test_the_childs_page_reads_as_many_queries_for_many_enrollments_as_for_one(client, mother, lea, stay, stay_index):
    Enrollment.objects.create(child=lea, offer=stay, status="waitlisted")
    client.force_login(mother)
    child_page(client, lea)  # the site's settings and menus, cached after a first page
    with CaptureQueriesContext(connection) as one:
        assert child_page(client, lea).status_code == 200
    for number in range(5):
        start = dates.offer_start() + datetime.timedelta(days=10 * (number + 1))
        other = StayPageFactory(parent=stay_index, title=f"Séjour {number}", start_date=start, end_date=start)
        Enrollment.objects.create(child=lea, offer=other, status="waitlisted" if number % 2 else "validated")
    child_page(client, lea)
    with CaptureQueriesContext(connection) as many:
        page = text(child_page(client, lea))
    assert len(many) == len(one), [query["sql"] for query in many.captured_queries]
    assert "Séjour 4" in page


def test_the_request_page_lists_the_offers_the_child_can_request_first_and_folds_the_others(
    client, mother, lea, stay, stay_index
):
    teens = StayPageFactory(  # sooner than the stay, but not for Léa's age
        parent=stay_index,
        title="Ados en Corse",
        min_age=12,
        max_age=14,
        start_date=dates.offer_start() - datetime.timedelta(days=5),
    )
    client.force_login(mother)
    response = client.get(REQUEST_URL, {"enfant": lea.pk})
    soup = BeautifulSoup(response.content, "html.parser")
    folded = soup.find("details", class_="offer-choices-other")
    assert folded is not None and "Ados en Corse" in folded.get_text() and "8 ans au" in folded.get_text()
    assert "Neige à Morzine" not in folded.get_text()
    titles = [h2.get_text(strip=True) for h2 in soup.select(".offer-choice h2")]
    assert titles.index("Neige à Morzine") < titles.index(teens.title)
    assert f"?offre={stay.pk}&enfant={lea.pk}" in str(response.content.decode()).replace("&amp;", "&")


def test_the_dashboard_says_at_which_date_an_age_is_computed_when_it_differs(client, mother, stay):
    # 7 today, 8 when the stay starts: both ages are named with their dates.
    growing = child_of(mother, first_name="Léa")
    enrollments.request_enrollments(mother, offer=stay, children=[growing])
    client.force_login(mother)
    page = text(client.get(reverse("memberspace:dashboard")))
    assert "7 ans aujourd'hui" in page
    assert f"8 ans au {formatting.day_month(dates.offer_start())}" in page


def test_the_dashboard_gives_one_age_when_it_is_the_same_at_the_offers_start(client, mother, stay):
    birth = dates.years_before(dates.today(), 8) - datetime.timedelta(days=1)
    steady = ChildFactory(first_name="Zoé", birth_date=birth, guardians=[mother])
    enrollments.request_enrollments(mother, offer=stay, children=[steady])
    client.force_login(mother)
    page = text(client.get(reverse("memberspace:dashboard")))
    assert "8 ans" in page and "aujourd'hui" not in page and " ans au " not in page
