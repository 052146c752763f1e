import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from memberspace.families.text import name_key
from memberspace.secretariat.models import PrivateRecord
from pages.models import age_on


class Sex(models.TextChoices):
    GIRL = "F", _("Fille")
    BOY = "M", _("Garçon")


class ChildStatus(models.TextChoices):
    MIGRATED = "migrated", _("Migré de l'ancienne base")
    ACTIVE = "active", _("Actif")
    ARCHIVED = "archived", _("Archivé")


class SchoolLevel(models.TextChoices):
    PS = "PS", _("Petite section")
    MS = "MS", _("Moyenne section")
    GS = "GS", _("Grande section")
    CP = "CP", _("CP")
    CE1 = "CE1", _("CE1")
    CE2 = "CE2", _("CE2")
    CM1 = "CM1", _("CM1")
    CM2 = "CM2", _("CM2")
    SIXTH = "6e", _("6e")
    FIFTH = "5e", _("5e")
    FOURTH = "4e", _("4e")
    THIRD = "3e", _("3e")
    SECOND = "2nde", _("Seconde")
    FIRST = "1re", _("Première")
    FINAL = "Tle", _("Terminale")
    OTHER = "autre", _("Autre")


class Relationship(models.TextChoices):
    MOTHER = "mere", _("Mère")
    FATHER = "pere", _("Père")
    LEGAL_GUARDIAN = "tuteur", _("Tuteur ou tutrice légal(e)")
    OTHER = "autre", _("Autre responsable")


class ChildQuerySet(models.QuerySet):
    def for_guardian(self, user):
        """The children ``user`` is a guardian of: the only ones a parent may see."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(guardianships__parent=user)

    def migrated(self):
        return self.filter(status=ChildStatus.MIGRATED)


class Child(PrivateRecord):
    """A member of the club (adhérent): a child, managed equally by each of its guardians."""

    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"))
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices, blank=True)
    school_level = models.CharField(_("classe"), max_length=5, choices=SchoolLevel.choices, blank=True)
    health_notes = models.TextField(
        _("informations de santé"),
        blank=True,
        max_length=2000,
        help_text=_(
            "Allergies, traitements, régime alimentaire… Visible seulement des responsables et du secrétariat."
        ),
    )
    emergency_contact_name = models.CharField(_("personne à prévenir en cas d'urgence"), max_length=150, blank=True)
    emergency_contact_phone = models.CharField(_("téléphone en cas d'urgence"), max_length=20, blank=True)
    image_rights_consent = models.BooleanField(_("droit à l'image accordé"), default=False)
    may_leave_alone = models.BooleanField(_("peut repartir seul(e) après l'activité"), default=False)

    status = models.CharField(
        _("état"), max_length=10, choices=ChildStatus.choices, default=ChildStatus.ACTIVE, db_index=True
    )
    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True)
    guardians = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Guardianship",
        through_fields=("child", "parent"),
        related_name="children",
        verbose_name=_("responsables"),
    )

    # From the old database (memberspace/legacy/importer.py).
    legacy_id = models.CharField(_("n° dans l'ancienne base"), max_length=32, unique=True, null=True, blank=True)
    legacy_activities = models.TextField(_("activités et séjours passés (ancienne base)"), blank=True)
    legacy_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    # Names without accents, case or punctuation, for matching and duplicate detection.
    first_name_key = models.CharField(max_length=100, editable=False, db_index=True)
    last_name_key = models.CharField(max_length=100, editable=False, db_index=True)

    # Another child of the club with the same names and birth date when this one was created or
    # renamed: a possible duplicate, for the secretariat only (services.children.find_duplicate).
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("doublon possible de"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("enfant")
        verbose_name_plural = _("enfants")
        ordering = ["last_name", "first_name", "birth_date"]
        indexes = [models.Index(fields=["last_name_key", "first_name_key", "birth_date"], name="child_identity_idx")]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs):
        self.first_name_key = name_key(self.first_name)
        self.last_name_key = name_key(self.last_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "first_name_key", "last_name_key", "updated_at"}
        super().save(*args, **kwargs)

    @property
    def age(self):
        return age_on(self.birth_date, timezone.localdate())


class Guardianship(PrivateRecord):
    """A parent account responsible for a child; every guardian manages the child equally."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="guardianships")
    parent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardianships")
    relationship = models.CharField(_("lien"), max_length=10, choices=Relationship.choices)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("responsable")
        verbose_name_plural = _("responsables")
        constraints = [models.UniqueConstraint(fields=["child", "parent"], name="one_guardianship_per_parent")]

    def __str__(self):
        return f"{self.parent} ({self.get_relationship_display()}) → {self.child}"


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self, now=None):
        now = now or timezone.now()
        return self.filter(accepted_at__isnull=True, withdrawn_at__isnull=True, expires_at__gt=now)


class Invitation(PrivateRecord):
    """A guardian invites another adult, by email, to manage chosen children with them.

    Single use, expiring, bound to the email address; only the token's hash is stored.
    """

    inviter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations_sent")
    email = models.EmailField(_("adresse e-mail de la personne invitée"))
    children = models.ManyToManyField(Child, related_name="invitations", verbose_name=_("enfants"))
    relationship = models.CharField(_("lien avec les enfants"), max_length=10, choices=Relationship.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.inviter} → {self.email}"

    @staticmethod
    def new_token():
        return secrets.token_urlsafe(32)

    def set_token(self, token):
        self.token_hash = hash_token(token)

    def is_pending(self, now=None):
        now = now or timezone.now()
        return not self.accepted_at and not self.withdrawn_at and self.expires_at > now

    def can_be_withdrawn(self):
        return self.is_pending()

    @property
    def state_label(self):
        if self.accepted_at:
            return _("acceptée")
        if self.withdrawn_at:
            return _("retirée")
        return _("en attente") if self.is_pending() else _("expirée")
