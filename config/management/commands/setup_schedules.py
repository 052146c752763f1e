from django.core.management.base import BaseCommand

from config.schedules import setup_schedules


class Command(BaseCommand):
    help = "Enregistre (ou met à jour) les tâches périodiques du site dans django-q2. Idempotente."

    def handle(self, *args, **options):
        created, updated, removed = setup_schedules()
        for label, names in (("créée", created), ("mise à jour", updated), ("supprimée", removed)):
            for name in names:
                self.stdout.write(f"Tâche périodique {label} : {name}")
        if not (created or updated or removed):
            self.stdout.write("Tâches périodiques déjà à jour.")
