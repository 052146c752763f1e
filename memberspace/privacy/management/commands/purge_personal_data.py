from django.core.management.base import BaseCommand

from memberspace.privacy.services import PURGES, run_purges


class Command(BaseCommand):
    help = (
        "Applique les durées de conservation des données personnelles (comptes jamais vérifiés ou jamais "
        "validés, enfants archivés, journal des envois). Les mêmes purges tournent chaque jour (django-q2)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Affiche ce qui serait effacé, sans rien effacer.")
        parser.add_argument("--only", nargs="+", choices=list(PURGES), help="Seulement ces purges.")

    def handle(self, *args, dry_run=False, only=None, **options):
        verb = "serait effacé" if dry_run else "effacé"
        for purge in run_purges(dry_run=dry_run, only=only):
            self.stdout.write(f"{purge.name} : {purge.count} {verb}{'s' if purge.count > 1 else ''}")
            if dry_run:
                for item in purge.found[:50]:
                    self.stdout.write(f"  - {item}")
        if dry_run:
            self.stdout.write(self.style.WARNING("Simulation : rien n'a été effacé."))
