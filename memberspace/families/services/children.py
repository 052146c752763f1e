"""Children (memberships) and their guardians: one function per change.

A child created by a validated parent is active at once, with that parent as
guardian. A child imported from the old database is "migrated", with no
guardian, until the secretariat attaches it to an account. A child whose every
guardian is gone is archived.

Whether a child was a member in the old database is not the parent's to learn
(anyone can type a name and a birth date): a parent who creates a child that
matches a migrated one gets the same answer as for any child. What the old base
does about it is the legacy app's, reached through two Wagtail hooks so that this
app knows nothing of it: ``after_create_child_known_to_old_base`` (the secretariat
is shown the possible duplicate) and ``attach_migrated_child`` (attaching the old
base's record to a parent who created the child merges it into that child).

The rules of a child's details hold wherever they are typed (``create_child`` and
``update_child`` alike): a birth date within the ages the club serves
(``check_birth_date``), and no second copy of a child already on the parent's
account (``DuplicateChildError``). The same new child sent again moments later
(a double click, a reload) is recognised as that child, not refused as a copy.

The same child created by two parents (co-parents who each add their child) is
not refused either: whether the club knows a named child is no parent's to learn.
The child is created as any other, with the same answer, and flagged for the
secretariat (``Child.duplicate_of``, in the children's listing), which merges the
two records (``merge_children``).

Health notes are personal data of a minor: they are never written in the log
nor in a notification, which only say that they changed.
"""

import datetime
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.log_actions import log
from wagtail.log_actions import registry as log_registry

from memberspace import MemberspaceError
from memberspace.accounts.models import CLOSED_STATUSES, AccountStatus
from memberspace.families.models import Child, ChildStatus, Guardianship
from memberspace.families.text import name_key
from memberspace.notifications.services import notify
from pages.models import age_on, club_ages


class ChildError(MemberspaceError):
    pass


class DuplicateChildError(ChildError):
    """The child exists already among the parent's own (``existing``).

    Never raised for a child of the old database: that is not the parent's to learn.
    """

    def __init__(self, message, *, existing=None):
        super().__init__(message)
        self.existing = existing


# The same new child sent again within this delay, with the same details (a double click, a reload), is that child.
RESENT_WITHIN = datetime.timedelta(minutes=10)
# The details that say who a child is: two of a parent's children never share all three.
IDENTITY_FIELDS = ("first_name", "last_name", "birth_date")

# Changes the other guardians are told about (the values of health notes are not sent).
WATCHED_FIELDS = {
    "health_notes": _("informations de santé"),
    "image_rights_consent": _("droit à l'image"),
    "may_leave_alone": _("autorisation de repartir seul(e)"),
}


def informed_guardians(child):
    """The guardians told about ``child``: accounts the club validated (and did not suspend).

    The secretariat may attach a child to an account still pending: until it validates
    the account, the member area shows it no child, and no message tells it about one.
    """
    return child.guardians.filter(is_active=True, account_status=AccountStatus.VALIDATED)


def other_guardians(child, parent):
    return informed_guardians(child).exclude(pk=parent.pk)


class Matches(NamedTuple):
    """The children of the club with a child's names and birth date (``find_duplicate``)."""

    own: Child | None  # one of the parent's own: refused (``duplicate_error``)
    migrated: Child | None  # the old base's record: the legacy app is told (a hook)
    other: Child | None  # another family's, or else the old base's: flagged for the secretariat


def find_duplicate(parent, first_name, last_name, birth_date, exclude=None):
    """The ``Matches`` of these names and birth date anywhere in the club, in one query.

    Names compare without accents, case or punctuation (the stored, indexed
    ``*_name_key`` columns); whether a match is one of ``parent``'s children is read
    in the same query.
    """
    same = (
        Child.objects.filter(
            last_name_key=name_key(last_name), first_name_key=name_key(first_name), birth_date=birth_date
        )
        .annotate(is_own=Exists(Guardianship.objects.filter(child=OuterRef("pk"), parent=parent)))
        .order_by("pk")
    )
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    found = list(same)
    others = [child for child in found if not child.is_own]
    migrated = next((child for child in others if child.status == ChildStatus.MIGRATED), None)
    return Matches(
        own=next((child for child in found if child.is_own), None),
        migrated=migrated,
        other=next((child for child in others if child.status != ChildStatus.MIGRATED), migrated),
    )


def check_birth_date(birth_date, *, today=None):
    """Refuse (``ChildError``) a birth date in the future or outside the ages the club serves (``club_ages``)."""
    today = today or timezone.localdate()
    if birth_date > today:
        raise ChildError(_("La date de naissance ne peut pas être dans le futur."))
    youngest, oldest = club_ages()
    age = age_on(birth_date, today)
    if not youngest <= age <= oldest:
        raise ChildError(
            _("Le PO accueille les enfants de %(min)s à %(max)s ans ; cette date donne %(age)s ans.")
            % {"min": youngest, "max": oldest, "age": age}
        )


def duplicate_error(own):
    """The refusal of a child that is ``own``, already on the parent's account (with a link to it)."""
    return DuplicateChildError(
        _("%(name)s, né(e) le %(date)s, est déjà sur votre compte.")
        % {"name": own, "date": own.birth_date.strftime("%d/%m/%Y")},
        existing=own,
    )


def is_resubmission(own, parent, *, data, relationship, now=None):
    """True when ``own`` is the very child ``parent`` is creating, created by them moments ago.

    The same form sent again (a double click, a reload, two tabs): every detail is the
    same, the parent created it within ``RESENT_WITHIN`` and is its guardian with the
    same relationship. A child typed again later, or with any detail different, is a copy.
    """
    now = now or timezone.now()
    if own.created_by_id != parent.pk or own.created_at < now - RESENT_WITHIN:
        return False
    if any(getattr(own, name) != value for name, value in data.items()):
        return False
    return own.guardianships.filter(parent=parent, relationship=relationship).exists()


def create_child(parent, *, data, relationship):
    """A validated parent creates a child's membership (announcement, step 5).

    The answer is the same whether or not the club knows the child: a child of another
    family (or of the old base) with the same names and birth date is only flagged to
    the secretariat (``duplicate_of``; for the old base, also an ``AttachmentRequest``,
    which its suggestions read). The same form sent twice returns the child the first
    one created (``is_resubmission``).

    No one else is told: the parent's co-parents (of another child) are not this child's
    guardians (README, « Each child's guardians are explicit »); the parent invites the
    other one from the child's page.
    """
    if not parent.is_validated_parent:
        raise ChildError(_("Votre compte doit d'abord être validé par le club."))
    check_birth_date(data["birth_date"])
    with transaction.atomic():
        # The parent's row is locked first: the same child sent twice at once (a double click,
        # two tabs) is checked for duplicates by one request after the other has created it.
        get_user_model().objects.select_for_update().filter(pk=parent.pk).first()
        own, migrated, other = find_duplicate(parent, data["first_name"], data["last_name"], data["birth_date"])
        if own is not None:
            if is_resubmission(own, parent, data=data, relationship=relationship):
                return own
            raise duplicate_error(own)
        child = Child.objects.create(**data, status=ChildStatus.ACTIVE, created_by=parent, duplicate_of=other)
        Guardianship.objects.create(child=child, parent=parent, relationship=relationship, created_by=parent)
        log(
            instance=child,
            action="po.child.create",
            user=parent,
            data={"duplicate_of": other.pk} if other is not None else None,
        )
        if migrated is not None:  # the old base may know the child: the apps above are told (legacy flags it)
            for flag in hooks.get_hooks("after_create_child_known_to_old_base"):
                flag(child, parent=parent, migrated=migrated)
        if other is None:
            # Another parent creating the same child at the same instant was not committed yet when
            # this request looked (PostgreSQL reads committed rows; the parent's lock is not theirs):
            # look again once this one is committed. Of two such requests, the later sees the other.
            transaction.on_commit(lambda: flag_late_duplicate(child, parent))
    return child


def flag_late_duplicate(child, parent):
    """Flag ``child`` « doublon possible » if a record of it was committed while it was being created."""
    other = find_duplicate(parent, child.first_name, child.last_name, child.birth_date, exclude=child).other
    if other is not None:
        Child.objects.filter(pk=child.pk, duplicate_of__isnull=True).update(duplicate_of=other)


def update_child(child, *, by, data):
    """A guardian edits a child; the other guardians hear of changes to health notes and consents.

    The rules of ``create_child`` hold: a new birth date within the club's ages, and new
    names or birth date that are not those of another of the guardian's children.
    """
    with transaction.atomic():
        # The guardian's row first, as in create_child: a child created and another renamed
        # into it at the same moment are checked one after the other.
        get_user_model().objects.select_for_update().filter(pk=by.pk).first()
        child = Child.objects.select_for_update().get(pk=child.pk)
        if not child.guardianships.filter(parent=by).exists():
            raise ChildError(_("Seuls les responsables de l'enfant peuvent modifier sa fiche."))
        changed = [name for name, value in data.items() if getattr(child, name) != value]
        if not changed:
            return child
        if "birth_date" in changed:
            check_birth_date(data["birth_date"])
        flagged = []
        if any(name in changed for name in IDENTITY_FIELDS):
            identity = [data.get(name, getattr(child, name)) for name in IDENTITY_FIELDS]
            matches = find_duplicate(by, *identity, exclude=child)
            if matches.own is not None:
                raise duplicate_error(matches.own)
            if child.duplicate_of_id != (matches.other.pk if matches.other else None):
                child.duplicate_of, flagged = matches.other, ["duplicate_of"]  # for the secretariat only
        for name in changed:
            setattr(child, name, data[name])
        child.save(update_fields=[*changed, *flagged])
        log(instance=child, action="po.child.update", user=by, data={"fields": sorted(changed)})
        watched = [str(WATCHED_FIELDS[name]) for name in changed if name in WATCHED_FIELDS]
        if watched:
            for other in other_guardians(child, by):
                notify(other, "child_updated", {"child": child, "by": by, "changes": watched}, channels={"email"})
    return child


def attach_child(child, parent, *, by, relationship):
    """The secretariat makes ``parent`` a guardian of ``child`` (a migrated child becomes active).

    A migrated child that the parent has already created (same names and birth date) is
    not attached a second time: its old-base record is merged into the parent's child. No
    child is attached to an account the club closed (refused, suspended, erased): its status
    is read again, locked, as a page shown before the closing may still offer the attaching
    and a closing may be under way. The account is locked before the child, in the order of
    the erasure (memberspace.privacy.services), so that the two never wait on each other.
    """
    with transaction.atomic():
        status = lock_account_status(parent)
        child = Child.objects.select_for_update().get(pk=child.pk)
        if not parent.is_parent:
            raise ChildError(_("Un compte du personnel ne peut pas être responsable d'un enfant."))
        if status in CLOSED_STATUSES:
            raise ChildError(
                _("Le compte de %(parent)s est %(status)s : aucun enfant ne peut lui être rattaché.")
                % {"parent": parent.get_full_name() or parent.email, "status": AccountStatus(status).label.lower()}
            )
        if child.status == ChildStatus.MIGRATED:
            # The old base's record of a child the parent created already is merged into it
            # rather than attached a second time (memberspace.legacy registers the merge).
            for merge in hooks.get_hooks("attach_migrated_child"):
                merged = merge(child, parent=parent, by=by)
                if merged is not None:
                    return merged
        if child.guardianships.filter(parent=parent).exists():
            raise ChildError(
                _("%(parent)s est déjà responsable de %(child)s.") % {"parent": parent.get_full_name(), "child": child}
            )
        Guardianship.objects.create(child=child, parent=parent, relationship=relationship, created_by=by)
        if child.status != ChildStatus.ACTIVE:
            child.status, child.archived_at = ChildStatus.ACTIVE, None
            child.save(update_fields=["status", "archived_at"])
        log(instance=child, action="po.child.attach", user=by, data={"parent": parent.pk})
        if parent.is_validated_parent:
            notify(parent, "child_attached", {"child": child}, channels={"email"})
    return child


def lock_account_status(parent):
    """The account's status, its row locked until the transaction ends (a closing waits for the attaching)."""
    return type(parent).objects.select_for_update().filter(pk=parent.pk).values_list("account_status", flat=True).get()


def detach_guardian(child, parent, *, by):
    """The secretariat removes a guardian; a child left with none is archived."""
    with transaction.atomic():
        child = Child.objects.select_for_update().get(pk=child.pk)
        deleted, _details = child.guardianships.filter(parent=parent).delete()
        if not deleted:
            raise ChildError(
                _("%(parent)s n'est pas responsable de %(child)s.") % {"parent": parent.get_full_name(), "child": child}
            )
        if not child.guardianships.exists():
            archive(child)
        log(instance=child, action="po.child.detach", user=by, data={"parent": parent.pk})
    return child


def archive(child):
    """A child left without guardian: archived, then erased after the retention period (services.personal_data)."""
    child.status, child.archived_at = ChildStatus.ARCHIVED, timezone.now()
    child.save(update_fields=["status", "archived_at"])


def children_for_dashboard(user):
    """The children the dashboard lists for ``user``, reading only the columns it shows (a queryset)."""
    return Child.objects.for_guardian(user).only("first_name", "last_name", "birth_date", "school_level")


# The permission of the secretariat's changes to a child (config/roles.py gives it to « Secrétariat »).
MANAGE_PERMISSION = "families.change_child"
# The permission to see children's personal data in the admin, on an account's screen too (« Secrétariat »).
VIEW_PERMISSION = "families.view_child"
# The details of the merged child that the kept record takes when it has none.
DETAILS_TAKEN_IF_BLANK = ("sex", "school_level", "emergency_contact_name", "emergency_contact_phone")


def merge_children(keep, absorbed, *, by):
    """The secretariat merges ``absorbed`` into ``keep``: two records of one child (``duplicate_of``).

    Nothing of either record is lost. Every row that points to ``absorbed`` is
    re-pointed to ``keep``, found generically from ``Child._meta`` rather than
    through a hook per app: families sits below enrollments and legacy and must not
    import them, and a generic walk also covers the apps added later without them
    having to remember a hook. So ``absorbed``'s enrollments, the old base's contacts,
    invitations (many-to-many) and the other records flagged as its duplicates move
    to ``keep``. Guardianships are merged (one per parent: a parent of both keeps
    one, with the kept record's relationship). A row that cannot move because of a
    unique constraint (two requests in progress for the same offer) stops the whole
    merge with a ``ChildError``: the secretariat cancels the extra one first.
    Wagtail's history of ``absorbed`` (``ModelLogEntry``, by object id) becomes
    ``keep``'s. ``keep``'s details win; it takes ``absorbed``'s where it has none,
    both health notes when they differ (no allergy may be lost), the old base's past
    activities, and its number when ``keep`` has none (else the log keeps it). An
    archived ``absorbed`` (no guardian left, its details maybe stale or erased) gives
    none of its details: its rows, its history and its number move, nothing else.

    Only two records of one child are merged: the two must share their birth date or
    their names (compared as ``find_duplicate`` does, ``*_name_key``), so that a typo in
    one of them is no obstacle; two records that share neither are refused
    (``ChildError``), since merging two children would show each family the other's.

    Both rows are locked in the order of their ids (two merges of the same pair at
    once: the second finds one record gone). Logged on ``keep`` (``po.child.merge``);
    the guardians of both records are told (``children_merged``).
    """
    if not by.has_perm(MANAGE_PERMISSION):
        raise ChildError(_("Seul le secrétariat du club peut fusionner deux fiches d'enfant."))
    if keep.pk == absorbed.pk:
        raise ChildError(_("Une fiche ne peut pas être fusionnée avec elle-même : choisissez l'autre fiche."))
    with transaction.atomic():
        locked = Child.objects.select_for_update().filter(pk__in=[keep.pk, absorbed.pk]).order_by("pk")
        rows = {child.pk: child for child in locked}
        if len(rows) != 2:
            raise ChildError(_("L'une des deux fiches n'existe plus : elle a peut-être déjà été fusionnée."))
        keep, absorbed = rows[keep.pk], rows[absorbed.pk]
        if not is_same_child(keep, absorbed):
            raise ChildError(
                _(
                    "Ces deux fiches n'ont ni les mêmes nom et prénom ni la même date de naissance : "
                    "ce ne sont pas deux fiches du même enfant. Vérifiez le n° de la fiche à garder."
                )
            )
        moved = _move_related_rows(keep, absorbed)
        history = log_registry.get_logs_for_instance(absorbed).update(object_id=str(keep.pk))
        changed = _take_details(keep, absorbed)
        absorbed_pk, absorbed_legacy_id = absorbed.pk, absorbed.legacy_id
        absorbed.delete()  # before its old-base number moves: the number is unique
        if absorbed_legacy_id and not keep.legacy_id:
            keep.legacy_id = absorbed_legacy_id
            changed.append("legacy_id")
        keep.save(update_fields=changed)
        log(
            instance=keep,
            action="po.child.merge",
            user=by,
            data={
                "absorbed": absorbed_pk,
                "absorbed_legacy_id": absorbed_legacy_id,
                "moved": moved,
                "history": history,
            },
        )
        for parent in informed_guardians(keep):
            notify(parent, "children_merged", {"child": keep}, channels={"email"})
    return keep


def is_same_child(one, other):
    """True when two records may be one child's: the same birth date, or the same names (accents, case aside)."""
    same_names = (one.first_name_key, one.last_name_key) == (other.first_name_key, other.last_name_key)
    return same_names or one.birth_date == other.birth_date


def _move_related_rows(keep, absorbed):
    """Re-point to ``keep`` every row that points to ``absorbed``; ``{model label: rows moved}``."""
    moved = {}
    for relation in Child._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or relation.related_model._meta.auto_created:
            continue  # only the relations to a child (a many-to-many's table is moved as the many-to-many)
        model = relation.related_model
        if model is Guardianship:
            count = _merge_guardianships(keep, absorbed)
        elif relation.many_to_many:
            count = _move_many_to_many(relation, keep, absorbed)
        else:
            try:
                with transaction.atomic():  # a savepoint: a refused row leaves the merge to be stopped cleanly
                    count = model._base_manager.filter(**{relation.field.name: absorbed}).update(
                        **{relation.field.name: keep}
                    )
            except IntegrityError as error:
                raise ChildError(
                    _(
                        "Les deux fiches ont des « %(records)s » qui ne peuvent pas aller ensemble sur un même "
                        "enfant (par exemple deux demandes en cours pour la même activité ou le même séjour). "
                        "Annulez celle en trop, puis fusionnez."
                    )
                    % {"records": model._meta.verbose_name_plural}
                ) from error
        if count:
            moved[model._meta.label_lower] = moved.get(model._meta.label_lower, 0) + count
    return moved


def _merge_guardianships(keep, absorbed):
    """``absorbed``'s guardians become ``keep``'s; a parent of both keeps one guardianship (``keep``'s)."""
    already = Guardianship.objects.filter(child=keep).values("parent")
    count = Guardianship.objects.filter(child=absorbed).exclude(parent__in=already).update(child=keep)
    Guardianship.objects.filter(child=absorbed).delete()
    return count


def _move_many_to_many(relation, keep, absorbed):
    """The rows of a many-to-many's table: ``keep`` joins what ``absorbed`` belonged to, once."""
    table = relation.through._base_manager
    child_field, owner_field = relation.field.m2m_reverse_field_name(), relation.field.m2m_field_name()
    already = table.filter(**{child_field: keep}).values(owner_field)
    count = (
        table.filter(**{child_field: absorbed}).exclude(**{f"{owner_field}__in": already}).update(**{child_field: keep})
    )
    table.filter(**{child_field: absorbed}).delete()  # what both belonged to: once is enough
    return count


def _take_details(keep, absorbed):
    """What ``keep`` takes of ``absorbed``'s own details; the names of the fields changed.

    Nothing of an archived ``absorbed`` (maybe stale or erased): only its record keeping.
    """
    if absorbed.status == ChildStatus.ARCHIVED:
        return _take_record_keeping(keep, absorbed)
    changed = []
    for name in DETAILS_TAKEN_IF_BLANK:
        if not getattr(keep, name) and getattr(absorbed, name):
            setattr(keep, name, getattr(absorbed, name))
            changed.append(name)
    if absorbed.health_notes and absorbed.health_notes.strip() not in keep.health_notes:
        keep.health_notes = "\n\n".join(notes for notes in (keep.health_notes.strip(), absorbed.health_notes) if notes)
        changed.append("health_notes")
    if absorbed.legacy_activities and absorbed.legacy_activities not in keep.legacy_activities:
        both = (keep.legacy_activities, absorbed.legacy_activities)
        keep.legacy_activities = ", ".join(text for text in both if text)
        changed.append("legacy_activities")
    return changed + _take_record_keeping(keep, absorbed)


def _take_record_keeping(keep, absorbed):
    """The old base's fingerprint (with the number, moved by ``merge_children``), ``keep``'s flag and status."""
    changed = []
    if absorbed.legacy_id and not keep.legacy_id:
        keep.legacy_fingerprint = absorbed.legacy_fingerprint
        changed.append("legacy_fingerprint")
    if keep.duplicate_of_id in (keep.pk, absorbed.pk):  # its flag pointed to the record merged into it
        keep.duplicate_of = None
        changed.append("duplicate_of")
    if keep.status != ChildStatus.ACTIVE and Guardianship.objects.filter(child=keep).exists():
        keep.status, keep.archived_at = ChildStatus.ACTIVE, None
        changed += ["status", "archived_at"]
    return changed
