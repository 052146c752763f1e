"""``python manage.py seed_demo``: the demo site (``seed_site``), the staff's accounts and demo families.

Idempotent: what exists already (found by email) is left as it is, so running it
twice gives the same content and editors' changes are kept.
"""

import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from config.roles import COMMUNICATION, SECRETARIAT, setup_roles
from memberspace.accounts.models import AccountStatus
from memberspace.enrollments import services as enrollments
from memberspace.families.models import Child, ChildStatus, Guardianship, Relationship
from memberspace.legacy.models import LegacyContact

DEMO_PASSWORD = "demo-PO-2026"  # noqa: S105 (the demo logins, printed in the README)
SECRETARIAT_GROUP = SECRETARIAT
COMMUNICATION_GROUP = COMMUNICATION

# Base32 secret of the demo staff's TOTP: add it to an authenticator app to sign in to the admin.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (demo only, printed in the README)

DEMO_PARENTS = [
    # (email, first name, last name, status, message to the club)
    ("parent.valide@exemple.fr", "Claire", "Martin", AccountStatus.VALIDATED, ""),
    (
        "parent.attente@exemple.fr",
        "Julien",
        "Bernard",
        AccountStatus.PENDING,
        "Bonjour, mes enfants Léa et Hugo Bernard sont déjà inscrits au judo et à la chorale.",
    ),
]

DEMO_USERS = [
    # (email, first name, last name, superuser, group)
    ("admin@le-po.test", "Alice", "Administratrice", True, None),
    ("secretariat@le-po.test", "Sophie", "Secrétaire", False, SECRETARIAT_GROUP),
    ("communication@le-po.test", "Camille", "Communication", False, COMMUNICATION_GROUP),
]


class Command(BaseCommand):
    help = "Crée (une seule fois) le site de démonstration, les comptes du personnel et des familles."

    def handle(self, *args, **options):
        call_command("seed_site", stdout=self.stdout)
        self.created = 0
        with transaction.atomic():
            # The staff's groups are the site's, not only the demo's.
            setup_roles()
            self.users()
            self.families()
        self.stdout.write(self.style.SUCCESS(f"Démo prête : {self.created} élément(s) créé(s)."))

    def users(self):
        user_model = get_user_model()
        for email, first_name, last_name, superuser, group_name in DEMO_USERS:
            user = user_model.objects.filter(email=email).first()
            if user is None:
                create = user_model.objects.create_superuser if superuser else user_model.objects.create_user
                user = create(email=email, password=DEMO_PASSWORD, first_name=first_name, last_name=last_name)
                user.is_staff = True
                user.account_status = AccountStatus.VALIDATED
                user.save(update_fields=["is_staff", "account_status"])
                EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
                # Staff need a second factor for the admin: the demo's is known (README).
                TOTP.activate(user, DEMO_TOTP_SECRET)
                self.created += 1
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
        for email, first_name, last_name, status, message in DEMO_PARENTS:
            if user_model.objects.filter(email=email).exists():
                continue
            parent = user_model.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                phone="+33612345678",
                street="3 rue des Lilas",
                postal_code="75012",
                city="Paris",
                notification_preference="both",
                club_message=message,
                account_status=status,
                privacy_consent_at=timezone.now(),
                pending_since=timezone.now() - datetime.timedelta(hours=30),
            )
            EmailAddress.objects.create(user=parent, email=email, verified=True, primary=True)
            self.created += 1

    def families(self):
        """The old base's children of the waiting demo parent, and a child for the validated one."""
        if Child.objects.exists():
            return
        today = timezone.localdate()
        for number, (first, last, age, sex) in enumerate([("Léa", "Bernard", 9, "F"), ("Hugo", "Bernard", 7, "M")]):
            child = Child.objects.create(
                first_name=first,
                last_name=last,
                birth_date=today.replace(year=today.year - age, day=1),
                sex=sex,
                status=ChildStatus.MIGRATED,
                legacy_id=f"D{number + 1:03d}",
                legacy_activities="Judo 2024-2025" if first == "Léa" else "Chorale 2024-2025",
            )
            LegacyContact.objects.create(
                child=child,
                first_name="Julien",
                last_name="Bernard",
                email="parent.attente@exemple.fr",
                address="8 rue de Charenton",
                postal_code="75012",
                city="Paris",
            )
            self.created += 1
        # Another family's Léa Bernard: the matching folds her under « Homonymes possibles ».
        homonym = Child.objects.create(
            first_name="Léa",
            last_name="Bernard",
            birth_date=today.replace(year=today.year - 12, day=1),
            sex="F",
            status=ChildStatus.MIGRATED,
            legacy_id="D003",
            legacy_activities="Théâtre 2023-2024",
        )
        for first in ("Nadia", "Éric"):
            LegacyContact.objects.create(
                child=homonym, first_name=first, last_name="Bernard", postal_code="75020", city="Paris"
            )
        self.created += 1
        mother = get_user_model().objects.get(email="parent.valide@exemple.fr")
        child = Child.objects.create(
            first_name="Emma",
            last_name="Martin",
            birth_date=today.replace(year=today.year - 8, day=1),
            sex="F",
            created_by=mother,
        )
        Guardianship.objects.create(child=child, parent=mother, relationship=Relationship.MOTHER, created_by=mother)
        self.created += 1
        self.enrollments(mother, child)

    def enrollments(self, mother, child):
        """Emma: one request validated (deposit terms sent), one waiting for the secretariat's decision."""
        possible = [
            offer for offer in enrollments.offers_open_to_requests() if enrollments.eligibility(child, offer).allowed
        ]
        secretary = get_user_model().objects.get(email="secretariat@le-po.test")
        for number, offer in enumerate(possible[:2]):
            (enrollment,) = enrollments.request_enrollments(mother, offer=offer, children=[child])
            if number == 0:
                enrollments.validate(enrollment, by=secretary)
            self.created += 1
