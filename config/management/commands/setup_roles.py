from django.core.management.base import BaseCommand

from config.roles import setup_roles


class Command(BaseCommand):
    help = "Crée les groupes « Secrétariat » et « Communication » avec leurs permissions. Idempotente."

    def handle(self, *args, **options):
        groups = setup_roles()
        self.stdout.write("Groupes à jour : " + ", ".join(sorted(groups)))
