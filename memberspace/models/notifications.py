from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def claimable(self, now=None):
        """Queued rows that are due and that no worker holds (or whose worker's lease ran out)."""
        now = now or timezone.now()
        return self.filter(status=Notification.Status.QUEUED, next_attempt_at__lte=now).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        )


class Notification(models.Model):
    """One message to one recipient on one channel: the outbox and the log at once.

    The row is the source of truth, not the task broker: it is written in the
    transaction of the change it reports, a task delivers it after the commit,
    and a periodic sweeper hands the broker again whatever is still queued.
    """

    wagtail_reference_index_ignore = True  # out of Wagtail's "Usage" listings (see __init__)

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        SENT = "sent", _("Envoyée")
        FAILED = "failed", _("Échec")

    kind = models.CharField(_("type"), max_length=80, db_index=True)
    channel = models.CharField(_("canal"), max_length=5, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    address = models.CharField(_("adresse ou numéro"), max_length=254)
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"), blank=True)

    status = models.CharField(_("état"), max_length=6, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    remarks = models.TextField(
        _("remarques"), blank=True, help_text=_("Par exemple : pourquoi un SMS n'a pas été envoyé.")
    )
    provider_message_id = models.CharField(_("identifiant chez le prestataire"), max_length=255, blank=True)

    created_at = models.DateTimeField(_("créée le"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    # Delivery bookkeeping: when the next attempt may run, until when a worker
    # holds the row, and when it was last handed to the task broker.
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx")]
        permissions = [("resend_notification", _("Peut renvoyer une notification en échec"))]

    def __str__(self):
        return f"{self.get_channel_display()} « {self.kind} » → {self.address}"

    def can_be_resent(self):
        return self.status == self.Status.FAILED

    @property
    def message_id(self):
        """A Message-ID that stays the same across retries, so that a duplicate can be recognised."""
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ")
        return f"<notification-{self.pk}.{int(self.created_at.timestamp())}@{domain}>"
