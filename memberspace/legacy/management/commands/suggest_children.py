import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from memberspace.legacy.matching import match_account
from memberspace.legacy.stored import parents_of


class Command(BaseCommand):
    help = (
        "Affiche en JSON ce que la correspondance trouve pour le compte, calculé à l'instant (pas la copie "
        "enregistrée de la page du compte) : les foyers de l'ancienne base, les mieux classés d'abord, avec ce qui "
        "les relie au compte, leurs parents et leurs enfants (numéro d'adhérent, nom, date de naissance, score, "
        "raisons), puis les homonymes possibles."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="adresse du compte parent")

    def handle(self, *args, email, **options):
        account = get_user_model().objects.filter(email__iexact=email).first()
        if account is None:
            raise CommandError(f"Aucun compte avec l'adresse {email}.")
        matches = match_account(account)
        data = {
            "households": [
                {
                    "key": household.key,
                    "confirmed": household.confirmed,
                    "evidence": household.evidence,
                    "parents": parents_of(suggestion.child for suggestion in household.suggestions),
                    "children": [suggestion.as_dict() for suggestion in household.suggestions],
                }
                for household in matches.households
            ],
            "homonyms": [
                {**suggestion.as_dict(), "parents": parents_of([suggestion.child])} for suggestion in matches.homonyms
            ],
        }
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
