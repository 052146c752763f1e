"""The secretariat records money (issue 16, items 1 and 4); the enrollment's state follows it."""

import datetime
from decimal import Decimal
from html import unescape

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from memberspace.enrollments import services as enrollments
from memberspace.enrollments.models import Enrollment, EnrollmentStatus
from memberspace.notifications.models import Notification
from memberspace.payments import services as payments
from memberspace.payments.models import Method, Payer, Payment, PaymentState
from memberspace.payments.services import PaymentRefused
from tests import dates
from tests.auth import login_staff

pytestmark = pytest.mark.django_db

D = Decimal
Status = EnrollmentStatus


def refresh(enrollment):
    enrollment.refresh_from_db()
    return enrollment


def test_the_state_follows_the_money_both_ways(enrollment, secretary):
    payments.record_payment(enrollment, amount="100", method=Method.CHEQUE, by=secretary)
    assert refresh(enrollment).status == Status.VALIDATED  # 100 of a 150 deposit
    payments.record_payment(enrollment, amount="50", method=Method.ANCV, by=secretary)
    assert refresh(enrollment).status == Status.DEPOSIT_RECEIVED and enrollment.deposit_received_by == secretary
    payments.record_payment(enrollment, amount="300", method=Method.TRANSFER, payer=Payer.WORKS_COUNCIL, by=secretary)
    assert refresh(enrollment).status == Status.PAID and enrollment.paid_at
    payments.record_refund(enrollment, amount="200", method=Method.TRANSFER, reason="Erreur de saisie", by=secretary)
    assert refresh(enrollment).status == Status.DEPOSIT_RECEIVED and enrollment.paid_at is None
    payments.record_refund(enrollment, amount="200", method=Method.TRANSFER, reason="Annulation", by=secretary)
    assert refresh(enrollment).status == Status.VALIDATED and enrollment.deposit_received_at is None
    actions = list(ModelLogEntry.objects.filter(object_id=str(enrollment.pk)).values_list("action", flat=True))
    for action in ("po.payment.record", "po.enrollment.deposit", "po.enrollment.settle", "po.payment.refund"):
        assert action in actions
    assert actions.count("po.enrollment.reopen_payment") == 2


def test_paying_everything_at_once_settles_with_the_deposit(enrollment, secretary):
    payments.record_payment(enrollment, amount="450,00", method=Method.CASH, by=secretary)
    refresh(enrollment)
    assert enrollment.status == Status.PAID and enrollment.deposit_received_at and enrollment.paid_at


def test_every_guardian_is_told_of_the_money_and_what_remains(enrollment, secretary, mother, father):
    Notification.objects.all().delete()
    payments.record_payment(enrollment, amount="150", method=Method.CHEQUE, by=secretary)
    told = Notification.objects.filter(kind="payment_received", channel="email")
    assert sorted(told.values_list("address", flat=True)) == sorted([father.email, mother.email])
    body = told.first().body_text
    assert "Le PO a bien reçu 150\u00a0€ (Chèque)" in body
    due = (enrollment.offer.start_date - datetime.timedelta(days=30)).day
    assert "L'acompte est réglé : la place est réservée. Reste à régler : 300\u00a0€ avant le" in body
    assert str(due) in body


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "Montant invalide"),
        ("-5", "Montant invalide"),
        ("0", "Montant invalide"),
        ("12.345", "au centime près"),
        ("=1+1", "Montant invalide"),
        ("1e9", "Montant invalide"),
        ("NaN", "Montant invalide"),
    ],
)
def test_a_bad_amount_is_refused_in_french(enrollment, secretary, amount, message):
    with pytest.raises(PaymentRefused, match=message):
        payments.record_payment(enrollment, amount=amount, method=Method.CHEQUE, by=secretary)
    assert not Payment.objects.exists()


def test_what_the_secretariat_cannot_record(enrollment, secretary, stay, lea, mother):
    with pytest.raises(PaymentRefused, match="en ligne"):
        payments.record_payment(enrollment, amount="10", method=Method.ONLINE, by=secretary)
    with pytest.raises(PaymentRefused, match="futur"):
        payments.record_payment(
            enrollment,
            amount="10",
            method=Method.CHEQUE,
            received_on=dates.today() + datetime.timedelta(days=1),
            by=secretary,
        )
    with pytest.raises(PaymentRefused, match="Seul un chèque"):
        payments.record_payment(
            enrollment,
            amount="10",
            method=Method.CASH,
            cash_on=dates.today() + datetime.timedelta(days=5),
            by=secretary,
        )
    with pytest.raises(PaymentRefused, match="seulement ont été payés"):
        payments.record_refund(enrollment, amount="1", method=Method.CASH, reason="test", by=secretary)
    with pytest.raises(PaymentRefused, match="motif"):
        payments.record_refund(enrollment, amount="1", method=Method.CASH, reason=" ", by=secretary)
    enrollments.cancel_by_staff(enrollment, by=secretary)
    (requested,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    with pytest.raises(PaymentRefused, match="n'est pas validée"):
        payments.record_payment(requested, amount="10", method=Method.CHEQUE, by=secretary)
    assert not Payment.objects.exists()


def test_a_held_cheque_counts_until_cashed(enrollment, secretary):
    cheque = payments.record_payment(
        enrollment,
        amount="150",
        method=Method.CHEQUE,
        cash_on=dates.today() + datetime.timedelta(days=30),
        by=secretary,
    )
    assert cheque.state == PaymentState.HELD and refresh(enrollment).status == Status.DEPOSIT_RECEIVED
    cheque = payments.cash_cheque(cheque, by=secretary)
    assert cheque.state == PaymentState.RECEIVED and cheque.cash_on == dates.today()
    with pytest.raises(PaymentRefused, match="pas en attente"):
        payments.cash_cheque(cheque, by=secretary)


def test_money_for_a_cancelled_place_or_beyond_the_price_waits_in_the_queue(enrollment, secretary):
    over = payments.record_payment(enrollment, amount="500", method=Method.TRANSFER, by=secretary)
    assert refresh(enrollment).status == Status.PAID
    over.refresh_from_db()
    assert over.review_reason == "Plus que le prix : 50\u00a0€ à rembourser."
    enrollments.cancel_by_staff(enrollment, by=secretary)
    late = payments.record_payment(enrollment, amount="20", method=Method.CHEQUE, by=secretary)
    late.refresh_from_db()
    assert "inscription annulée" in late.review_reason
    assert list(payments.queue()) == [over, late]
    assert payments.mark_reviewed(late, by=secretary) and not payments.mark_reviewed(late, by=secretary)
    assert list(payments.queue()) == [over]


# The admin's forms


def payment_url(enrollment):
    return reverse("enrollments_enrollment_modeladmin_payment", args=[enrollment.pk])


def test_the_form_proposes_what_is_due_and_keeps_what_was_typed_on_a_refusal(client, enrollment, secretary):
    login_staff(client, secretary)
    form = client.get(payment_url(enrollment))
    assert form.status_code == 200 and 'value="150"' in form.content.decode()
    typed = {
        "amount": "150",
        "method": "cheque",
        "payer": "works_council",
        "payer_name": "CSE Renault <b>",
        "reference": '=HYPERLINK("http://x")',
        "received_on": (dates.today() + datetime.timedelta(days=3)).isoformat(),
        "note": "Reçu au guichet",
    }
    refused = client.post(payment_url(enrollment), typed)
    page = refused.content.decode()
    assert refused.status_code == 200 and "ne peut pas être dans le futur" in page
    assert "CSE Renault &lt;b&gt;" in page and "Reçu au guichet" in page and not Payment.objects.exists()
    typed["received_on"] = dates.today().isoformat()
    done = client.post(payment_url(enrollment), typed)
    assert done.status_code == 302
    payment = Payment.objects.get()
    assert payment.payer == Payer.WORKS_COUNCIL and payment.payer_name == "CSE Renault <b>"
    assert payment.reference == '=HYPERLINK("http://x")' and payment.recorded_by == secretary
    ledger = client.get(reverse("enrollments_enrollment_modeladmin_inspect", args=[enrollment.pk])).content.decode()
    assert "Payé : 150\u00a0€" in ledger and "CSE Renault &lt;b&gt;" in ledger


def test_a_bad_amount_in_the_form_is_said_beside_the_field(client, enrollment, secretary):
    login_staff(client, secretary)
    response = client.post(
        payment_url(enrollment),
        {"amount": "cent euros", "method": "cheque", "payer": "family", "received_on": dates.today()},
    )
    assert response.status_code == 200 and "Montant invalide" in response.content.decode()


def test_the_treasurer_records_payments_but_decides_no_enrollment(client, enrollment, treasurer, editor):
    login_staff(client, treasurer)
    assert client.get(reverse("payments_payment_modeladmin_index")).status_code == 200
    inspect = client.get(reverse("enrollments_enrollment_modeladmin_inspect", args=[enrollment.pk]))
    assert "Enregistrer un paiement" in inspect.content.decode()
    response = client.post(
        payment_url(enrollment),
        {"amount": "150", "method": "transfer", "payer": "family", "received_on": dates.today()},
    )
    assert response.status_code == 302 and refresh(enrollment).status == Status.DEPOSIT_RECEIVED
    assert client.post(reverse("enrollments_enrollment_modeladmin_cancel", args=[enrollment.pk])).status_code == 403
    client.logout()
    login_staff(client, editor)
    assert client.get(reverse("payments_payment_modeladmin_index")).status_code == 403
    assert client.get(payment_url(enrollment)).status_code == 403


def test_the_recorded_deposits_become_payments(enrollment, secretary):
    """The data migration's rule (payments 0002), replayed on a deposit recorded the old way."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("memberspace.payments.migrations.0002_recorded_deposits")
    enrollments.record_deposit(enrollment, by=secretary)
    migration.record_deposits(apps, None)
    migration.record_deposits(apps, None)  # twice: nothing twice
    payment = Payment.objects.get()
    assert payment.amount == D("150") and payment.method == Method.OTHER and payment.recorded_by == secretary
    assert payment.received_on == dates.today()
    migration.forget_deposits(apps, None)
    assert not Payment.objects.exists()


# Reminders before a due date (item 6)


def test_each_guardian_is_reminded_once_before_a_due_date_on_their_channels(
    enrollment, secretary, mother, father, club
):
    from memberspace.accounts.models import NotificationPreference

    father.notification_preference = NotificationPreference.SMS
    father.phone = "+33612345678"
    father.save()
    Notification.objects.all().delete()
    deposit_day = enrollment.deposit_due_date
    assert payments.send_due_reminders(today=deposit_day - datetime.timedelta(days=4)) == 0  # not yet
    three_days_before = deposit_day - datetime.timedelta(days=3)
    assert payments.send_due_reminders(today=three_days_before) == 1
    assert payments.send_due_reminders(today=three_days_before) == 0  # a second run: nobody twice
    sent = sorted(Notification.objects.filter(kind="payment_due_soon").values_list("channel", "address"))
    assert sent == [("email", mother.email), ("sms", father.phone)]
    email = Notification.objects.get(kind="payment_due_soon", channel="email").body_text
    assert f"L'acompte de l'inscription de Léa Martin à « Neige à Morzine » (référence {enrollment.reference})" in email
    assert "il reste 150\u00a0€" in email and f"/espace-adherent/inscriptions/{enrollment.pk}/" in email
    # The deposit paid, the balance is reminded before its own date.
    payments.record_payment(enrollment, amount="150", method=Method.CHEQUE, by=secretary)
    Notification.objects.all().delete()
    balance_day = refresh(enrollment).balance_due_date
    assert payments.send_due_reminders(today=balance_day - datetime.timedelta(days=3)) == 1
    assert "Le solde de l'inscription" in Notification.objects.get(kind="payment_due_soon", channel="email").body_text


def test_nothing_is_reminded_once_paid_or_when_the_club_says_no(enrollment, secretary, club):
    before = enrollment.deposit_due_date - datetime.timedelta(days=3)
    club.payment_reminder_days = 0
    club.save()
    assert payments.send_due_reminders(today=before) == 0
    club.payment_reminder_days = 3
    club.save()
    payments.record_payment(enrollment, amount="450", method=Method.TRANSFER, by=secretary)
    assert payments.send_due_reminders(today=before) == 0
    assert not Notification.objects.filter(kind="payment_due_soon").exists()


def test_the_same_payment_entered_twice_is_recorded_once_unless_confirmed(client, enrollment, secretary, treasurer):
    login_staff(client, secretary)
    cheque = {
        "amount": "75",
        "method": "cheque",
        "payer": "family",
        "reference": "n° 4521",
        "received_on": dates.today(),
    }
    assert client.post(payment_url(enrollment), cheque).status_code == 302
    again = client.post(payment_url(enrollment), cheque)  # the treasurer's entry of the same cheque, or a double click
    shown = unescape(again.content.decode())
    assert again.status_code == 200 and "Un paiement identique (75\u00a0€, chèque) vient d'être enregistré" in shown
    assert shown.count("Un paiement identique") == 1  # once, above the form shown again as typed
    assert BeautifulSoup(again.content, "html.parser").find("input", {"name": "reference"})["value"] == "n° 4521"
    assert Payment.objects.count() == 1
    assert client.post(payment_url(enrollment), {**cheque, "again": "on"}).status_code == 302
    assert Payment.objects.count() == 2 and refresh(enrollment).status == Status.DEPOSIT_RECEIVED


def test_the_treasurer_does_not_read_what_the_parent_wrote_to_the_club(client, enrollment, treasurer, secretary):
    Enrollment.objects.filter(pk=enrollment.pk).update(parent_comment="Asthme sévère, ventoline dans le sac")
    for user, shown in ((treasurer, False), (secretary, True)):
        client.logout()
        login_staff(client, user)
        inspect = client.get(reverse("enrollments_enrollment_modeladmin_inspect", args=[enrollment.pk]))
        listing = client.get(reverse("enrollments_enrollment_modeladmin_index"))
        for page in (inspect, listing):
            assert page.status_code == 200 and ("Asthme sévère" in page.content.decode()) is shown


# Personal data: what the family reads of its money, and what the club's accounts keep


def test_the_familys_export_holds_its_payments(enrollment, secretary, mother):
    from memberspace.privacy import services as privacy

    payments.record_payment(enrollment, amount="150", method=Method.ANCV, by=secretary)
    [exported] = privacy.export_for(mother)["enrollments"]
    assert exported["price"] == "450.00"
    assert exported["payments"] == [
        {
            "date": dates.today().isoformat(),
            "amount": "150.00",
            "method": "Chèques-vacances ANCV (papier)",
            "paid_by": "La famille",
            "state": "Reçu",
        }
    ]


def test_an_erased_childs_enrollments_with_money_are_kept_for_the_accounts(enrollment, stay, secretary, mother, lea):
    from memberspace.families.services import children as children_service
    from memberspace.privacy import services as privacy

    payments.record_payment(enrollment, amount="450", method=Method.TRANSFER, by=secretary)  # paid in full
    enrollments.cancel_by_staff(enrollment, by=secretary)
    payments.record_refund(enrollment, amount="300", method=Method.TRANSFER, reason="Annulation", by=secretary)
    (second,) = enrollments.request_enrollments(mother, offer=stay, children=[lea])
    enrollments.cancel_by_guardian(second, by=mother)  # no money: it goes
    children_service.archive(lea)
    privacy.purge_archived_children(now=timezone.now() + datetime.timedelta(days=365 * 4))
    kept = Enrollment.objects.get(pk=enrollment.pk)  # cancelled, but money came and went: kept
    assert kept.child.first_name == privacy.ERASED_NAME and kept.payments.count() == 1 and kept.refunds.count() == 1
    assert not Enrollment.objects.filter(pk=second.pk).exists()
