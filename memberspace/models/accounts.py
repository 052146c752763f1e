from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class NotificationPreference(models.TextChoices):
    EMAIL = "email", _("Par e-mail")
    SMS = "sms", _("Par SMS")
    BOTH = "both", _("Par e-mail et par SMS")


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

    def save(self, *args, **kwargs):
        if self.email:
            self.email = self.email.strip().lower()
        super().save(*args, **kwargs)
