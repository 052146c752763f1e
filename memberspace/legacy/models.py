"""What the old base knew: its contacts of each child, and the children a parent created that it may know too.

The child itself (``families.Child``) keeps its old-base number, its past activities
and its ``migrated`` state; this app holds the rest, and leaves with it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from memberspace.families.text import name_key
from memberspace.secretariat.models import PrivateRecord


class LegacyContact(PrivateRecord):
    """A parent as the old database knew them: what the matching compares accounts with."""

    child = models.ForeignKey("families.Child", on_delete=models.CASCADE, related_name="legacy_contacts")
    position = models.PositiveSmallIntegerField(default=1)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    last_name_key = models.CharField(max_length=100, blank=True, db_index=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=20, blank=True, db_index=True)
    address = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("contact de l'ancienne base")
        verbose_name_plural = _("contacts de l'ancienne base")
        ordering = ["child", "position"]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def save(self, *args, **kwargs):
        self.last_name_key = name_key(self.last_name)
        super().save(*args, **kwargs)


class AttachmentRequest(PrivateRecord):
    """A child a parent created that the old base may know too: a possible duplicate for the secretariat.

    The parent is not told (memberspace/families/services/children.py); attaching the old base's
    child to the account merges the two and removes this row.
    """

    parent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attachment_requests")
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("demande de rattachement")
        verbose_name_plural = _("demandes de rattachement")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class BaseVersion(models.Model):
    """One row: a token that changes whenever the old base's records change (an import, a contact edited).

    A random token, not a counter: a database restored from a backup, or a test's rolled-back
    transaction, never brings back a version a process has already built an index for.

    Stored suggestions (``AccountSuggestions``) and each process's matching index are
    valid for one version; ``memberspace.legacy.matching.bump_base_version`` moves it on.
    """

    version = models.CharField(max_length=32)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("version de l'ancienne base")

    def __str__(self):
        return str(self.version)


class AccountSuggestions(PrivateRecord):
    """The matching's result for one account, computed once per change of its inputs or of the old base.

    ``signature`` digests what the result depends on (the account's names, postcode,
    email, phone, message and attachment requests, and the base's version); ``data`` is
    ``Matches.as_dict()``.
    """

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="legacy_suggestions"
    )
    signature = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("suggestions de l'ancienne base")
        verbose_name_plural = _("suggestions de l'ancienne base")

    def __str__(self):
        return str(self.account)
