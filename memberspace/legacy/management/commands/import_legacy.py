import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from memberspace.legacy.importer import LegacyFileError, import_file
from memberspace.legacy.stored import refresh_pending

MAX_WARNINGS_SHOWN = 30


class Command(BaseCommand):
    help = (
        "Importe l'export de l'ancienne base (CSV ou XLSX, une ligne par enfant). Met à jour par numéro "
        "d'adhérent ; une ligne refusée et rien n'est écrit. Colonnes : voir docs/legacy_import.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="fichier .csv ou .xlsx")
        parser.add_argument("--dry-run", action="store_true", help="tout vérifier sans rien écrire")
        parser.add_argument("--no-progress", action="store_true", help="sans barre de progression")

    def handle(self, *args, file, dry_run, no_progress, **options):
        def progress(iterable, **kwargs):
            return tqdm(iterable, file=sys.stderr, disable=no_progress, leave=False, **kwargs)

        try:
            report = import_file(file, dry_run=dry_run, progress=progress)
        except (LegacyFileError, OSError) as error:
            raise CommandError(str(error)) from error
        out = self.stdout
        out.write(f"{report.read} ligne(s) lue(s) dans {file}.")
        verb = "seraient" if (dry_run or report.rejected) else "ont été"
        out.write(
            f"Enfants : {report.created} {verb} créé(s), {report.updated} mis à jour, "
            f"{report.unchanged} inchangé(s), {len(report.rejected)} ligne(s) refusée(s)."
        )
        for line, message in report.warnings[:MAX_WARNINGS_SHOWN]:
            out.write(f"  Avertissement ligne {line} : {message}")
        if len(report.warnings) > MAX_WARNINGS_SHOWN:
            out.write(f"  … et {len(report.warnings) - MAX_WARNINGS_SHOWN} autre(s) avertissement(s).")
        for line, legacy_id, reason in report.rejected:
            out.write(f"  Refusée ligne {line} (n° {legacy_id or '?'}) : {reason}")
        if report.rejected:
            raise CommandError("Des lignes sont refusées : rien n'a été importé. Corrigez-les et relancez l'import.")
        if not dry_run and (report.created or report.updated):
            # The old base changed: the suggestions of the accounts waiting for the secretariat are
            # computed now, once, rather than at the secretariat's first view of each.
            computed = refresh_pending()
            out.write(f"Suggestions recalculées pour {computed} compte(s) en attente de validation.")
        out.write(self.style.SUCCESS("Simulation terminée : rien n'a été écrit." if dry_run else "Import terminé."))
