import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from memberspace.legacy.matching import THRESHOLD, suggest_children


class Command(BaseCommand):
    help = (
        "Affiche en JSON les enfants migrés qui appartiennent probablement au compte (les mieux classés d'abord) : "
        "numéro d'adhérent, nom, date de naissance, score et raisons."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="adresse du compte parent")
        parser.add_argument("--seuil", type=int, default=THRESHOLD, help=f"score minimum (défaut : {THRESHOLD})")
        parser.add_argument("--nombre", type=int, default=10, help="nombre maximum de suggestions (défaut : 10)")

    def handle(self, *args, email, seuil, nombre, **options):
        account = get_user_model().objects.filter(email__iexact=email).first()
        if account is None:
            raise CommandError(f"Aucun compte avec l'adresse {email}.")
        suggestions = suggest_children(account, limit=nombre, threshold=seuil)
        self.stdout.write(
            json.dumps([suggestion.as_dict() for suggestion in suggestions], ensure_ascii=False, indent=2)
        )
