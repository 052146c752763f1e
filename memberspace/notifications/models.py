import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from memberspace.secretariat.models import PrivateRecord


class NotificationPreference(models.TextChoices):
    """How a person wants to be told: the choice stored on their account (accounts.User)."""

    EMAIL = "email", _("Par e-mail")
    SMS = "sms", _("Par SMS")
    BOTH = "both", _("Par e-mail et par SMS")


class NotificationQuerySet(models.QuerySet):
    def claimable(self, now=None):
        """Queued rows that are due and that no worker holds (or whose worker's lease ran out)."""
        now = now or timezone.now()
        return self.filter(status=Notification.Status.QUEUED, next_attempt_at__lte=now).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        )

    def retriable_failures(self, now=None):
        """Failed rows that a retry may still deliver: failed for a passing reason, young enough.

        ``NOTIFICATION_RETRY_HORIZON`` seconds after its creation, a message is
        left failed (the news it carries is stale); a permanent failure (address
        refused) always is.
        """
        now = now or timezone.now()
        horizon = now - datetime.timedelta(seconds=settings.NOTIFICATION_RETRY_HORIZON)
        return self.filter(
            status=Notification.Status.FAILED,
            failure_kind__in=Notification.FailureKind.retriable(),
            created_at__gte=horizon,
        )

    def late(self, now=None):
        """Rows still queued ``NOTIFICATION_LATE_AFTER`` seconds after their creation."""
        now = now or timezone.now()
        return self.filter(
            status=Notification.Status.QUEUED,
            created_at__lt=now - datetime.timedelta(seconds=settings.NOTIFICATION_LATE_AFTER),
        )


class Notification(PrivateRecord):
    """One message to one recipient on one channel: the outbox and the log at once.

    The row is the source of truth, not the task broker: it is written in the
    transaction of the change it reports, a task delivers it after the commit,
    and a periodic sweeper hands the broker again whatever is still queued.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        SENT = "sent", _("Envoyée")
        FAILED = "failed", _("Échec")

    class FailureKind(models.TextChoices):
        """What the last failed attempt says about the next one."""

        # The provider could not be reached or asked to try later (refused connection, timeout,
        # SMTP 4xx, Twilio 5xx): retried, and again once the provider answers after an outage.
        TRANSIENT = "transient", _("passagère")
        # The request may have reached the provider before the answer was lost (Twilio timeout):
        # retried like a passing failure, after looking for the message at the provider.
        UNCERTAIN = "uncertain", _("issue inconnue")
        # No retry will fix it (address or number refused): left to the secretariat.
        PERMANENT = "permanent", _("définitive")

        @classmethod
        def retriable(cls):
            return [cls.TRANSIENT, cls.UNCERTAIN]

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
    failure_kind = models.CharField(
        _("nature de la dernière erreur"), max_length=9, choices=FailureKind.choices, blank=True
    )
    remarks = models.TextField(
        _("remarques"), blank=True, help_text=_("Par exemple : pourquoi un SMS n'a pas été envoyé.")
    )
    provider_message_id = models.CharField(_("identifiant chez le prestataire"), max_length=255, blank=True)

    created_at = models.DateTimeField(_("créée le"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    failed_at = models.DateTimeField(_("en échec depuis"), null=True, blank=True)
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
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
            models.Index(fields=["status", "failed_at"], name="notification_failed_idx"),
        ]
        permissions = [("resend_notification", _("Peut renvoyer une notification en échec"))]

    def __str__(self):
        return f"{self.get_channel_display()} « {self.kind} » → {self.address}"

    def can_be_resent(self):
        return self.status == self.Status.FAILED

    def may_have_reached_the_provider(self):
        """Whether an earlier attempt may have been accepted without this row knowing it.

        True after an attempt of unknown outcome (kept through later passing
        failures and a resend), and when an earlier attempt recorded nothing:
        its worker died mid-send. ``attempts`` counts the attempt under way.
        """
        if self.failure_kind == self.FailureKind.UNCERTAIN:
            return True
        return self.attempts > 1 and not self.failure_kind

    @property
    def message_id(self):
        """A Message-ID that stays the same across retries, so that a duplicate can be recognised."""
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ")
        return f"<notification-{self.pk}.{int(self.created_at.timestamp())}@{domain}>"
