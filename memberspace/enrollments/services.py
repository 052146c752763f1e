"""Enrollment requests and the club's decisions: one function per transition.

Each runs in one transaction that first locks what it must see unchanged
(``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite every write transaction
begins IMMEDIATE, so writes happen one after the other anyway):

- a request locks the rows of the children requested: two guardians
  submitting the same child at once make one enrollment (a database
  constraint backs it), while the requests of different families, hundreds at
  the opening of a popular stay, go on side by side;
- a decision of the secretariat locks the offer's row: two members of staff
  validating the last places at once never exceed the capacity.

A request reads the places without the offer's lock: at worst it is recorded
as "requested" instead of "waitlisted" while the last place is being
validated, and its validation then finds the offer full.
"""

import datetime
import itertools
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.log_actions import log
from wagtail.models import get_page_models

from memberspace import MemberspaceError
from memberspace.enrollments.models import (
    ENROLLMENT_TRANSITIONS,
    HELD_STATUSES,
    TAKEN_STATUSES,
    Enrollment,
    EnrollmentStatus,
    PlaceOffer,
    PlaceOfferStatus,
    WaitingList,
    set_positions,
)
from memberspace.families.models import Child
from memberspace.families.services import children as children_service
from memberspace.notifications.services import Channel, notify, preferred_channels
from pages import formatting, page_cache
from pages.models import ClubSettings, OfferPage, RegistrationState, age_on


class EnrollmentError(MemberspaceError):
    pass


Status = EnrollmentStatus


# Eligibility: what a parent may request, and why not


@dataclass
class Eligibility:
    child: Child
    offer: OfferPage
    reasons: list

    @property
    def allowed(self):
        return not self.reasons


def offer_state_reason(offer, now):
    state = offer.registration_state(now)
    if state == RegistrationState.NOT_YET_OPEN:
        opens = timezone.localtime(offer.registration_opens_at)
        return _("les inscriptions ouvrent le %(day)s à %(time)s") % {
            "day": formatting.day_month(opens.date()),
            "time": formatting.time_of_day(opens.time()),
        }
    if state == RegistrationState.CLOSED:
        return _("les inscriptions sont closes")
    return None


def one_at_a_time(offer):
    """Offers a child takes one at a time (stays: overlapping dates are refused)."""
    return getattr(offer.specific_class, "one_at_a_time", False)


def offers_open_to_requests():
    """Every offer of the catalogue not ended yet, each of its own type, soonest first (one query per type)."""
    offers = []
    for model in get_page_models():
        if issubclass(model, OfferPage) and model is not OfferPage:
            offers += model.card_queryset().prefetch_related(*model.card_prefetch_related)
    return sorted(offers, key=lambda offer: (offer.start_date, offer.title))


# The members' priority window (réinscriptions): before an annual activity opens to all,
# ClubSettings.priority_days during which only the children with priority may request it.


@dataclass(frozen=True)
class PriorityWindow:
    """An offer's priority window, ``[starts, opens)``, and which of the children asked about have priority in it.

    Who has priority (``ClubSettings.priority_for``): "members", the children with a validated
    enrollment (deposit received or not) in an annual activity of the previous season;
    "families", those children and their siblings (children sharing a guardian with one of them).
    """

    starts: datetime.datetime
    opens: datetime.datetime  # the public opening: registration_opens_at
    previous_season: str
    beneficiaries: str  # who has priority, in words: « les enfants inscrits la saison 2025-2026 »
    children: frozenset = frozenset()  # pks

    def contains(self, now):
        return self.starts <= now < self.opens

    def gives_priority_to(self, child):
        return child.pk in self.children


def _may_have_priority_window(offer, now):
    """Whether ``offer`` may take priority requests at ``now`` or later: an annual activity not opened to all yet.

    Read without the club's settings nor a query: what has none is told at no cost.
    """
    return (
        getattr(offer.specific_class, "has_priority_window", False)
        and offer.registration_opens_at is not None
        and now < offer.registration_opens_at
    )


def priority_window(offer, club):
    """``offer``'s priority window with ``club``'s settings (children not read), or None: a stay, no opening
    date, or no window (``priority_days`` 0). One query when ``offer`` is a plain ``OfferPage`` of an activity."""
    if not club.priority_days or not getattr(offer.specific_class, "has_priority_window", False):
        return None
    if type(offer) is not offer.specific_class:
        offer = offer.specific
    window = offer.priority_window(club.priority_days)
    if window is None:
        return None
    return PriorityWindow(
        starts=window[0],
        opens=window[1],
        previous_season=offer.previous_season,
        beneficiaries=offer.priority_beneficiaries(club.priority_for),
    )


def in_priority_window(offer, now=None, club=None):
    """Whether only the children with priority may request ``offer`` at ``now`` (its window started, the public
    opening not come). Reads the club's settings (``ClubSettings.current()`` unless given) only for an activity
    not opened to all yet."""
    now = now or timezone.now()
    if not _may_have_priority_window(offer, now):
        return False
    window = priority_window(offer, club or ClubSettings.current())
    return window is not None and window.contains(now)


def children_with_priority(children, seasons, *, families):
    """Which of ``children`` have priority for the activities following ``seasons``: ``{season: {child pk}}``.

    A child has priority after a season when it had a validated enrollment (deposit received
    or not) in an annual activity of that season; with ``families``, its siblings too: every
    child sharing a guardian with it (a child shares one with itself: the children a parent
    may request have one). One query, whatever the number of children and seasons.
    """
    pks = [child.pk for child in children]
    if not pks or not seasons:
        return {}
    path = "child__guardianships__parent__guardianships__child" if families else "child"
    rows = (
        Enrollment.objects.filter(status__in=TAKEN_STATUSES, offer__activitypage__season__in=sorted(seasons))
        .filter(**{f"{path}__in": pks})
        .values_list(path, "offer__activitypage__season")
        .distinct()
    )
    found = {}
    for child_pk, season in rows:
        found.setdefault(season, set()).add(child_pk)
    return found


def priority_windows(children, offers, *, now=None, club=None):
    """The priority windows of ``offers`` not over at ``now``, by offer pk, each with which of ``children`` have
    priority in it (``PriorityWindow.children``); an offer without a window to come or open is left out.

    For the pages that check many children against many offers (``eligibility``'s ``windows``):
    the club's settings (``ClubSettings.current()`` unless given; a lazy object is read only
    then) and one query for the children, whatever their number and the offers'; nothing at
    all when no offer is an activity not opened to all yet.
    """
    now = now or timezone.now()
    candidates = [offer for offer in offers if _may_have_priority_window(offer, now)]
    if not candidates:
        return {}
    club = club or ClubSettings.current()
    windows = {}
    for offer in candidates:
        window = priority_window(offer, club)
        if window is not None:
            windows[offer.pk] = window
    if not windows:
        return {}
    found = children_with_priority(
        children,
        {window.previous_season for window in windows.values()},
        families=club.priority_for == "families",
    )
    return {
        pk: replace(window, children=frozenset(found.get(window.previous_season, ()))) for pk, window in windows.items()
    }


def priority_reason(child, offer, window, now):
    """Why ``child`` may not request ``offer`` yet with its priority ``window`` not over, or None: it may."""
    if window.gives_priority_to(child):
        if now >= window.starts:
            return None
        return _("réinscription prioritaire à partir du %(starts)s ; ouverture à tous le %(opens)s") % {
            "starts": formatting.date_and_time(window.starts),
            "opens": formatting.date_and_time(window.opens),
        }
    if window.contains(now):
        return _("réinscriptions prioritaires pour %(who)s ; ouverture à tous le %(opens)s") % {
            "who": window.beneficiaries,
            "opens": formatting.date_and_time(window.opens),
        }
    return offer_state_reason(offer, now)  # before the window: « les inscriptions ouvrent le … »


def priority_rule(offer, *, club, now=None):
    """``offer``'s priority rule as the parents read it (``ActivityPage.priority_rule``), "" when it has none.

    ``club`` (a lazy object may be given) is read only for an activity with an opening date.
    """
    if not getattr(offer.specific_class, "has_priority_window", False) or offer.registration_opens_at is None:
        return ""
    if type(offer) is not offer.specific_class:
        offer = offer.specific
    return offer.priority_rule(club.priority_days, club.priority_for, now)


def eligibility(child, offer, *, now=None, active=None, windows=None):
    """Why ``child`` may not be requested for ``offer`` (an empty list: it may).

    Each reason reads after the child's first name: "Léa : déjà demandée".

    ``active``: the child's active enrollments, when the caller already has them.
    ``windows``: the offers' priority windows (``priority_windows``), when the caller read
    them for many children and offers at once; read here for this child and offer otherwise.
    """
    now = now or timezone.now()
    reasons = []
    if not offer.live:
        reasons.append(_("cette offre n'est plus proposée"))
    age = age_on(child.birth_date, offer.start_date)
    if not offer.min_age <= age <= offer.max_age:
        reasons.append(
            _("%(age)s ans au %(day)s, hors des âges de l'offre (%(range)s)")
            % {
                "age": age,
                "day": formatting.day_month(offer.start_date),
                "range": formatting.age_range(offer.min_age, offer.max_age),
            }
        )
    if windows is None:
        windows = priority_windows([child], [offer], now=now)
    window = windows.get(offer.pk)
    state_reason = priority_reason(child, offer, window, now) if window else offer_state_reason(offer, now)
    if state_reason:
        reasons.append(state_reason)
    if active is None:
        active = list(child.enrollments.active().select_related("offer"))
    if any(enrollment.offer_id == offer.pk for enrollment in active):
        reasons.append(_("déjà demandée"))
    if one_at_a_time(offer):
        for enrollment in active:
            other = enrollment.offer
            if (
                other.pk != offer.pk
                and one_at_a_time(other)
                and other.start_date <= offer.end_date
                and offer.start_date <= other.end_date
            ):
                reasons.append(_("déjà inscrit(e) au séjour « %(stay)s » à ces dates") % {"stay": other.title})
    return Eligibility(child=child, offer=offer, reasons=reasons)


# Requests (parents)


def _lock_offer(offer):
    """Lock the offer's row, then count its places: in that order.

    Counted in the locking statement, the places would be read from the
    snapshot taken before the wait for the lock, missing the place another
    transaction validated meanwhile (PostgreSQL, read committed).
    """
    OfferPage.objects.select_for_update(of=("self",)).filter(pk=offer.pk).values_list("pk", flat=True).get()
    return OfferPage.objects.with_places_taken().get(pk=offer.pk)


def _lock_children(children):
    """Lock the children's rows, in a fixed order (no deadlock between two sibling requests)."""
    return list(Child.objects.select_for_update().filter(pk__in=[child.pk for child in children]).order_by("pk"))


def _next_reference(enrollment):
    return f"PO-{enrollment.requested_at.year}-{enrollment.pk:05d}"


def request_margin(offer, club):
    """How many requests beyond the places wait for the secretariat's decision (the club's percentage, rounded up)."""
    return -(-offer.capacity * club.request_margin_percent // 100)


def request_enrollments(parent, *, offer, children, comment="", may_split=False):
    """A guardian asks for places for one or several of their children (siblings together).

    All or nothing: if one child may not be requested, none is. Each request gets its
    number of arrival on the offer under the offer's lock, so the order of the line is
    the order requests were recorded in; siblings sent together share one number (one
    position), and are offered a freed place together unless ``may_split``. A request
    beyond the places plus the club's margin (``request_margin``), or for an offer whose
    places are all taken, goes straight onto the waiting list, at its rank.
    """
    if not parent.is_validated_parent:
        raise EnrollmentError(_("Votre compte doit d'abord être validé par le club."))
    children = list(children)
    if not children:
        raise EnrollmentError(_("Choisissez au moins un enfant."))
    own = set(Child.objects.for_guardian(parent).values_list("pk", flat=True))
    if any(child.pk not in own for child in children):
        raise EnrollmentError(_("Vous ne pouvez inscrire que vos propres enfants."))
    comment = (comment or "").strip()
    try:
        with transaction.atomic():
            children = _lock_children(children)
            windows = priority_windows(children, [offer], now=timezone.now())  # the offer as given: its season
            offer = OfferPage.objects.with_places_taken().get(pk=offer.pk)
            problems = []
            for child in children:
                check = eligibility(child, offer, now=timezone.now(), windows=windows)
                problems += [f"{child.first_name} : {reason}" for reason in check.reasons]
            if problems:
                raise EnrollmentError(_("Demande impossible. %(problems)s.") % {"problems": " ; ".join(problems)})
            club = ClubSettings.current()  # read before the lock, which the requests take one at a time
            # One request at a time per offer from here to the commit: its number and its position.
            offer = _lock_offer(offer)
            now = timezone.now()
            arrival = (offer.enrollments.aggregate(last=Max("arrival"))["last"] or 0) + 1
            ahead = offer.enrollments.active().count()
            beyond = ahead + len(children) > offer.capacity + request_margin(offer, club)
            line_formed = offer.enrollments.filter(status__in=[Status.WAITLISTED, Status.OFFERED]).exists()
            # Behind a waiting list (refusals may have brought the requests back under the margin): at its end.
            waitlisted = offer.places_left <= 0 or beyond or line_formed
            enrollments = []
            for child in children:
                enrollment = Enrollment.objects.create(
                    child=child,
                    offer=offer,
                    arrival=arrival,
                    may_split=may_split and len(children) > 1,
                    requested_by=parent,
                    requested_at=now,
                    parent_comment=comment,
                    status=Status.WAITLISTED if waitlisted else Status.REQUESTED,
                    waitlisted_at=now if waitlisted else None,
                )
                enrollment.reference = _next_reference(enrollment)
                enrollment.save(update_fields=["reference"])
                log(instance=enrollment, action="po.enrollment.request", user=parent, data={"arrival": arrival})
                enrollments.append(enrollment)
            set_positions(enrollments)
            for enrollment in enrollments:
                _notify_guardians(enrollment, "enrollment_requested", {"by": parent, **line_context(enrollment, offer)})
    except IntegrityError as error:  # the same child submitted at the same instant by another guardian
        raise EnrollmentError(_("Une demande est déjà en cours pour cet enfant et cette offre.")) from error
    return enrollments


def line_context(enrollment, offer):
    """Where a request stands in line, for the messages (``set_positions`` read already)."""
    return {"rank": enrollment.waiting_rank(), "line": describe_position(enrollment, offer)}


def describe_position(enrollment, offer):
    """Where a request stands in line and what it means, in words (``set_positions`` read already).

    « 57e demande pour 40 places : votre enfant sera sur liste d'attente si les demandes
    précédentes sont validées ». Empty once the request is decided.
    """
    position = enrollment.line_position()
    if position is None:
        return ""
    text = ngettext(
        "%(position)s demande pour %(capacity)s place",
        "%(position)s demande pour %(capacity)s places",
        offer.capacity,
    ) % {"position": formatting.ordinal(position, feminine=True), "capacity": offer.capacity}
    if enrollment.status == Status.WAITLISTED:
        rank = formatting.ordinal(enrollment.waiting_rank(), feminine=True)
        return _(
            "%(text)s ; %(rank)s famille en attente d'une place : une place libérée vous sera proposée "
            "dans l'ordre d'arrivée"
        ) % {"text": text, "rank": rank}
    if enrollment.places_ahead + enrollment.family_size > offer.capacity:
        return ngettext(
            "%(text)s : votre enfant sera sur liste d'attente si les demandes précédentes sont validées",
            "%(text)s : vos enfants seront sur liste d'attente si les demandes précédentes sont validées",
            enrollment.family_size,
        ) % {"text": text}
    return text


def cancel_by_guardian(enrollment, *, by):
    """A guardian withdraws a request not decided yet, or leaves the waiting list."""
    with transaction.atomic():
        _lock_offer(enrollment.offer)  # the line moves: a freed place may go to the next family
        enrollment = Enrollment.objects.select_for_update().select_related("offer").get(pk=enrollment.pk)
        if not enrollment.child.guardianships.filter(parent=by).exists():
            raise EnrollmentError(_("Seuls les responsables de l'enfant peuvent annuler sa demande."))
        if not ENROLLMENT_TRANSITIONS.allows("cancel_by_guardian", enrollment):
            raise EnrollmentError(
                _("Une inscription validée ne s'annule qu'en contactant le secrétariat.")
                if enrollment.takes_a_place
                else _("Cette demande n'est plus en cours.")
            )
        return _cancel(enrollment, by)


# Decisions (secretariat)


def _transition(enrollment, name, message):
    """Lock ``enrollment`` and check the guard of its transition ``name`` (ENROLLMENT_TRANSITIONS)."""
    enrollment = Enrollment.objects.select_for_update().select_related("child", "offer").get(pk=enrollment.pk)
    if not ENROLLMENT_TRANSITIONS.allows(name, enrollment):
        raise EnrollmentError(message % {"status": enrollment.get_status_display(), "ref": enrollment.reference})
    return enrollment


def deposit_due_date(offer, club, today):
    """When the deposit is due, by the rule of the offer's type; never today nor in the past.

    The club's delay, counted from the day of validation. A stay (``paid_before_start``)
    is paid before it starts: its deposit is due by its eve when the delay would end
    later, and tomorrow at the earliest. An annual activity takes requests all year,
    already started too: its families always have the club's delay.
    """
    due = today + datetime.timedelta(days=club.deposit_due_days)
    if getattr(offer.specific_class, "paid_before_start", False):
        due = min(due, offer.start_date - datetime.timedelta(days=1))
    return max(due, today + datetime.timedelta(days=1))


@dataclass
class Balance:
    """What is left to pay after the deposit, and by when (computed, never promised in free text)."""

    amount: object
    due_date: datetime.date
    with_deposit: bool  # the start is too close (or past) for its own date: due with the deposit


def balance_due(enrollment, offer, club):
    """The balance (price minus deposit) and its date: ``balance_due_days_before_start`` before the start.

    The price is the enrollment's, frozen at validation (the offer's for a request not
    validated yet). When that date would come before the deposit's (an offer already
    started or too close), the balance is due with the deposit, by the deposit's date:
    a date that can still be met. ``None`` when nothing is left to pay after the deposit.
    """
    price = enrollment.price if enrollment.price is not None else offer.price
    if price is None or enrollment.deposit_amount is None or enrollment.deposit_due_date is None:
        return None
    amount = price - enrollment.deposit_amount
    if amount <= 0:
        return None
    due = enrollment.balance_due_date or offer.start_date - datetime.timedelta(days=club.balance_due_days_before_start)
    if due <= enrollment.deposit_due_date:
        return Balance(amount=amount, due_date=enrollment.deposit_due_date, with_deposit=True)
    return Balance(amount=amount, due_date=due, with_deposit=False)


def _set_dues(enrollment, offer, club, today):
    """Freeze what ``enrollment`` will cost and when: the price, the deposit and the balance, with their dates."""
    enrollment.price = offer.price
    enrollment.deposit_amount = offer.deposit_amount
    enrollment.deposit_due_date = deposit_due_date(offer, club, today)
    enrollment.balance_due_date = None
    balance = balance_due(enrollment, offer, club)
    enrollment.balance_due_date = balance.due_date if balance else None


def validate(enrollment, *, by):
    with transaction.atomic():
        offer = _lock_offer(enrollment.offer)
        enrollment = _transition(
            enrollment, "validate", _("L'inscription %(ref)s ne peut pas être validée (état : %(status)s).")
        )
        offered = enrollment.status == Status.OFFERED  # its place is held already
        if not offered and offer.places_left <= 0:
            raise EnrollmentError(
                _(
                    "« %(offer)s » est complet (%(taken)s places prises sur %(capacity)s) : l'inscription de "
                    "%(child)s ne peut pas être validée. Mettez-la sur liste d'attente."
                )
                % {
                    "offer": offer.title,
                    "taken": offer.places_taken,
                    "capacity": offer.capacity,
                    "child": enrollment.child,
                }
            )
        now = timezone.now()
        enrollment.status = Status.VALIDATED
        enrollment.validated_at, enrollment.validated_by = now, by
        _set_dues(enrollment, offer, ClubSettings.current(), timezone.localdate())
        enrollment.save(
            update_fields=[
                "status",
                "validated_at",
                "validated_by",
                "price",
                "deposit_amount",
                "deposit_due_date",
                "balance_due_date",
            ]
        )
        log(instance=enrollment, action="po.enrollment.validate", user=by)
        if offered:  # accepted for the family: the offer is answered once none of its children waits
            PlaceOffer.objects.filter(pk=enrollment.place_offer_id, status=PlaceOfferStatus.OPEN).exclude(
                enrollments__status=Status.OFFERED
            ).update(status=PlaceOfferStatus.ACCEPTED, answered_at=now, answered_by=by)
        transaction.on_commit(page_cache.invalidate)  # the offer's places left changed
        _notify_guardians(enrollment, "enrollment_validated", payment_context(enrollment, offer))
        _offer_freed_places(enrollment.offer)  # the older request decided: the waiting list may be next
    return enrollment


def waitlist(enrollment, *, by):
    with transaction.atomic():
        _lock_offer(enrollment.offer)
        enrollment = _transition(
            enrollment,
            "waitlist",
            _("L'inscription %(ref)s ne peut pas aller en liste d'attente (état : %(status)s)."),
        )
        enrollment.status = Status.WAITLISTED
        enrollment.waitlisted_at = timezone.now()
        enrollment.save(update_fields=["status", "waitlisted_at"])
        log(instance=enrollment, action="po.enrollment.waitlist", user=by)
        _offer_freed_places(enrollment.offer)  # a place free goes to the line, in order: to this one perhaps
        enrollment.refresh_from_db(fields=["status", "place_offer"])
        if enrollment.status == Status.WAITLISTED:  # offered at once otherwise: that message says it all
            rank = formatting.ordinal(enrollment.waiting_rank(), feminine=True)
            _notify_guardians(enrollment, "enrollment_waitlisted", {"rank": rank})
    return enrollment


def refuse(enrollment, *, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise EnrollmentError(_("Indiquez le motif du refus : il sera communiqué aux parents."))
    with transaction.atomic():
        _lock_offer(enrollment.offer)
        enrollment = _transition(
            enrollment, "refuse", _("L'inscription %(ref)s ne peut pas être refusée (état : %(status)s).")
        )
        enrollment.status = Status.REFUSED
        enrollment.refused_at, enrollment.refused_by = timezone.now(), by
        enrollment.refusal_reason = reason
        enrollment.save(update_fields=["status", "refused_at", "refused_by", "refusal_reason"])
        log(instance=enrollment, action="po.enrollment.refuse", user=by, data={"reason": reason})
        _notify_guardians(enrollment, "enrollment_refused", {"reason": reason})
        _offer_freed_places(enrollment.offer)  # an older request decided: the line may move
    return enrollment


# The money's transitions: called by memberspace.payments, whose ledger says when, under
# ``lock_for_payment``'s locks (``by``: who recorded the payment; None when the provider confirmed it).


def lock_for_payment(enrollment):
    """Lock ``enrollment``'s offer, then ``enrollment`` (the order of every transition), and return it fresh.

    The payments app calls it first in each of its transactions: the payments of one
    enrollment are then recorded one at a time, each reading the ones before it.
    """
    _lock_offer(enrollment.offer)
    return Enrollment.objects.select_for_update(of=("self",)).select_related("child", "offer").get(pk=enrollment.pk)


def record_deposit(enrollment, *, by):
    """The deposit is covered: the place is secured."""
    with transaction.atomic():
        _lock_offer(enrollment.offer)
        enrollment = _transition(
            enrollment, "deposit", _("L'acompte de %(ref)s ne peut pas être enregistré (état : %(status)s).")
        )
        enrollment.status = Status.DEPOSIT_RECEIVED
        enrollment.deposit_received_at, enrollment.deposit_received_by = timezone.now(), by
        enrollment.save(update_fields=["status", "deposit_received_at", "deposit_received_by"])
        log(instance=enrollment, action="po.enrollment.deposit", user=by)
    return enrollment


def settle(enrollment, *, by):
    """Everything is paid (« soldée »); the deposit with it when it was not covered yet."""
    with transaction.atomic():
        _lock_offer(enrollment.offer)
        enrollment = _transition(
            enrollment, "settle", _("L'inscription %(ref)s ne peut pas être soldée (état : %(status)s).")
        )
        now = timezone.now()
        if enrollment.deposit_received_at is None:
            enrollment.deposit_received_at, enrollment.deposit_received_by = now, by
        enrollment.status, enrollment.paid_at = Status.PAID, now
        enrollment.save(update_fields=["status", "paid_at", "deposit_received_at", "deposit_received_by"])
        log(instance=enrollment, action="po.enrollment.settle", user=by)
    return enrollment


def reopen_payment(enrollment, *, by, deposit_covered):
    """Less is paid than the state said (a refund, a payment corrected): back to what the money covers."""
    with transaction.atomic():
        _lock_offer(enrollment.offer)
        enrollment = _transition(
            enrollment,
            "reopen_payment",
            _("Le paiement de %(ref)s ne peut pas être rouvert (état : %(status)s)."),
        )
        enrollment.status = Status.DEPOSIT_RECEIVED if deposit_covered else Status.VALIDATED
        enrollment.paid_at = None
        if not deposit_covered:
            enrollment.deposit_received_at = enrollment.deposit_received_by = None
        enrollment.save(update_fields=["status", "paid_at", "deposit_received_at", "deposit_received_by"])
        log(instance=enrollment, action="po.enrollment.reopen_payment", user=by, data={"status": enrollment.status})
    return enrollment


def cancel_by_staff(enrollment, *, by):
    with transaction.atomic():
        _lock_offer(enrollment.offer)
        enrollment = _transition(
            enrollment,
            "cancel",
            _("L'inscription %(ref)s ne peut pas être annulée (état : %(status)s)."),
        )
        return _cancel(enrollment, by)


def _cancel(enrollment, by):
    """Cancel ``enrollment`` and pass the place on (the caller holds the offer's lock)."""
    held = enrollment.status in HELD_STATUSES
    enrollment.status = Status.CANCELLED
    enrollment.cancelled_at, enrollment.cancelled_by = timezone.now(), by
    enrollment.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    log(instance=enrollment, action="po.enrollment.cancel", user=by)
    _notify_guardians(enrollment, "enrollment_cancelled", {"by": by})
    if enrollment.place_offer_id:  # an offered place withdrawn by the secretariat
        PlaceOffer.objects.filter(pk=enrollment.place_offer_id, status=PlaceOfferStatus.OPEN).exclude(
            enrollments__status=Status.OFFERED
        ).update(status=PlaceOfferStatus.WITHDRAWN, answered_at=enrollment.cancelled_at, answered_by=by)
    if held:
        transaction.on_commit(page_cache.invalidate)  # a place frees
    _offer_freed_places(OfferPage.objects.get(pk=enrollment.offer_id))
    return enrollment


# Freed places, offered to the first in line for a limited time

# The hours of the night, which the delay to answer does not count when the club says so.
DAY_STARTS, NIGHT_STARTS = datetime.time(8), datetime.time(21)
PLACE_OFFER_SALT = "po.enrollments.place-offer"


def answer_deadline(start, hours, skip_nights):
    """When an offer made at ``start`` expires: ``hours`` later, counting only 8 h – 21 h if ``skip_nights``.

    Counted on the club's clock (local wall time), so an offer made at 20 h with a
    24-hour delay ends two days later at 18 h when nights are skipped.
    """
    if not skip_nights:
        return start + datetime.timedelta(hours=hours)
    left = datetime.timedelta(hours=hours)
    moment = timezone.localtime(start)
    while True:  # each turn reaches the next morning or uses up a day: at most 2 turns a day
        morning = moment.replace(hour=DAY_STARTS.hour, minute=0, second=0, microsecond=0)
        evening = moment.replace(hour=NIGHT_STARTS.hour, minute=0, second=0, microsecond=0)
        if moment < morning:
            moment = morning
        elif moment >= evening:
            moment = morning + datetime.timedelta(days=1)
        elif left <= evening - moment:
            return moment + left
        else:
            left -= evening - moment
            moment = evening


def automatic_offers_paused(offer):
    return WaitingList.objects.filter(offer_id=offer.pk, paused_at__isnull=False).exists()


def _offer_freed_places(offer, freed_at=None):
    """Offer the offer's free places to the first families in line; the caller holds the offer's lock.

    In order of arrival, each family on the waiting list is offered its place(s)
    while places are free: siblings sent together are offered together, or skipped
    for the next family when fewer places are free than they are (unless their
    parents accepted to split them). An older request the secretariat has not
    decided stops the offers: it comes first, and the secretariat decides. Nothing
    is offered while the secretariat paused the offer's automatic offers, nor once
    the offer's registration has closed. Returns the offers made.

    ``freed_at``: when the places were freed, if not now (an offer expired earlier).
    """
    now = timezone.now()
    if now >= offer.registration_closes or automatic_offers_paused(offer):
        return []
    free = offer.capacity - offer.enrollments.holding().count()
    if free <= 0:
        return []
    made = []
    line = offer.enrollments.waiting().in_line().select_related("child")
    for _arrival, family in itertools.groupby(line, key=lambda enrollment: enrollment.arrival):
        family = list(family)
        if any(enrollment.status == Status.REQUESTED for enrollment in family):
            break
        if len(family) > free:
            if not family[0].may_split:
                continue
            family = family[:free]
        made.append(_make_place_offer(offer, family, now, freed_at or now))
        free -= len(family)
        if free <= 0:
            break
    return made


def _make_place_offer(offer, family, now, freed_at):
    club = ClubSettings.current()
    hours = offer.place_offer_hours or club.place_offer_hours
    place_offer = PlaceOffer.objects.create(
        offer=offer,
        freed_at=freed_at,
        created_at=now,
        expires_at=answer_deadline(now, hours, club.place_offer_skip_nights),
    )
    moved = Enrollment.objects.filter(pk__in=[enrollment.pk for enrollment in family], status=Status.WAITLISTED)
    if moved.update(status=Status.OFFERED, place_offer=place_offer) != len(family):
        raise EnrollmentError(_("La liste d'attente a changé pendant la proposition : réessayez."))
    for enrollment in family:
        enrollment.status, enrollment.place_offer = Status.OFFERED, place_offer
        log(
            instance=enrollment,
            action="po.enrollment.offer_place",
            data={"expires_at": place_offer.expires_at.isoformat()},
        )
    transaction.on_commit(page_cache.invalidate)  # places held
    transaction.on_commit(_watch_deadlines)  # someone must close the offer when it falls due
    _notify_family(place_offer, family, "place_offered", channels={Channel.EMAIL, Channel.SMS})
    return place_offer


def _watch_deadlines():
    from memberspace.enrollments import tasks  # the tasks call the services

    tasks.wake_watcher()


def _notify_family(place_offer, family, kind, *, channels=None, by=None):
    """Tell every guardian of the children of ``family`` once, each with their own answer link."""
    children = [enrollment.child for enrollment in family]
    guardians = {}
    for child in children:
        for guardian in children_service.informed_guardians(child):
            guardians.setdefault(guardian.pk, guardian)
    context = {
        "place_offer": place_offer,
        "offer": place_offer.offer,
        "children": children,
        "names": formatting.names_list([child.first_name for child in children]),
        "count": len(children),
        "deadline": formatting.date_and_time(place_offer.expires_at),
        "dates": formatting.date_range(place_offer.offer.start_date, place_offer.offer.end_date),
        "by": by,
    }
    requester = family[0].requested_by
    for guardian in guardians.values():
        wanted = (preferred_channels(guardian) | channels) if channels else None
        # Only a guardian of every child answers for them (half-siblings: the others are told who does).
        link = answer_url(place_offer, guardian) if guards_all(guardian, children) else ""
        notify(guardian, kind, {**context, "answer_url": link, "requester": requester}, channels=wanted)


def guards_all(user, children):
    """Whether ``user`` is a guardian of every one of ``children``."""
    own = set(Child.objects.for_guardian(user).values_list("pk", flat=True)) if user else set()
    return all(child.pk in own for child in children)


def answer_token(place_offer, guardian):
    """The guardian's own key to answer ``place_offer``: their ids, signed (no date: the offer's deadline rules)."""
    return signing.Signer(salt=PLACE_OFFER_SALT).sign_object([place_offer.pk, guardian.pk])


def read_answer_token(token):
    """``(place_offer_pk, guardian_pk)`` from an answer link, or None if it was not made here."""
    try:
        place_offer_pk, guardian_pk = signing.Signer(salt=PLACE_OFFER_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(place_offer_pk, int) or not isinstance(guardian_pk, int):
        return None
    return place_offer_pk, guardian_pk


def answer_url(place_offer, guardian):
    """The link of the offer's messages: the page where the guardian accepts or lets the place go."""
    path = reverse("memberspace:place_offer_answer", args=[answer_token(place_offer, guardian)])
    return settings.SITE_BASE_URL.rstrip("/") + path


def _lock_place_offer(place_offer, by):
    """Lock the offer, then the place offer; check ``by`` is a guardian of its children."""
    offer = _lock_offer(place_offer.offer)
    place_offer = PlaceOffer.objects.select_for_update().select_related("offer").get(pk=place_offer.pk)
    family = list(
        place_offer.enrollments.select_for_update().filter(status=Status.OFFERED).select_related("child", "offer")
    )
    if by is not None:
        own = set(Child.objects.for_guardian(by).values_list("pk", flat=True))
        if not place_offer.enrollments.exists() or any(
            child_id not in own for child_id in place_offer.enrollments.values_list("child_id", flat=True)
        ):
            raise EnrollmentError(_("Seuls les responsables de l'enfant peuvent répondre à cette proposition."))
    return offer, place_offer, family


def _check_still_open(place_offer, family, now):
    if place_offer.status == PlaceOfferStatus.ACCEPTED:
        raise EnrollmentError(_("Cette place est déjà acceptée : l'inscription est validée."))
    if place_offer.status == PlaceOfferStatus.DECLINED:
        raise EnrollmentError(_("Vous avez déjà laissé cette place : elle a été proposée à la famille suivante."))
    if place_offer.status == PlaceOfferStatus.EXPIRED or (place_offer.is_open and now >= place_offer.expires_at):
        raise EnrollmentError(
            _("Le délai pour accepter cette place est passé (%(deadline)s) : elle est proposée à la famille suivante.")
            % {"deadline": formatting.date_and_time(place_offer.expires_at)}
        )
    if not place_offer.is_open or not family:
        raise EnrollmentError(_("Cette proposition a été retirée par le secrétariat."))


def accept_place(place_offer, *, by):
    """A guardian accepts the place offered: the enrollments are validated and the deposit's terms sent.

    Answered before its deadline, to the second: an offer still open but past its
    deadline (its expiry not run yet) is refused like an expired one.
    """
    with transaction.atomic():
        offer, place_offer, family = _lock_place_offer(place_offer, by)
        now = timezone.now()
        _check_still_open(place_offer, family, now)
        place_offer.status, place_offer.answered_at, place_offer.answered_by = PlaceOfferStatus.ACCEPTED, now, by
        place_offer.save(update_fields=["status", "answered_at", "answered_by"])
        club = ClubSettings.current()
        for enrollment in family:
            enrollment.status = Status.VALIDATED
            enrollment.validated_at = now
            _set_dues(enrollment, offer, club, timezone.localdate(now))
            enrollment.save(
                update_fields=[
                    "status",
                    "validated_at",
                    "price",
                    "deposit_amount",
                    "deposit_due_date",
                    "balance_due_date",
                ]
            )
            log(instance=enrollment, action="po.enrollment.accept_place", user=by)
            _notify_guardians(enrollment, "enrollment_validated", payment_context(enrollment, offer))
    return family


def decline_place(place_offer, *, by):
    """A guardian lets the place offered go: the requests leave the list, the place goes to the next family."""
    with transaction.atomic():
        offer, place_offer, family = _lock_place_offer(place_offer, by)
        now = timezone.now()
        _check_still_open(place_offer, family, now)
        place_offer.status, place_offer.answered_at, place_offer.answered_by = PlaceOfferStatus.DECLINED, now, by
        place_offer.save(update_fields=["status", "answered_at", "answered_by"])
        _close_family(family, by, now, action="po.enrollment.decline_place")
        _notify_family(place_offer, family, "place_declined", by=by)
        transaction.on_commit(page_cache.invalidate)
        _offer_freed_places(offer)
    return family


def _close_family(family, by, now, *, action):
    for enrollment in family:
        enrollment.status = Status.CANCELLED
        enrollment.cancelled_at, enrollment.cancelled_by = now, by
        enrollment.save(update_fields=["status", "cancelled_at", "cancelled_by"])
        log(instance=enrollment, action=action, user=by)


def expire_place_offers(now=None):
    """Close the offers past their deadline and pass each place to the next family; the number closed.

    Run every minute by a django-q2 schedule, and by hand at times: two runs at once
    close each offer once (the offer's lock, then its state read again), and an
    answer sent meanwhile wins if it came before the deadline.
    """
    now = now or timezone.now()
    due = PlaceOffer.objects.filter(status=PlaceOfferStatus.OPEN, expires_at__lte=now).order_by("expires_at", "pk")
    expired = 0
    for place_offer in due.select_related("offer"):
        with transaction.atomic():
            offer, place_offer, family = _lock_place_offer(place_offer, None)
            if not place_offer.is_open or place_offer.expires_at > now:
                continue  # answered, or closed by another run, meanwhile
            place_offer.status = PlaceOfferStatus.EXPIRED
            place_offer.save(update_fields=["status"])
            _close_family(family, None, now, action="po.enrollment.expire_place")
            if family:
                _notify_family(place_offer, family, "place_expired")
            transaction.on_commit(page_cache.invalidate)
            _offer_freed_places(offer, freed_at=place_offer.expires_at)
            expired += 1
    return expired


def offer_freed_places(offer):
    """Offer ``offer``'s free places to the first in line, now (see ``_offer_freed_places``)."""
    with transaction.atomic():
        return _offer_freed_places(_lock_offer(offer))


def offers_with_free_places():
    """The offers open to requests with a place free and a family waiting for one."""
    now = timezone.now()
    return (
        open_offers_figures(now)
        .filter(waitlisted_count__gt=0, places_taken_count__lt=F("capacity"))
        .exclude(waiting_list__paused_at__isnull=False)
    )


# How often a watching run looks again: a deadline moved, or an offer made with a shorter
# delay than the one awaited, is caught within this.
WATCH_POLL_SECONDS = 1.0


def place_offers_open():
    """Whether any family has a place offered to answer (a run must watch for its deadline)."""
    return PlaceOffer.objects.filter(status=PlaceOfferStatus.OPEN).exists()


def run_waiting_lists(watch=0, sleep=time.sleep, clock=time.monotonic):
    """The schedule's work: expire what is due, then offer every place found free (a place freed by an
    edit outside the services, or left by a run that failed). Returns ``(expired, offered)``.

    ``watch`` (seconds): then stay while an offer is open, and close each one as it falls
    due, so that its place goes to the next family within a second, not at the next run
    of the schedule. Bounded by ``watch``, which the task keeps under the worker's
    timeout (``tasks.run_waiting_lists`` hands the watch over to the next run); a run
    with no offer open ends at once.
    """
    started = clock()
    expired = expire_place_offers()
    offered = sum(len(offer_freed_places(offer)) for offer in offers_with_free_places())
    while (left := watch - (clock() - started)) > 0:
        due = (
            PlaceOffer.objects.filter(status=PlaceOfferStatus.OPEN)
            .order_by("expires_at")
            .values_list("expires_at", flat=True)
            .first()
        )
        if due is None:
            break
        wait = (due - timezone.now()).total_seconds()
        if wait > 0:
            sleep(min(wait + 0.05, WATCH_POLL_SECONDS, left))
            continue
        closed = expire_place_offers()
        if not closed:  # answered, or closed by another run, meanwhile: look again in a moment
            sleep(min(WATCH_POLL_SECONDS, left))
        expired += closed
    return expired, offered


def pause_automatic_offers(offer, *, by):
    with transaction.atomic():
        _lock_offer(offer)
        waiting_list, _created = WaitingList.objects.get_or_create(offer_id=offer.pk)
        if waiting_list.paused_at is None:
            waiting_list.paused_at, waiting_list.paused_by = timezone.now(), by
            waiting_list.save(update_fields=["paused_at", "paused_by"])
            log(instance=offer, action="po.waiting_list.pause", user=by)
    return waiting_list


def resume_automatic_offers(offer, *, by):
    """Let the waiting list move by itself again, and offer at once the places free."""
    with transaction.atomic():
        offer = _lock_offer(offer)
        if WaitingList.objects.filter(offer_id=offer.pk, paused_at__isnull=False).update(
            paused_at=None, paused_by=None
        ):
            log(instance=offer, action="po.waiting_list.resume", user=by)
        return _offer_freed_places(offer)


# Messages


def payment_summary(enrollment, offer, club):
    """What is due, by when, and what was received, as the parents read it (no query).

    Written in the confirmation email and the reminders; the member area shows the
    payments app's ledger, which knows what was received.
    """
    balance = balance_due(enrollment, offer, club)
    received = enrollment.deposit_received_at
    return {
        "deposit": formatting.euros(enrollment.deposit_amount),
        "due_date": formatting.day_month(enrollment.deposit_due_date),
        "balance": formatting.euros(balance.amount) if balance else "",
        "balance_due_date": formatting.day_month(balance.due_date) if balance else "",
        "balance_with_deposit": bool(balance and balance.with_deposit),
        "deposit_received_on": formatting.day_month(enrollment.deposit_received_on) if received else "",
    }


def payment_context(enrollment, offer):
    """What the confirmation email says of the deposit and how to pay it (step 6)."""
    club = ClubSettings.current()
    specific = offer.specific
    return {
        "offer": specific,
        "when": specific.card_facts()[0][1],
        "price": formatting.euros(offer.price),
        **payment_summary(enrollment, offer, club),
        "payment_terms": offer.payment_terms or club.deposit_payment_terms,
        "cancellation": club.cancellation_terms(),
        "bank": {
            "holder": club.bank_account_holder,
            "bank_name": club.bank_name,
            "iban": club.iban_display,
            "bic": club.bic,
        },
        "cheque": {"payee": club.cheque_payee, "address": club.cheque_mailing_address},
    }


# What must reach the parents by email whatever their preference: the payment terms.
EMAIL_ALWAYS = {"enrollment_validated", "deposit_reminder"}


def _notify_guardians(enrollment, kind, context):
    context = {"enrollment": enrollment, "child": enrollment.child, "offer": enrollment.offer, **context}
    for guardian in children_service.informed_guardians(enrollment.child):
        channels = preferred_channels(guardian) | {Channel.EMAIL} if kind in EMAIL_ALWAYS else None
        notify(guardian, kind, context, channels=channels)


# Figures, waiting lists, reminders


def with_figures(offers):
    """Annotate offers with their places taken or held, validated, offered, requests waiting for a decision,
    waiting list and oldest request."""
    undecided = Q(enrollments__status=Status.REQUESTED)
    return offers.annotate(
        validated_count=Count("enrollments", filter=Q(enrollments__status__in=TAKEN_STATUSES)),
        offered_count=Count("enrollments", filter=Q(enrollments__status=Status.OFFERED)),
        places_taken_count=Count("enrollments", filter=Q(enrollments__status__in=HELD_STATUSES)),
        requested_count=Count("enrollments", filter=undecided),
        waitlisted_count=Count("enrollments", filter=Q(enrollments__status=Status.WAITLISTED)),
        oldest_request_at=Min("enrollments__requested_at", filter=undecided),
    )


def open_offers_figures(now=None):
    """The offers whose registration is open (full ones included), with their figures, soonest first."""
    now = now or timezone.now()
    opened = Q(registration_opens_at__isnull=True) | Q(registration_opens_at__lte=now)
    not_closed = Q(registration_closes_at__gt=now) | Q(
        registration_closes_at__isnull=True, start_date__gt=timezone.localdate(now)
    )
    offers = OfferPage.objects.live().filter(opened, not_closed)
    return with_figures(offers).order_by("start_date", "title")


def undecided_summary():
    """How many requests wait for the secretariat's decision, and the oldest of them."""
    undecided = Enrollment.objects.filter(status=Status.REQUESTED)
    oldest = undecided.select_related("child", "offer").in_arrival_order().first()
    return (undecided.count() if oldest else 0), oldest


def first_undecided(offer):
    """The oldest request of ``offer`` the secretariat has not decided, when it comes before the waiting list.

    A free place is not offered past it (``_offer_freed_places``): the secretariat decides it first.
    """
    first = offer.enrollments.waiting().in_line().select_related("child").first()
    return first if first is not None and first.status == Status.REQUESTED else None


def open_place_offers(offer):
    """The places offered on ``offer`` awaiting an answer, soonest deadline first, with their children."""
    return list(
        PlaceOffer.objects.filter(offer=offer, status=PlaceOfferStatus.OPEN)
        .prefetch_related("enrollments__child")
        .order_by("expires_at", "pk")
    )


def overdue_deposits(today=None):
    """The validated enrollments whose deposit is late on ``today``, reminded or not.

    Late only past a date that could be met: the club's delay counted from the day of
    validation has passed too (a due date stored by an older rule may have left none).
    """
    today = today or timezone.localdate()
    delay_start = today - datetime.timedelta(days=ClubSettings.current().deposit_due_days)
    validated_before = timezone.make_aware(datetime.datetime.combine(delay_start, datetime.time.min))
    return Enrollment.objects.filter(
        status=Status.VALIDATED, deposit_due_date__lt=today, validated_at__lt=validated_before
    )


def send_deposit_reminders(today=None):
    """Remind once the guardians whose deposit is past due; list them for the secretariat.

    Run daily by a django-q2 schedule, and by hand at times: runs may overlap. Each
    enrollment's flag is set by a conditional update, and only the run whose update
    set it notifies, so two runs at once never remind the same guardians twice; the
    secretariat's list goes likewise only from a run that reminded someone, and names
    those this run reminded. Returns how many enrollments were overdue.
    """
    from django.contrib.auth.models import Group

    from config.roles import SECRETARIAT

    overdue = list(overdue_deposits(today).select_related("child", "offer").in_arrival_order())
    if not overdue:
        return 0
    with transaction.atomic():
        reminded = []
        for enrollment in overdue:
            claimed = Enrollment.objects.filter(
                pk=enrollment.pk, status=Status.VALIDATED, deposit_reminder_sent_at__isnull=True
            ).update(deposit_reminder_sent_at=timezone.now())
            if claimed == 1:  # this run set the flag: no other run reminds these guardians
                _notify_guardians(enrollment, "deposit_reminder", payment_context(enrollment, enrollment.offer))
                reminded.append(enrollment)
        if not reminded:  # another run (or an earlier one) did it all, and told the secretariat
            return len(overdue)
        staff = Group.objects.filter(name=SECRETARIAT).values_list("user", flat=True)
        user_model = Enrollment._meta.get_field("requested_by").related_model
        for member in user_model.objects.filter(pk__in=staff, is_active=True):
            notify(
                member,
                "secretariat_overdue_deposits",
                {"overdue": reminded, "count": len(reminded)},
                channels={"email"},
            )
    return len(overdue)


def places_to_release(today=None):
    """The places whose deposit is still unpaid past the club's grace days, counted from the reminder too.

    Only when the club chose to release them (``ClubSettings.release_overdue_deposits``);
    otherwise they stay in the secretariat's « À relancer » list, and the secretariat decides.
    """
    today = today or timezone.localdate()
    club = ClubSettings.current()
    if not club.release_overdue_deposits:
        return Enrollment.objects.none()
    grace = datetime.timedelta(days=club.deposit_grace_days)
    reminded_before = timezone.make_aware(datetime.datetime.combine(today - grace, datetime.time.max))
    return overdue_deposits(today - grace).filter(deposit_reminder_sent_at__lte=reminded_before)


def release_unpaid_places(today=None):
    """Cancel the enrollments of ``places_to_release`` and offer each place to the next family in line.

    Run daily by the deposits' schedule, after the reminders; each enrollment is read
    again under its offer's lock, so two runs at once release it once, and a deposit
    recorded meanwhile keeps the place. Returns how many places were released.
    """
    released = 0
    for enrollment in places_to_release(today).select_related("offer").in_arrival_order():
        with transaction.atomic():
            offer = _lock_offer(enrollment.offer)
            enrollment = Enrollment.objects.select_for_update().select_related("child", "offer").get(pk=enrollment.pk)
            if enrollment.status != Status.VALIDATED:
                continue  # paid, or cancelled, meanwhile
            enrollment.status, enrollment.cancelled_at = Status.CANCELLED, timezone.now()
            enrollment.save(update_fields=["status", "cancelled_at"])
            log(
                instance=enrollment,
                action="po.enrollment.release",
                data={"deposit_due_date": str(enrollment.deposit_due_date)},
            )
            _notify_guardians(enrollment, "deposit_place_released", payment_context(enrollment, offer))
            transaction.on_commit(page_cache.invalidate)
            _offer_freed_places(offer)
            released += 1
    return released


def upcoming_enrollments():
    """The enrollments a parent still looks forward to: not cancelled, of an offer not over (a queryset)."""
    return (
        Enrollment.objects.exclude(status=EnrollmentStatus.CANCELLED)
        .filter(offer__end_date__gte=timezone.localdate())
        .select_related("offer", "requested_by", "place_offer")
        # What the dashboard shows: an offer's row is wide (Wagtail's page and the offer's own fields).
        .only(
            "child",
            "offer",
            "status",
            "arrival",
            "requested_at",
            "requested_by",
            "place_offer__expires_at",
            "price",
            "deposit_amount",
            "deposit_due_date",
            "balance_due_date",
            "validated_at",
            "cancelled_at",
            "offer__title",
            "offer__start_date",
            "offer__price",
            "offer__capacity",
            "requested_by__first_name",
        )
        .in_arrival_order()
    )


def with_upcoming_enrollments(children):
    """``children`` (a queryset) as a list, each with its ``upcoming_enrollments`` and their waiting ranks.

    Two queries whatever the number of children (three when one of them is waiting):
    the children, their upcoming enrollments, and the ranks on the waiting lists.
    What each costs and what was paid is the payments app's (``payments.ledger.with_ledgers``).
    """
    # Imported here, leaving the module's import block as it is.
    from django.db.models import Prefetch

    from memberspace.enrollments.models import set_positions

    upcoming = Prefetch("enrollments", queryset=upcoming_enrollments(), to_attr="upcoming_enrollments")
    children = list(children.prefetch_related(upcoming))
    set_positions([enrollment for child in children for enrollment in child.upcoming_enrollments])
    for child in children:
        # The offers' ages are taken on their start: said with its date where it is not today's.
        today_age = child.age
        for enrollment in child.upcoming_enrollments:
            age = age_on(child.birth_date, enrollment.offer.start_date)
            enrollment.age_at_start = age if age != today_age else None
            enrollment.line = describe_position(enrollment, enrollment.offer)
        child.age_differs = any(enrollment.age_at_start is not None for enrollment in child.upcoming_enrollments)
    return children


def already_requested(offer, children):
    """``children`` if every one of them already has an active enrollment for ``offer``, else ``[]``.

    How a request sent again (a double click, a reload) is recognised: the first one was
    recorded, so the second is answered as a success, not refused as a copy.
    """
    children = list(children)
    if not children:
        return []
    active = set(offer.enrollments.active().filter(child__in=children).values_list("child_id", flat=True))
    return children if all(child.pk in active for child in children) else []
