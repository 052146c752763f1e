"""The transfer made easy (issue 16, item 3): the EPC « QR code SEPA » on the enrollment's page."""

from decimal import Decimal

import pytest
import segno.helpers
from django.urls import reverse

from memberspace.payments import services as payments
from memberspace.payments.models import Method
from memberspace.payments.transfer import transfer_code, transfer_fields

pytestmark = pytest.mark.django_db


def test_the_code_holds_the_club_the_amount_due_and_the_reference(club):
    fields = transfer_fields(club, Decimal("150.00"), "PO-2027-0042")
    # What a banking app reads: the EPC format, version 002, as segno writes it.
    payload = segno.helpers._make_epc_qr_data(**fields)  # noqa: SLF001 (the library's own encoder)
    assert payload.decode().split("\n") == [
        "BCD",
        "002",
        "2",
        "SCT",
        "AGRIFRPP",
        "Association Le PO",
        "FR7630006000011234567890189",
        "EUR150",
        "",
        "",
        "PO-2027-0042",
    ]


def test_no_code_without_an_iban_or_an_amount(club):
    assert transfer_code(club, Decimal("0"), "PO-1") == ""
    club.iban = ""
    assert transfer_code(club, Decimal("150"), "PO-1") == ""


def test_the_page_shows_the_code_for_what_is_due_now(client, enrollment, mother, secretary):
    client.force_login(mother)
    url = reverse("memberspace:enrollment_detail", args=[enrollment.pk])
    page = client.get(url).content.decode()
    assert 'class="transfer-code__image"' in page
    assert f"QR code SEPA : virement de 150\u00a0€, référence {enrollment.reference}" in page
    payments.record_payment(enrollment, amount="150", method=Method.CHEQUE, by=secretary)
    page = client.get(url).content.decode()
    assert f"QR code SEPA : virement de 300\u00a0€, référence {enrollment.reference}" in page  # the balance next
    payments.record_payment(enrollment, amount="300", method=Method.CHEQUE, by=secretary)
    assert "transfer-code__image" not in client.get(url).content.decode()
