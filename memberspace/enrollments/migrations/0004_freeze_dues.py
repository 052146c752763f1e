"""Freeze what the places taken before the ledger cost: the offer's price today, and the balance's date.

The same rule as ``services._set_dues``: the balance is due ``balance_due_days_before_start``
before the start, or with the deposit when that would come first.
"""

import datetime

from django.db import migrations

TAKEN = ["validated", "deposit_received", "paid"]


def freeze_dues(apps, schema_editor):
    Enrollment = apps.get_model("enrollments", "Enrollment")
    ClubSettings = apps.get_model("pages", "ClubSettings")
    club = ClubSettings.objects.order_by("pk").first()
    days_before = club.balance_due_days_before_start if club else 30
    taken = Enrollment.objects.filter(status__in=TAKEN, price__isnull=True).select_related("offer")
    for enrollment in taken.iterator():
        offer = enrollment.offer
        enrollment.price = offer.price
        if offer.price is not None and enrollment.deposit_amount is not None and enrollment.deposit_due_date:
            if offer.price > enrollment.deposit_amount:
                due = offer.start_date - datetime.timedelta(days=days_before)
                enrollment.balance_due_date = max(due, enrollment.deposit_due_date)
        enrollment.save(update_fields=["price", "balance_due_date"])


class Migration(migrations.Migration):
    dependencies = [("enrollments", "0003_money_follows_payments"), ("pages", "0008_cancellation_rules")]

    # Undone, the columns go with 0003; nothing to erase here (the dues of later validations included).
    operations = [migrations.RunPython(freeze_dues, migrations.RunPython.noop)]
