from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from memberspace.notifications.models import Notification
from memberspace.notifications.services import notify


class Command(BaseCommand):
    help = (
        "Envoie un message de test à un compte (e-mail, SMS ou les deux) par la file des notifications, "
        "pour vérifier la configuration SMTP et Twilio."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="adresse du compte destinataire")
        parser.add_argument("--canal", choices=["email", "sms", "les-deux"], default=None)

    def handle(self, *args, email, canal, **options):
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"Aucun compte avec l'adresse {email}.")
        channels = {
            None: None,
            "email": {Notification.Channel.EMAIL},
            "sms": {Notification.Channel.SMS},
            "les-deux": {Notification.Channel.EMAIL, Notification.Channel.SMS},
        }[canal]
        with transaction.atomic():
            rows = notify(user, "test", channels=channels)
        for row in rows:
            self.stdout.write(f"Notification {row.pk} ({row.get_channel_display()}) mise en file pour {row.address}.")
            if row.remarks:
                self.stdout.write(row.remarks)
