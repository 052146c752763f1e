"""The money of each enrollment: what was received, and what went back.

What is due is the enrollment's (its price, deposit and dates, frozen at validation by
memberspace.enrollments). Payments and refunds are rows added by the services of this
app and never edited or deleted; the ledger (``ledger.py``) adds them up, and the
enrollment's state follows it.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from memberspace.secretariat.models import PrivateRecord

CENT = "0.01"


class Method(models.TextChoices):
    ONLINE = "online", _("Carte bancaire en ligne (HelloAsso)")
    TRANSFER = "transfer", _("Virement")
    CHEQUE = "cheque", _("Chèque")
    ANCV = "ancv", _("Chèques-vacances ANCV (papier)")
    ANCV_CONNECT = "ancv_connect", _("ANCV Connect")
    CASH = "cash", _("Espèces")
    OTHER = "other", _("Autre")


class Payer(models.TextChoices):
    FAMILY = "family", _("La famille")
    WORKS_COUNCIL = "works_council", _("Un comité d'entreprise (CSE)")
    CAF = "caf", _("La CAF")
    TOWN = "town", _("La mairie")
    EMPLOYER = "employer", _("Un employeur")
    OTHER = "other", _("Un autre organisme")


class PaymentState(models.TextChoices):
    PENDING = "pending", _("Paiement en ligne ouvert")
    HELD = "held", _("Chèque à encaisser")
    RECEIVED = "received", _("Reçu")
    FAILED = "failed", _("Échoué ou abandonné")


# What counts as paid: money received, and a cheque the club holds to cash later.
COUNTED_STATES = [PaymentState.RECEIVED, PaymentState.HELD]


class PaymentQuerySet(models.QuerySet):
    def counted(self):
        return self.filter(state__in=COUNTED_STATES)

    def to_review(self):
        return self.filter(review_reason__gt="", reviewed_at__isnull=True)


class Payment(PrivateRecord):
    """Money for one enrollment: recorded by the secretariat, or confirmed by the online provider."""

    enrollment = models.ForeignKey(
        "enrollments.Enrollment", verbose_name=_("inscription"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(_("montant"), max_digits=8, decimal_places=2, validators=[MinValueValidator(CENT)])
    method = models.CharField(_("moyen de paiement"), max_length=16, choices=Method.choices)
    payer = models.CharField(_("payé par"), max_length=16, choices=Payer.choices, default=Payer.FAMILY)
    payer_name = models.CharField(
        _("nom du payeur"), max_length=120, blank=True, help_text=_("Le tireur du chèque, le nom du CSE…")
    )
    reference = models.CharField(
        _("référence"), max_length=120, blank=True, help_text=_("Numéro du chèque, libellé du virement…")
    )
    state = models.CharField(
        _("état"), max_length=16, choices=PaymentState.choices, default=PaymentState.RECEIVED, db_index=True
    )
    received_on = models.DateField(_("reçu le"), default=timezone.localdate)
    cash_on = models.DateField(_("à encaisser le"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    recorded_at = models.DateTimeField(_("enregistré le"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistré par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Online: the provider's checkout, and its payment once confirmed (read back from its API).
    provider = models.CharField(_("prestataire"), max_length=20, blank=True)
    checkout_id = models.CharField(_("paiement en ligne n°"), max_length=40, blank=True, db_index=True)
    checkout_url = models.URLField(max_length=500, blank=True, editable=False)
    provider_payment_id = models.CharField(_("transaction n°"), max_length=40, blank=True)
    # Something the secretariat must look at (money for a place released, more than due…).
    review_reason = models.CharField(_("à vérifier"), max_length=200, blank=True)
    reviewed_at = models.DateTimeField(_("vérifié le"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["received_on", "recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            # A provider's payment is recorded once, however often it is notified.
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~Q(provider_payment_id=""),
                name="one_payment_per_provider_payment",
            ),
        ]
        indexes = [models.Index(fields=["enrollment", "state"], name="payment_enrollment_state_idx")]
        permissions = [("record_payment", _("Peut enregistrer un paiement ou un remboursement"))]

    def __str__(self):
        return f"{self.amount} € · {self.get_method_display()} · {self.enrollment.reference or '—'}"

    @property
    def is_counted(self):
        return self.state in COUNTED_STATES


class Refund(PrivateRecord):
    """Money given back for one enrollment (an overpayment, a cancellation), recorded by the secretariat."""

    enrollment = models.ForeignKey(
        "enrollments.Enrollment", verbose_name=_("inscription"), on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.DecimalField(_("montant"), max_digits=8, decimal_places=2, validators=[MinValueValidator(CENT)])
    method = models.CharField(_("moyen de remboursement"), max_length=16, choices=Method.choices)
    refunded_on = models.DateField(_("remboursé le"), default=timezone.localdate)
    reason = models.CharField(_("motif"), max_length=200)
    recorded_at = models.DateTimeField(_("enregistré le"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistré par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("remboursement")
        verbose_name_plural = _("remboursements")
        ordering = ["refunded_on", "recorded_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self):
        return f"−{self.amount} € · {self.get_method_display()} · {self.enrollment.reference or '—'}"


class DueReminder(PrivateRecord):
    """A reminder sent before a due date: one per enrollment, amount's kind and date, whatever the runs."""

    enrollment = models.ForeignKey("enrollments.Enrollment", on_delete=models.CASCADE, related_name="due_reminders")
    kind = models.CharField(max_length=16)  # ledger.DEPOSIT or ledger.EVERYTHING
    due_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rappel d'échéance")
        verbose_name_plural = _("rappels d'échéance")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "kind", "due_date"], name="one_reminder_per_due"),
        ]

    def __str__(self):
        return f"{self.enrollment_id} · {self.kind} · {self.due_date}"


# Bank statements: each credit of the club's account is a transfer to match with an enrollment.


class StatementFormat(models.TextChoices):
    CAMT053 = "camt053", _("CAMT.053 (XML ISO 20022)")
    OFX = "ofx", _("OFX")
    CSV = "csv", _("CSV (tableur exporté par la banque)")


class StatementImport(PrivateRecord):
    """One statement file imported by the treasurer, with what became of its lines."""

    file_name = models.CharField(_("fichier"), max_length=255)
    format = models.CharField(_("format"), max_length=10, choices=StatementFormat.choices)
    imported_at = models.DateTimeField(_("importé le"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("importé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lines_count = models.PositiveIntegerField(_("lignes"), default=0)
    matched_count = models.PositiveIntegerField(_("rapprochées"), default=0)
    to_reconcile_count = models.PositiveIntegerField(_("à rapprocher"), default=0)
    ignored_count = models.PositiveIntegerField(_("ignorées"), default=0)
    already_count = models.PositiveIntegerField(_("déjà importées"), default=0)

    class Meta:
        verbose_name = _("relevé importé")
        verbose_name_plural = _("relevés importés")
        ordering = ["-imported_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} ({self.imported_at:%d/%m/%Y})"


class LineState(models.TextChoices):
    MATCHED = "matched", _("Rapprochée")
    TO_RECONCILE = "to_reconcile", _("À rapprocher")
    IGNORED = "ignored", _("Ignorée")
    ALREADY = "already", _("Déjà importée")


class StatementLine(PrivateRecord):
    """One line of a bank statement: a credit becomes a payment once matched with an enrollment.

    ``checksum`` (SHA-256 of the account, date, amount, payer, text, bank id and rank
    among identical lines of its file: ``statements.checksum``) is unique among the lines
    that are not duplicates, in the database: importing the same statement again stores
    its lines as « Déjà importée », and records nothing twice.
    """

    statement = models.ForeignKey(
        StatementImport, verbose_name=_("relevé"), on_delete=models.CASCADE, related_name="lines"
    )
    booked_on = models.DateField(_("date d'opération"))
    amount = models.DecimalField(
        _("montant"), max_digits=10, decimal_places=2, help_text=_("Positif pour un crédit, négatif pour un débit.")
    )
    payer_name = models.CharField(_("émetteur"), max_length=200, blank=True)
    reference = models.CharField(_("libellé"), max_length=500, blank=True)
    bank_id = models.CharField(_("identifiant bancaire"), max_length=100, blank=True)
    account = models.CharField(_("compte"), max_length=50, blank=True)
    checksum = models.CharField(_("empreinte"), max_length=64, editable=False)
    state = models.CharField(_("état"), max_length=16, choices=LineState.choices, db_index=True)
    note = models.CharField(_("remarque"), max_length=300, blank=True)
    # What it matched, or could match (suggested to the treasurer when it waits « à rapprocher »).
    payment = models.OneToOneField(
        Payment,
        verbose_name=_("paiement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_line",
    )
    candidates = models.ManyToManyField(
        "enrollments.Enrollment", verbose_name=_("inscriptions possibles"), blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("traitée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ligne de relevé")
        verbose_name_plural = _("lignes de relevé")
        ordering = ["booked_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["checksum"], condition=~Q(state="already"), name="one_statement_line_per_checksum"
            ),
        ]

    def __str__(self):
        return f"{self.booked_on:%d/%m/%Y} · {self.amount} € · {self.payer_name or '—'}"

    @property
    def is_credit(self):
        return self.amount > 0
