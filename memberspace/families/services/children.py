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

Health notes are personal data of a minor: they are never written in the log
nor in a notification, which only say that they changed.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.log_actions import log

from memberspace import MemberspaceError
from memberspace.accounts.models import AccountStatus
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


def co_parents(parent):
    """The other adults who share at least one child with ``parent``."""
    return (
        get_user_model()
        .objects.filter(guardianships__child__guardianships__parent=parent, is_active=True)
        .exclude(pk=parent.pk)
        .distinct()
    )


def informed_guardians(child):
    """The guardians told about ``child``: accounts the club validated (and did not suspend).

    The secretariat may attach a child to an account still pending: until it validates
    the account, the member area shows it no child, and no message tells it about one.
    """
    return child.guardians.filter(is_active=True, account_status=AccountStatus.VALIDATED)


def other_guardians(child, parent):
    return informed_guardians(child).exclude(pk=parent.pk)


def find_duplicate(parent, first_name, last_name, birth_date, exclude=None):
    """``(child among the parent's own, migrated child)`` with this name and birth date, if any."""
    same = Child.objects.filter(
        first_name_key=name_key(first_name), last_name_key=name_key(last_name), birth_date=birth_date
    )
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    return same.for_guardian(parent).first(), same.migrated().first()


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

    The answer is the same whether or not the old base knows the child: a match is
    only flagged to the secretariat (an ``AttachmentRequest``, which its suggestions read).
    The same form sent twice returns the child the first one created (``is_resubmission``).
    """
    if not parent.is_validated_parent:
        raise ChildError(_("Votre compte doit d'abord être validé par le club."))
    check_birth_date(data["birth_date"])
    with transaction.atomic():
        # The parent's row is locked first: the same child sent twice at once (a double click,
        # two tabs) is checked for duplicates by one request after the other has created it.
        get_user_model().objects.select_for_update().filter(pk=parent.pk).first()
        own, migrated = find_duplicate(parent, data["first_name"], data["last_name"], data["birth_date"])
        if own is not None:
            if is_resubmission(own, parent, data=data, relationship=relationship):
                return own
            raise duplicate_error(own)
        child = Child.objects.create(**data, status=ChildStatus.ACTIVE, created_by=parent)
        Guardianship.objects.create(child=child, parent=parent, relationship=relationship, created_by=parent)
        log(instance=child, action="po.child.create", user=parent)
        if migrated is not None:  # the old base may know the child: the apps above are told (legacy flags it)
            for flag in hooks.get_hooks("after_create_child_known_to_old_base"):
                flag(child, parent=parent, migrated=migrated)
        for other in co_parents(parent):
            notify(other, "child_added", {"child": child, "by": parent}, channels={"email"})
    return child


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
        if any(name in changed for name in IDENTITY_FIELDS):
            identity = [data.get(name, getattr(child, name)) for name in IDENTITY_FIELDS]
            own = find_duplicate(by, *identity, exclude=child)[0]
            if own is not None:
                raise duplicate_error(own)
        for name in changed:
            setattr(child, name, data[name])
        child.save(update_fields=changed)
        log(instance=child, action="po.child.update", user=by, data={"fields": sorted(changed)})
        watched = [str(WATCHED_FIELDS[name]) for name in changed if name in WATCHED_FIELDS]
        if watched:
            for other in other_guardians(child, by):
                notify(other, "child_updated", {"child": child, "by": by, "changes": watched}, channels={"email"})
    return child


def attach_child(child, parent, *, by, relationship):
    """The secretariat makes ``parent`` a guardian of ``child`` (a migrated child becomes active).

    A migrated child that the parent has already created (same names and birth date) is
    not attached a second time: its old-base record is merged into the parent's child.
    """
    with transaction.atomic():
        child = Child.objects.select_for_update().get(pk=child.pk)
        if not parent.is_parent:
            raise ChildError(_("Un compte du personnel ne peut pas être responsable d'un enfant."))
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
