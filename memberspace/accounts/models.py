from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from memberspace.notifications.models import NotificationPreference
from memberspace.secretariat.transitions import StateMachine, Transition


class UserManager(DjangoUserManager):
    """Users are identified by their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class AccountStatus(models.TextChoices):
    PENDING = "pending", _("En attente de validation")
    VALIDATED = "validated", _("Validé")
    REJECTED = "rejected", _("Refusé")
    SUSPENDED = "suspended", _("Suspendu")
    ERASED = "erased", _("Effacé")


# Accounts the club closed: refused, suspended or erased. No child is attached to them.
CLOSED_STATUSES = (AccountStatus.REJECTED, AccountStatus.SUSPENDED, AccountStatus.ERASED)


def _email_verified(account):
    return account.has_verified_email()


def _erasure_requested(account):
    return account.erasure_requested_at is not None


# The account's state machine; the transitions are carried out by memberspace/accounts/services.py,
# but the erasure, by memberspace.privacy (an app above), whose view the admin's hook registers.
ACCOUNT_TRANSITIONS = StateMachine(
    "account_status",
    [
        Transition(
            "validate",
            sources=(AccountStatus.PENDING,),
            condition=_email_verified,
            service="memberspace.accounts.services.validate",
            label=_("Valider"),
            title=_("Valider le compte"),
            question=_("Valider le compte de %(name)s (%(email)s) ? Le parent en sera prévenu et pourra continuer."),
            done=_("Le compte de %(name)s est validé ; le parent est prévenu."),
            primary=True,
            bulk_label=_("Valider les comptes sélectionnés"),
            bulk_done=_("%(count)s compte(s) validé(s) ; les parents sont prévenus."),
        ),
        Transition(
            "reject",
            sources=(AccountStatus.PENDING,),
            service="memberspace.accounts.services.reject",
            asks_reason=True,
            label=_("Refuser"),
            title=_("Refuser le compte"),
            question=_("Refuser le compte de %(name)s (%(email)s) ?"),
            done=_("Le compte de %(name)s est refusé ; le parent est prévenu."),
            bulk_label=_("Refuser les comptes sélectionnés"),
            bulk_done=_("%(count)s compte(s) refusé(s) ; les parents sont prévenus."),
        ),
        Transition(
            "suspend",
            sources=(AccountStatus.VALIDATED,),
            service="memberspace.accounts.services.suspend",
            asks_reason=True,
            label=_("Suspendre"),
            title=_("Suspendre le compte"),
            question=_("Suspendre le compte de %(name)s ? Ses sessions ouvertes prennent fin."),
            done=_("Le compte de %(name)s est suspendu."),
            bulk_label=_("Suspendre les comptes sélectionnés"),
            bulk_done=_("%(count)s compte(s) suspendu(s)."),
        ),
        Transition(
            "reinstate",
            sources=(AccountStatus.SUSPENDED,),
            service="memberspace.accounts.services.reinstate",
            label=_("Rétablir"),
            title=_("Rétablir le compte"),
            question=_("Rétablir le compte de %(name)s ?"),
            done=_("Le compte de %(name)s est rétabli."),
        ),
        Transition(
            "erase",  # the secretariat carries out an erasure the parent asked for
            sources=tuple(status for status in AccountStatus if status != AccountStatus.ERASED),
            condition=_erasure_requested,
            label=_("Effacer (demandé)"),
            title=_("Effacer le compte"),
            confirm_label=_("Effacer définitivement"),
        ),
    ],
    permission="accounts.validate_parentaccount",
)


class User(AbstractUser):
    """An account: a parent (responsable légal) or a member of the club's staff.

    The email address is the login. It is stored in lower case so that
    "Marie@Exemple.fr" and "marie@exemple.fr" are one account.
    """

    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    phone = models.CharField(
        _("téléphone portable"), max_length=20, blank=True, help_text=_("Enregistré au format international (E.164).")
    )
    notification_preference = models.CharField(
        _("être prévenu"),
        max_length=5,
        choices=NotificationPreference.choices,
        default=NotificationPreference.EMAIL,
    )
    street = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    club_message = models.TextField(_("message à l'intention du club"), max_length=2000, blank=True)
    privacy_consent_at = models.DateTimeField(
        _("consentement à la politique de confidentialité"), null=True, blank=True
    )

    # The parent account's validation by the club (memberspace/accounts/services.py).
    account_status = models.CharField(
        _("état du compte"), max_length=10, choices=AccountStatus.choices, default=AccountStatus.PENDING, db_index=True
    )
    pending_since = models.DateTimeField(
        _("en attente depuis"), null=True, blank=True, help_text=_("Date de vérification de l'adresse e-mail.")
    )
    status_changed_at = models.DateTimeField(_("état changé le"), null=True, blank=True)
    erasure_requested_at = models.DateTimeField(_("effacement demandé le"), null=True, blank=True)
    erased_at = models.DateTimeField(_("effacé le"), null=True, blank=True)
    status_reason = models.TextField(_("motif"), blank=True, help_text=_("Motif d'un refus ou d'une suspension."))

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    # Read-only guards of the account's state machine (transitions live in services.accounts).

    @property
    def is_parent(self):
        return not (self.is_staff or self.is_superuser)

    @property
    def is_validated_parent(self):
        return self.is_parent and self.is_active and self.account_status == AccountStatus.VALIDATED

    def has_verified_email(self):
        if hasattr(self, "email_verified"):  # annotated by the admin's listing: no query per row
            return self.email_verified
        from allauth.account.models import EmailAddress

        return EmailAddress.objects.filter(user=self, email__iexact=self.email, verified=True).exists()

    can_be_validated = ACCOUNT_TRANSITIONS.guard("validate")
    can_be_rejected = ACCOUNT_TRANSITIONS.guard("reject")
    can_be_suspended = ACCOUNT_TRANSITIONS.guard("suspend")
    can_be_reinstated = ACCOUNT_TRANSITIONS.guard("reinstate")
    can_be_erased = ACCOUNT_TRANSITIONS.guard("erase")

    @property
    def address_lines(self):
        return [line for line in (self.street, f"{self.postal_code} {self.city}".strip()) if line]

    def save(self, *args, **kwargs):
        if self.email:
            self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class ParentAccountManager(UserManager):
    """Parents only: never staff, whichever way a member of staff was created.

    Staff are ``is_staff`` or superusers (``createsuperuser``, the admin's users
    screen), but an account put in a group (Secrétariat, Communication...) from a
    shell or by hand is staff too, even without the flag: neither listed with the
    parents nor purged as a parent who never verified their address.
    """

    def get_queryset(self):
        in_a_group = User.groups.through.objects.filter(user_id=models.OuterRef("pk"))
        return super().get_queryset().filter(is_staff=False, is_superuser=False).exclude(models.Exists(in_a_group))


class ParentAccount(User):
    """The parents' accounts, as the secretariat sees them in the admin ("Comptes parents")."""

    objects = ParentAccountManager()

    class Meta:
        proxy = True
        verbose_name = _("compte parent")
        verbose_name_plural = _("comptes parents")
        permissions = [("validate_parentaccount", _("Peut valider, refuser, suspendre et rétablir un compte parent"))]
