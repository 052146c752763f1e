"""The deposits the secretariat recorded before the ledger become payments, so that the ledger counts them.

Their method was never asked: « Autre », with a note saying so. Reversed, these rows go.
"""

from django.db import migrations
from django.utils import timezone

NOTE = "Acompte enregistré avant le registre des paiements (moyen non précisé)."


def record_deposits(apps, schema_editor):
    Enrollment = apps.get_model("enrollments", "Enrollment")
    Payment = apps.get_model("payments", "Payment")
    received = Enrollment.objects.filter(
        status__in=["deposit_received", "paid", "cancelled"],
        deposit_received_at__isnull=False,
        deposit_amount__gt=0,
        payments__isnull=True,
    )
    for enrollment in received.iterator():
        Payment.objects.create(
            enrollment=enrollment,
            amount=enrollment.deposit_amount,
            method="other",
            payer="family",
            state="received",
            received_on=timezone.localdate(enrollment.deposit_received_at),
            recorded_at=enrollment.deposit_received_at,
            recorded_by_id=enrollment.deposit_received_by_id,
            note=NOTE,
        )
        if enrollment.status == "deposit_received" and enrollment.price is not None:
            if enrollment.deposit_amount >= enrollment.price:  # the deposit was the whole price: « soldée »
                enrollment.status, enrollment.paid_at = "paid", enrollment.deposit_received_at
                enrollment.save(update_fields=["status", "paid_at"])


def forget_deposits(apps, schema_editor):
    apps.get_model("payments", "Payment").objects.filter(note=NOTE, method="other").delete()


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_ledger"), ("enrollments", "0004_freeze_dues")]

    operations = [migrations.RunPython(record_deposits, forget_deposits)]
