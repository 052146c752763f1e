"""Receipts (issue 16, item 5): the attestations de paiement and the confirmation of an enrollment, as PDF.

The PDFs are read back as text (pypdf): what a works council or the CAF reads is what is
checked, amounts in the site's French format (``formatting.euros``).
"""

import datetime
import io
import logging
import subprocess
import sys
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from memberspace.enrollments import services as enrollments
from memberspace.payments import services as payments
from memberspace.payments.ledger import EVERYTHING
from memberspace.payments.models import Method, Payer
from memberspace.payments.pdf import html_to_pdf, safe_filename
from pages.formatting import day_month, euros
from tests import dates
from tests.auth import login_staff
from tests.factories import ActivityPageFactory, ChildFactory, ParentFactory, StaffFactory

pytestmark = pytest.mark.django_db

ADDRESS = "12 rue des Colonies\n75013 Paris"


def flat(text):
    """Text with every run of spaces (non-breaking ones too) and line breaks as one space."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def pdf_text(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return flat("\n".join(page.extract_text() for page in reader.pages))


def eur(amount):
    return flat(euros(Decimal(amount)))


def receipt_url(enrollment):
    return reverse("memberspace:enrollment_receipt", args=[enrollment.pk])


def confirmation_url(enrollment):
    return reverse("memberspace:enrollment_confirmation", args=[enrollment.pk])


def year_url(year):
    return reverse("memberspace:family_receipt", args=[year])


def admin_receipt_url(enrollment):
    return reverse("enrollments_enrollment_modeladmin_receipt", args=[enrollment.pk])


def no_urls(payment):
    return dict.fromkeys(("return_url", "back_url", "error_url"), "https://le-po.test/retour/")


@pytest.fixture
def club(club):
    club.postal_address = ADDRESS
    club.phone = "01 42 00 00 00"
    club.save()
    return club


@pytest.fixture
def hugo(mother, father):
    return ChildFactory(
        first_name="Hugo",
        last_name="Martin",
        birth_date=datetime.date(2016, 3, 1),
        guardians=[(mother, "mere"), (father, "pere")],
    )


@pytest.fixture
def judo(club, activity_index):
    return ActivityPageFactory(
        parent=activity_index,
        title="Judo du mercredi",
        start_date=dates.today() + datetime.timedelta(days=30),
        end_date=dates.today() + datetime.timedelta(days=300),
        capacity=10,
        price=Decimal("200.00"),
        deposit_amount=Decimal("50.00"),
    )


def validated(parent, offer, child, secretary):
    (requested,) = enrollments.request_enrollments(parent, offer=offer, children=[child])
    return enrollments.validate(requested, by=secretary)


# The attestation of one enrollment


def test_the_attestation_counts_the_money_received_and_held_never_an_open_checkout(
    client, club, enrollment, mother, secretary
):
    payments.record_payment(enrollment, amount="150", method=Method.CHEQUE, by=secretary, reference="Chq 0042")
    payments.record_payment(
        enrollment,
        amount="200.50",
        method=Method.TRANSFER,
        payer=Payer.WORKS_COUNCIL,
        payer_name="CSE Aéroports",
        by=secretary,
    )
    payments.record_payment(
        enrollment, amount="20", method=Method.ANCV, cash_on=dates.today() + datetime.timedelta(days=20), by=secretary
    )
    open_checkout = payments.start_online_payment(enrollment, kind=EVERYTHING, by=mother, urls=no_urls)
    assert open_checkout.amount == Decimal("79.50")  # pending: never on a receipt
    client.force_login(mother)

    response = client.get(receipt_url(enrollment))
    text = pdf_text(response)

    lea = enrollment.child
    assert "Attestation de paiement" in text
    assert "Le PO" in text and "12 rue des Colonies" in text and "75013 Paris" in text
    assert "secretariat@le-po.test" in text and "01 42 00 00 00" in text
    assert f"Léa Martin, né(e) le {flat(day_month(lea.birth_date))}" in text
    assert "Neige à Morzine" in text and enrollment.reference in text
    assert (
        f"Le PO atteste avoir reçu la somme de {eur('370.50')} pour l'inscription de Léa Martin, "
        f"né(e) le {flat(day_month(lea.birth_date))}, à « Neige à Morzine »"
    ) in text
    assert eur("150") in text and "Chèque" in text and "Chq 0042" in text
    assert eur("200.50") in text and "Virement" in text and "Un comité d'entreprise (CSE) — CSE Aéroports" in text
    assert eur("20") in text and "Chèques-vacances ANCV (papier)" in text and "à encaisser le" in text
    assert f"Total payé {eur('370.50')}" in text
    assert "La famille" not in text  # the payer is named only when it is not the family
    assert eur("79.50") not in text and "HelloAsso" not in text
    assert f"Fait le {flat(day_month(dates.today()))}" in text

    assert response["Content-Disposition"] == f'attachment; filename="attestation-paiement-{enrollment.reference}.pdf"'
    assert response["Cache-Control"] == "private, no-store"


def test_the_refunds_are_deducted(client, club, enrollment, mother, secretary):
    payments.record_payment(enrollment, amount="450", method=Method.CHEQUE, by=secretary)
    payments.record_refund(enrollment, amount="100", method=Method.TRANSFER, reason="Trop-perçu", by=secretary)
    client.force_login(mother)

    text = pdf_text(client.get(receipt_url(enrollment)))

    assert "Remboursement (Virement)" in text
    assert f"Total reçu {eur('450')}" in text and f"Total remboursé −{eur('100')}" in text
    assert f"Total payé {eur('350')}" in text
    assert f"la somme de {eur('350')}" in text and f"tient compte de {eur('100')} remboursés" in text


def test_no_receipt_before_any_payment(client, club, enrollment, mother, secretary):
    client.force_login(mother)
    payments.start_online_payment(enrollment, kind=EVERYTHING, by=mother, urls=no_urls)  # opened, not paid

    assert client.get(receipt_url(enrollment)).status_code == 404
    page = client.get(reverse("memberspace:enrollment_detail", args=[enrollment.pk])).content.decode()
    assert receipt_url(enrollment) not in page and "Attestation de paiement (PDF)" not in page
    assert confirmation_url(enrollment) in page  # validated: confirmed, even before the deposit
    dashboard = client.get(reverse("memberspace:dashboard")).content.decode()
    assert "Attestations de paiement" not in dashboard
    assert client.get(year_url(dates.today().year)).status_code == 404
    staff = login_staff(client, secretary)
    assert staff.get(admin_receipt_url(enrollment)).status_code == 404

    payments.record_payment(enrollment, amount="150", method=Method.CHEQUE, by=secretary)
    client.force_login(mother)
    page = client.get(reverse("memberspace:enrollment_detail", args=[enrollment.pk])).content.decode()
    assert receipt_url(enrollment) in page and "Attestation de paiement (PDF)" in page
    assert "Confirmation d'inscription (PDF)" in page


def test_what_people_typed_is_text_and_nothing_is_fetched(client, club, enrollment, mother, secretary, caplog):
    payments.record_payment(
        enrollment,
        amount="150",
        method=Method.CHEQUE,
        payer=Payer.OTHER,
        payer_name="<img src=http://evil/x>",
        reference='=HYPERLINK("x")',
        by=secretary,
    )
    client.force_login(mother)

    with caplog.at_level(logging.WARNING):
        text = pdf_text(client.get(receipt_url(enrollment)))

    assert "<img src=http://evil/x>" in text
    assert '=HYPERLINK("x")' in text
    assert not [record for record in caplog.records if record.name in ("weasyprint", "memberspace.payments.pdf")]


class CountingHandler(BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_pdf_renderer_fetches_no_url_of_any_kind(tmp_path, caplog):
    """Even markup that would slip into a document (it cannot: it is escaped) fetches nothing."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with caplog.at_level(logging.WARNING):
            pdf = html_to_pdf(
                f'<html><head><link rel="stylesheet" href="{base}/style.css">'
                f'<link rel="stylesheet" href="{secret.as_uri()}">'
                f"<style>@import url({base}/import.css); p {{ background: url(relative.png) }}</style></head>"
                f'<body><p>Bonjour</p><img src="{base}/x.png"><img src="/static/img/favicon.svg"></body></html>'
            )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert CountingHandler.hits == []
    refused = [record.args[0] for record in caplog.records if record.name == "memberspace.payments.pdf"]
    assert {f"{base}/style.css", secret.as_uri(), f"{base}/import.css", f"{base}/x.png"} <= set(refused)
    assert "Bonjour" in flat(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())


def test_the_site_starts_without_weasyprint():
    """WeasyPrint (and Pango behind it) is imported by the first PDF, never by importing the apps."""
    code = (
        "import sys, django; django.setup(); "
        "import config.urls, memberspace.payments.views, memberspace.payments.admin; "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "assert 'weasyprint' not in sys.modules, 'weasyprint imported'"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_safe_ascii_filename():
    assert safe_filename("attestation-paiement", "PO-2026-00012") == "attestation-paiement-PO-2026-00012.pdf"
    assert safe_filename("Léa", '"; x=../..\r\n') == "Lea-x.pdf"


# Who may download them


def test_only_the_childs_validated_guardians_download_them(client, club, enrollment, mother, father, secretary):
    payments.record_payment(enrollment, amount="150", method=Method.CHEQUE, by=secretary)
    neighbour = ParentFactory(email="voisin@exemple.fr")
    pending = ParentFactory(email="attente@exemple.fr", pending=True)
    for name in ("memberspace:enrollment_receipt", "memberspace:enrollment_confirmation"):
        url, missing = reverse(name, args=[enrollment.pk]), reverse(name, args=[enrollment.pk + 1000])
        client.force_login(father)
        assert client.get(url).status_code == 200
        client.force_login(neighbour)
        assert client.get(url).status_code == client.get(missing).status_code == 404  # as if it did not exist
        client.force_login(pending)
        assert client.get(url)["Location"] == reverse("memberspace:dashboard")
        client.logout()
        assert client.get(url)["Location"].startswith("/compte/login/")
    client.force_login(mother)
    assert client.post(receipt_url(enrollment)).status_code == 405


def test_the_treasurer_and_the_secretariat_download_it_from_the_ledger(
    client, club, enrollment, secretary, treasurer, editor
):
    payments.record_payment(enrollment, amount="150", method=Method.CHEQUE, payer_name="Mme Martin", by=secretary)
    for staff in (treasurer, secretary):
        login_staff(client, staff)
        inspect = client.get(reverse("enrollments_enrollment_modeladmin_inspect", args=[enrollment.pk]))
        assert admin_receipt_url(enrollment) in inspect.content.decode()
        text = pdf_text(client.get(admin_receipt_url(enrollment)))
        assert "Léa Martin" in text and eur("150") in text
    login_staff(client, editor)
    assert client.get(admin_receipt_url(enrollment)).status_code == 403
    missing = reverse("enrollments_enrollment_modeladmin_receipt", args=[enrollment.pk + 1000])
    assert client.get(missing).status_code == 403  # the same answer: ids cannot be enumerated


# The confirmation


def test_the_confirmation_says_what_was_paid_and_what_remains_by_when(client, club, enrollment, mother, secretary):
    payments.record_payment(enrollment, amount="150", method=Method.TRANSFER, by=secretary)
    enrollment.refresh_from_db()
    client.force_login(mother)

    response = client.get(confirmation_url(enrollment))
    text = pdf_text(response)

    assert "Confirmation d'inscription" in text
    assert "Le PO confirme l'inscription de Léa Martin à « Neige à Morzine »" in text
    assert enrollment.reference in text and "Acompte reçu" in text
    assert f"Prix : {eur('450')}" in text
    assert f"Acompte : {eur('150')}" in text and "réglé" in text
    assert f"Payé : {eur('150')}" in text
    assert f"Reste à régler : {eur('300')}" in text
    assert f"{eur('300')} avant le {flat(day_month(enrollment.balance_due_date))}" in text
    assert response["Content-Disposition"] == (
        f'attachment; filename="confirmation-inscription-{enrollment.reference}.pdf"'
    )


def test_the_confirmation_before_the_deposit_and_once_settled(client, club, enrollment, mother, secretary):
    client.force_login(mother)
    text = pdf_text(client.get(confirmation_url(enrollment)))
    assert f"Payé : {eur('0')}" in text
    assert f"acompte de {eur('150')} avant le {flat(day_month(enrollment.deposit_due_date))}" in text

    payments.record_payment(enrollment, amount="450", method=Method.CHEQUE, by=secretary)
    text = pdf_text(client.get(confirmation_url(enrollment)))
    assert "Reste à régler : rien, l'inscription est soldée" in text


def test_no_confirmation_for_a_place_not_taken(client, club, stay, lea, mother, secretary):
    (requested,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    client.force_login(mother)
    assert client.get(confirmation_url(requested)).status_code == 404
    page = client.get(reverse("memberspace:enrollment_detail", args=[requested.pk])).content.decode()
    assert confirmation_url(requested) not in page


# The attestation of a family for a year


def test_the_years_attestation_groups_the_childrens_payments_and_leaves_out_other_years(
    client, club, enrollment, hugo, judo, mother, father, secretary
):
    judo_enrollment = validated(father, judo, hugo, secretary)
    payments.record_payment(
        enrollment,
        amount="37",
        method=Method.CHEQUE,
        received_on=datetime.date(dates.today().year - 1, 12, 31),
        by=secretary,
    )
    payments.record_payment(enrollment, amount="150", method=Method.CHEQUE, by=secretary)
    payments.record_payment(
        judo_enrollment, amount="80.50", method=Method.CASH, payer=Payer.CAF, payer_name="CAF de Paris", by=secretary
    )
    payments.record_refund(judo_enrollment, amount="10", method=Method.CASH, reason="Arrondi", by=secretary)
    # Another family's money is on no attestation of this one.
    other = ParentFactory(email="voisin@exemple.fr")
    neighbour = ChildFactory(first_name="Noé", last_name="Voisin", guardians=[(other, "pere")])
    payments.record_payment(validated(other, judo, neighbour, secretary), amount="61", method=Method.CASH, by=secretary)
    client.force_login(mother)

    dashboard = client.get(reverse("memberspace:dashboard")).content.decode()
    assert "Attestations de paiement" in dashboard
    assert year_url(dates.today().year) in dashboard and year_url(dates.today().year - 1) in dashboard
    assert dashboard.index(year_url(dates.today().year)) < dashboard.index(year_url(dates.today().year - 1))

    response = client.get(year_url(dates.today().year))
    text = pdf_text(response)
    assert f"Attestation de paiement — année {dates.today().year}" in text
    assert "Claire Martin" in text
    assert f"du 1er janvier au 31 décembre {dates.today().year}, la somme de {eur('220.50')}" in text
    assert text.index("Hugo Martin") < text.index("Léa Martin")  # by child
    assert "Judo du mercredi" in text and judo_enrollment.reference in text
    assert "Neige à Morzine" in text and enrollment.reference in text
    assert eur("150") in text and eur("80.50") in text and "La CAF — CAF de Paris" in text
    assert "Remboursement (Espèces)" in text
    assert f"Total payé en {dates.today().year} {eur('220.50')}" in text
    assert eur("37") not in text  # last year's
    assert "Noé" not in text and eur("61") not in text
    assert response["Content-Disposition"] == f'attachment; filename="attestation-paiement-{dates.today().year}.pdf"'
    assert response["Cache-Control"] == "private, no-store"

    last_year = pdf_text(client.get(year_url(dates.today().year - 1)))
    assert f"la somme de {eur('37')}" in last_year and "Hugo" not in last_year and eur("150") not in last_year

    assert client.get(year_url(dates.today().year - 2)).status_code == 404
    assert client.get(year_url(99999)).status_code == 404
    client.force_login(father)  # the co-parent: the same children, the same attestation
    assert f"la somme de {eur('220.50')}" in pdf_text(client.get(year_url(dates.today().year)))
    client.force_login(other)
    assert f"la somme de {eur('61')}" in pdf_text(client.get(year_url(dates.today().year)))
    assert client.get(year_url(dates.today().year - 1)).status_code == 404


# Queries


def queries_for(client, url):
    client.get(url)  # the site's settings, cached after a first request
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_a_receipt_reads_as_many_queries_for_one_payment_as_for_many(
    client, club, enrollment, hugo, judo, mother, secretary
):
    payments.record_payment(enrollment, amount="10", method=Method.CHEQUE, by=secretary)
    client.force_login(mother)
    few = [queries_for(client, url) for url in (receipt_url(enrollment), confirmation_url(enrollment))]
    few_year = queries_for(client, year_url(dates.today().year))

    for amount in ("11", "12", "13", "14"):
        payments.record_payment(enrollment, amount=amount, method=Method.TRANSFER, by=secretary)
    payments.record_refund(enrollment, amount="5", method=Method.TRANSFER, reason="Erreur", by=secretary)
    judo_enrollment = validated(mother, judo, hugo, secretary)
    for amount in ("20", "21"):
        payments.record_payment(judo_enrollment, amount=amount, method=Method.CASH, by=secretary)

    many = [queries_for(client, url) for url in (receipt_url(enrollment), confirmation_url(enrollment))]
    assert many == few
    assert queries_for(client, year_url(dates.today().year)) == few_year


def test_staff_without_a_family_get_the_dashboard(client, club, enrollment, secretary):
    payments.record_payment(enrollment, amount="150", method=Method.CHEQUE, by=secretary)
    staff = StaffFactory(email="animation@le-po.test")
    client.force_login(staff)
    assert client.get(year_url(dates.today().year))["Location"] == reverse("memberspace:dashboard")
