from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from memberspace.secretariat.models import PrivateRecord
from memberspace.secretariat.transitions import StateMachine, Transition


class EnrollmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Demandée")
    WAITLISTED = "waitlisted", _("Liste d'attente")
    OFFERED = "offered", _("Place proposée")
    VALIDATED = "validated", _("Validée")
    DEPOSIT_RECEIVED = "deposit_received", _("Acompte reçu")
    PAID = "paid", _("Soldée")
    REFUSED = "refused", _("Refusée")
    CANCELLED = "cancelled", _("Annulée")


# A place is taken once the club validated the request; the money received then moves it on.
TAKEN_STATUSES = [EnrollmentStatus.VALIDATED, EnrollmentStatus.DEPOSIT_RECEIVED, EnrollmentStatus.PAID]
# A place is held by the families it was offered to until they answer or the offer expires:
# the capacity counts these (no place offered twice, none validated over an offer).
HELD_STATUSES = [*TAKEN_STATUSES, EnrollmentStatus.OFFERED]
# In line for a place: the requests the secretariat has not decided, and the waiting list.
WAITING_STATUSES = [EnrollmentStatus.REQUESTED, EnrollmentStatus.WAITLISTED]
# At most one of these per child and offer (a database constraint).
ACTIVE_STATUSES = [*WAITING_STATUSES, *HELD_STATUSES]


UNDECIDED_STATUSES = (EnrollmentStatus.REQUESTED, EnrollmentStatus.WAITLISTED)
SERVICES = "memberspace.enrollments.services"
# Every change goes through memberspace/enrollments/services.py; the question of each
# confirmation page is the admin's ("Valider l'inscription : Léa pour « Voile » (PO-…) ?").
ENROLLMENT_TRANSITIONS = StateMachine(
    "status",
    [
        Transition(
            "validate",
            # An offered place too: the family answered the secretariat (by phone, at the desk).
            sources=(*UNDECIDED_STATUSES, EnrollmentStatus.OFFERED),
            service=f"{SERVICES}.validate",
            label=_("Valider"),
            title=_("Valider l'inscription"),
            confirm_label=_("Valider et envoyer les modalités d'acompte"),
            done=_("Inscription de %(child)s à « %(offer)s » validée ; les parents reçoivent l'acompte."),
            primary=True,
            bulk_label=_("Valider les inscriptions sélectionnées"),
            bulk_done=_("%(count)s inscription(s) validée(s) ; les parents reçoivent l'acompte à régler."),
        ),
        Transition(
            "waitlist",
            sources=(EnrollmentStatus.REQUESTED,),
            service=f"{SERVICES}.waitlist",
            label=_("Liste d'attente"),
            title=_("Mettre en liste d'attente"),
            done=_("%(child)s est sur la liste d'attente de « %(offer)s » ; les parents sont prévenus."),
            bulk_label=_("Mettre les demandes sélectionnées en liste d'attente"),
            bulk_done=_("%(count)s demande(s) mise(s) en liste d'attente ; les parents sont prévenus."),
        ),
        Transition(
            "refuse",
            sources=UNDECIDED_STATUSES,
            service=f"{SERVICES}.refuse",
            asks_reason=True,
            label=_("Refuser"),
            title=_("Refuser l'inscription"),
            done=_("Inscription de %(child)s à « %(offer)s » refusée ; les parents sont prévenus."),
            bulk_label=_("Refuser les demandes sélectionnées"),
            bulk_done=_("%(count)s demande(s) refusée(s) ; les parents sont prévenus."),
        ),
        # The money: recorded by the payments app (its own view and services), whose ledger
        # then moves the state: the deposit covered, everything paid, or less again after a refund.
        Transition(
            "payment",
            sources=tuple(TAKEN_STATUSES),
            label=_("Enregistrer un paiement"),
            title=_("Enregistrer un paiement"),
            primary=True,
        ),
        Transition("deposit", sources=(EnrollmentStatus.VALIDATED,), service=f"{SERVICES}.record_deposit"),
        Transition(
            "settle",
            sources=(EnrollmentStatus.VALIDATED, EnrollmentStatus.DEPOSIT_RECEIVED),
            service=f"{SERVICES}.settle",
        ),
        Transition(
            "reopen_payment",
            sources=(EnrollmentStatus.DEPOSIT_RECEIVED, EnrollmentStatus.PAID),
            service=f"{SERVICES}.reopen_payment",
        ),
        Transition(
            "cancel",
            sources=tuple(ACTIVE_STATUSES),
            service=f"{SERVICES}.cancel_by_staff",
            label=_("Annuler"),
            title=_("Annuler l'inscription"),
            done=_("Inscription de %(child)s à « %(offer)s » annulée ; les parents sont prévenus."),
            bulk_label=_("Annuler les inscriptions sélectionnées"),
            bulk_done=_("%(count)s inscription(s) annulée(s) ; les parents sont prévenus."),
        ),
        # The parents' own (from their space, no label: never offered to the secretariat).
        Transition("cancel_by_guardian", sources=UNDECIDED_STATUSES, service=f"{SERVICES}.cancel_by_guardian"),
        # A freed place offered to the first in line (services.offer_freed_places), then answered or expired.
        Transition("offer_place", sources=(EnrollmentStatus.WAITLISTED,), service=f"{SERVICES}.offer_freed_places"),
        Transition("accept_place", sources=(EnrollmentStatus.OFFERED,), service=f"{SERVICES}.accept_place"),
        Transition("decline_place", sources=(EnrollmentStatus.OFFERED,), service=f"{SERVICES}.decline_place"),
        Transition("expire_place", sources=(EnrollmentStatus.OFFERED,), service=f"{SERVICES}.expire_place_offers"),
    ],
    permission="enrollments.decide_enrollment",
)


class EnrollmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def taken(self):
        return self.filter(status__in=TAKEN_STATUSES)

    def for_guardian(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(child__guardianships__parent=user)

    def holding(self):
        return self.filter(status__in=HELD_STATUSES)

    def waiting(self):
        return self.filter(status__in=WAITING_STATUSES)

    def in_arrival_order(self):
        """Oldest request first, across offers."""
        return self.order_by("requested_at", "pk")

    def in_line(self):
        """An offer's requests in the order its places are given in: by number of arrival."""
        return self.order_by("arrival", "pk")


def set_positions(enrollments):
    """Give each waiting one of ``enrollments`` its place in line, in one query (none if none waits).

    Sets, per request (siblings sent together are one request: one number of arrival):
    ``position``, 1 for the first of the offer's open requests; ``places_ahead``, the
    children of the open requests before its family, places taken included;
    ``family_size``, its children sent together; and ``waiting_before``, the families
    before it still waiting for a place, decided or not (so that a waiting rank only
    ever improves: a request before it that the club has not decided yet is counted,
    whatever the decision; see ``waiting_rank``).
    """
    waiting = [enrollment for enrollment in enrollments if enrollment.status in WAITING_STATUSES]
    if not waiting:
        return
    lines = (
        Enrollment.objects.filter(offer_id__in={enrollment.offer_id for enrollment in waiting})
        .active()
        .in_line()
        .values_list("pk", "offer_id", "arrival", "status")
    )
    groups = {}  # (offer, arrival) → [position, children before it, families waiting before it, size, waits]
    of_enrollment = {}  # pk → its group
    counted = {}  # offer → [requests, children, waiting families]
    for pk, offer_id, arrival, status in lines:
        totals = counted.setdefault(offer_id, [0, 0, 0])
        group = groups.get((offer_id, arrival))
        if group is None:
            totals[0] += 1
            group = groups[(offer_id, arrival)] = [totals[0], totals[1], totals[2], 0, False]
        group[3] += 1
        totals[1] += 1
        if status in WAITING_STATUSES and not group[4]:
            group[4] = True
            totals[2] += 1
        of_enrollment[pk] = group
    for enrollment in waiting:
        # One no longer waiting in the database (a stale copy) counts as last in line.
        requests, children, families = counted.get(enrollment.offer_id, [0, 0, 0])
        position, ahead, before, size, _waits = of_enrollment.get(
            enrollment.pk, [requests + 1, children, families, 1, True]
        )
        enrollment.position, enrollment.places_ahead, enrollment.family_size = position, ahead, size
        enrollment.waiting_before = before


class Enrollment(PrivateRecord):
    """A request for a place for a child in an activity or a stay, and what the club decided.

    requested → validated → deposit_received → paid (the ledger of memberspace.payments
    moves these three, back too after a refund); requested → waitlisted → validated;
    requested | waitlisted → refused; any of the four active states → cancelled.
    Every change goes through memberspace/enrollments/services.py.
    """

    child = models.ForeignKey(
        "families.Child", verbose_name=_("enfant"), on_delete=models.PROTECT, related_name="enrollments"
    )
    offer = models.ForeignKey(
        "pages.OfferPage", verbose_name=_("activité ou séjour"), on_delete=models.PROTECT, related_name="enrollments"
    )
    status = models.CharField(
        _("état"), max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.REQUESTED, db_index=True
    )
    reference = models.CharField(_("référence"), max_length=20, unique=True, null=True, blank=True)
    # The request's number of arrival on its offer (1, 2, 3…), given under the offer's lock:
    # the order places are given in. Siblings requested together share theirs.
    arrival = models.PositiveIntegerField(_("numéro d'arrivée"), default=0, editable=False)
    may_split = models.BooleanField(
        _("frères et sœurs séparables"),
        default=False,
        help_text=_("Les parents acceptent qu'une place libérée soit proposée à l'un des enfants sans les autres."),
    )
    place_offer = models.ForeignKey(
        "PlaceOffer",
        verbose_name=_("place proposée"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrollments",
        editable=False,
    )
    parent_comment = models.TextField(_("message du parent"), max_length=1000, blank=True)
    staff_note = models.TextField(_("note du secrétariat"), blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    # What is due, frozen at validation (services.validate): a price or a rule changed later changes nothing.
    price = models.DecimalField(_("prix"), max_digits=8, decimal_places=2, null=True, blank=True)
    deposit_amount = models.DecimalField(_("acompte"), max_digits=8, decimal_places=2, null=True, blank=True)
    deposit_due_date = models.DateField(_("acompte à régler avant le"), null=True, blank=True)
    balance_due_date = models.DateField(_("solde à régler avant le"), null=True, blank=True)
    deposit_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    requested_at = models.DateTimeField(_("demandée le"), default=timezone.now, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("demandée par"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    waitlisted_at = models.DateTimeField(_("mise en liste d'attente le"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deposit_received_at = models.DateTimeField(_("acompte reçu le"), null=True, blank=True)
    deposit_received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(_("soldée le"), null=True, blank=True)
    refused_at = models.DateTimeField(_("refusée le"), null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "offer"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="one_active_enrollment_per_child_and_offer",
                violation_error_message=_("Une demande est déjà en cours pour cet enfant et cette offre."),
            )
        ]
        indexes = [
            models.Index(fields=["offer", "status", "requested_at"], name="enrollment_offer_queue_idx"),
            models.Index(fields=["offer", "arrival"], name="enrollment_offer_arrival_idx"),
        ]
        permissions = [
            ("decide_enrollment", _("Peut valider, refuser, mettre en liste d'attente, annuler une inscription")),
            ("export_roster", _("Peut exporter la liste des inscrits d'une offre")),
        ]

    def __str__(self):
        return f"{self.reference or '—'} · {self.child} → {self.offer.title}"

    # Read-only guards of the state machine, read from its table.
    can_be_validated = ENROLLMENT_TRANSITIONS.guard("validate")
    can_be_waitlisted = ENROLLMENT_TRANSITIONS.guard("waitlist")
    can_be_refused = ENROLLMENT_TRANSITIONS.guard("refuse")
    can_take_payment = ENROLLMENT_TRANSITIONS.guard("payment")
    can_record_deposit = ENROLLMENT_TRANSITIONS.guard("deposit")
    can_be_cancelled_by_staff = ENROLLMENT_TRANSITIONS.guard("cancel")
    can_be_cancelled_by_guardian = ENROLLMENT_TRANSITIONS.guard("cancel_by_guardian")
    can_be_answered = ENROLLMENT_TRANSITIONS.guard("accept_place")

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    @property
    def takes_a_place(self):
        return self.status in TAKEN_STATUSES

    @property
    def deposit_received_on(self):
        """The local day the deposit was recorded, or None."""
        return timezone.localdate(self.deposit_received_at) if self.deposit_received_at else None

    def waiting_rank(self):
        """1 for the first family of the offer's waiting list, in order of arrival; None if not waitlisted."""
        if self.status != EnrollmentStatus.WAITLISTED:
            return None
        if not hasattr(self, "waiting_before"):
            set_positions([self])
        return self.waiting_before + 1

    def line_position(self):
        """1 for the first of the offer's open requests, in order of arrival; None once decided."""
        if self.status not in WAITING_STATUSES:
            return None
        if not hasattr(self, "position"):
            set_positions([self])
        return self.position


class PlaceOfferStatus(models.TextChoices):
    OPEN = "open", _("En attente de réponse")
    ACCEPTED = "accepted", _("Acceptée")
    DECLINED = "declined", _("Déclinée")
    EXPIRED = "expired", _("Expirée")
    WITHDRAWN = "withdrawn", _("Retirée par le secrétariat")


class PlaceOffer(models.Model):
    """A freed place offered to the first family in line, for a limited time.

    One per family and freed place(s): siblings requested together are offered
    together (``enrollments``). Made, answered and expired by the services only.
    """

    offer = models.ForeignKey(
        "pages.OfferPage", verbose_name=_("activité ou séjour"), on_delete=models.PROTECT, related_name="place_offers"
    )
    status = models.CharField(
        _("état"), max_length=16, choices=PlaceOfferStatus.choices, default=PlaceOfferStatus.OPEN, db_index=True
    )
    freed_at = models.DateTimeField(_("place libérée le"), default=timezone.now)
    created_at = models.DateTimeField(_("proposée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("réponse attendue avant le"), db_index=True)
    answered_at = models.DateTimeField(_("réponse le"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("place proposée")
        verbose_name_plural = _("places proposées")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.offer.title} · {self.get_status_display()} · {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self):
        return self.status == PlaceOfferStatus.OPEN


class WaitingList(models.Model):
    """The secretariat's hand on an offer's waiting list: its automatic offers paused or not."""

    offer = models.OneToOneField(
        "pages.OfferPage", verbose_name=_("activité ou séjour"), on_delete=models.CASCADE, related_name="waiting_list"
    )
    paused_at = models.DateTimeField(_("propositions automatiques suspendues le"), null=True, blank=True)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("liste d'attente")
        verbose_name_plural = _("listes d'attente")

    def __str__(self):
        return str(self.offer)
