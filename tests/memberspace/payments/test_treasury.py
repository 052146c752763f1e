"""The treasurer's screens (issue 16, item 7): totals per offer, the accounts' downloads, who sees them."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from memberspace.enrollments import services as enrollments
from memberspace.payments import exports
from memberspace.payments import services as payments
from memberspace.payments.models import Method, Payer
from tests import dates
from tests.auth import login_staff
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

D = Decimal


def enrolled(stay, mother, secretary, first_name):
    child = ChildFactory(first_name=first_name, last_name="Martin", guardians=[(mother, "mere")])
    child.birth_date = stay.start_date.replace(year=stay.start_date.year - 9)
    child.save()
    (requested,) = enrollments.request_enrollments(mother, offer=stay, children=[child])
    return enrollments.validate(requested, by=secretary)


def test_the_totals_add_up_each_offers_accounts(enrollment, stay, mother, secretary):
    paid = enrolled(stay, mother, secretary, "Hugo")
    over = enrolled(stay, mother, secretary, "Tom")
    gone = enrolled(stay, mother, secretary, "Zoé")
    payments.record_payment(
        enrollment, amount="150", method=Method.CHEQUE, cash_on=dates.today() + datetime.timedelta(days=9), by=secretary
    )
    payments.record_payment(paid, amount="450", method=Method.TRANSFER, payer=Payer.WORKS_COUNCIL, by=secretary)
    payments.record_payment(over, amount="500", method=Method.TRANSFER, by=secretary)
    payments.record_payment(gone, amount="200", method=Method.CASH, by=secretary)
    enrollments.cancel_by_staff(gone, by=secretary)  # the club keeps the 150 € deposit, owes 50 € back
    [row] = exports.totals_by_offer()
    assert row.offer.pk == stay.pk and row.places == 3
    assert row.due == D("1500")  # three places at 450 €, and the deposit kept of the cancelled one
    assert row.paid == D("1300") and row.held == D("150")
    assert row.outstanding == D("300")  # Léa's balance
    assert row.to_refund == D("100")  # 50 € paid beyond the price, 50 € beyond the deposit kept


def test_the_totals_page_reads_as_many_queries_for_many_offers_as_for_one(
    client, enrollment, stay, stay_index, mother, secretary, treasurer
):
    from tests.factories import StayPageFactory

    payments.record_payment(enrollment, amount="150", method=Method.CHEQUE, by=secretary)
    login_staff(client, treasurer)
    url = reverse("payments_totals")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        page = client.get(url)
    assert page.status_code == 200 and "Neige à Morzine" in page.content.decode()
    for number in range(3):
        other = StayPageFactory(
            parent=stay_index, title=f"Séjour {number}", start_date=stay.start_date, end_date=stay.end_date
        )
        validated = enrolled(other, mother, secretary, f"Enfant{number}")
        payments.record_payment(validated, amount="100", method=Method.CASH, by=secretary)
    client.get(url)  # the admin's caches, cleared by the pages published
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert "Séjour 2" in page.content.decode()
    assert len(many) == len(one)


def test_the_balances_and_the_payments_download_for_the_accounts(client, enrollment, stay, secretary, treasurer):
    payments.record_payment(
        enrollment, amount="150", method=Method.CHEQUE, payer_name="=SUM(A1:A9)", reference="Chèque 1234", by=secretary
    )
    login_staff(client, treasurer)
    response = client.get(reverse("payments_balances", args=[stay.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Nom", "Prénom", "Référence", "État", "Prix"]
    assert rows[1][:3] == ["Martin", "Léa", enrollment.reference] and rows[1][4:] == [
        "450,00",
        "150,00",
        "150,00",
        "300,00",
        "0,00",
    ]
    listing = client.get(reverse("payments_payment_modeladmin_index"), {"export": "xlsx", "method__exact": "cheque"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(listing.streaming_content))).active
    values = [cell.value for cell in sheet[2]]
    assert D(str(values[1])) == D("150") and "Chèque" in values and "'=SUM(A1:A9)" in values
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_only_the_treasury_and_the_secretariat_see_the_money(client, enrollment, stay, treasurer, secretary, editor):
    for user, expected in ((treasurer, 200), (secretary, 200), (editor, 403)):
        client.logout()
        login_staff(client, user)
        assert client.get(reverse("payments_totals")).status_code == expected
        assert client.get(reverse("payments_balances", args=[stay.pk, "xlsx"])).status_code == expected
        assert client.get(reverse("payments_payment_modeladmin_index")).status_code == expected
        menu = client.get(reverse("wagtailadmin_home")).content.decode()
        assert (reverse("payments_totals") in menu) is (expected == 200)  # the sidebar's « Trésorerie »
