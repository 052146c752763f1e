"""The old base's side of a family's changes: flagging a possible duplicate, merging a record into a child.

Registered as Wagtail hooks (wagtail_hooks.py) that families' services call, so that
families knows nothing of this app: ``after_create_child_known_to_old_base`` and
``attach_migrated_child``.
"""

from django.db import transaction
from django.utils.translation import ngettext
from wagtail.log_actions import log

from memberspace.families.models import Child, ChildStatus
from memberspace.families.services import children as children_service
from memberspace.families.text import name_key
from memberspace.legacy.models import AttachmentRequest, LegacyContact


def flag_possible_duplicate(child, *, parent, migrated):
    """A parent created a child the old base may know: the secretariat sees it on the account's screen.

    The parent is not told (whether a child was a member is not theirs to learn).
    """
    AttachmentRequest.objects.get_or_create(
        parent=parent, first_name=child.first_name, last_name=child.last_name, birth_date=child.birth_date
    )


def merge_into_own_copy(migrated, *, parent, by):
    """Attaching ``migrated`` to a parent who created the same child: merge instead; None if they did not."""
    created = own_copy(migrated, parent)
    return merge_legacy_record(migrated, into=created, parent=parent, by=by) if created is not None else None


def own_copy(migrated, parent):
    """The child ``parent`` created that is ``migrated`` (same names and birth date, no old-base number)."""
    return (
        Child.objects.select_for_update()
        .filter(
            pk__in=Child.objects.for_guardian(parent).filter(
                first_name_key=migrated.first_name_key,
                last_name_key=migrated.last_name_key,
                birth_date=migrated.birth_date,
                legacy_id__isnull=True,
            )
        )
        .order_by("pk")
        .first()
    )


def merge_legacy_record(migrated, *, into, parent, by):
    """The old base's record of ``migrated`` (number, past activities, contacts) moves onto ``into``."""
    legacy_id = migrated.legacy_id
    LegacyContact.objects.filter(child=migrated).update(child=into)
    into.legacy_activities, into.legacy_fingerprint = migrated.legacy_activities, migrated.legacy_fingerprint
    migrated.delete()  # before the number moves: it is unique
    into.legacy_id = legacy_id
    into.save(update_fields=["legacy_id", "legacy_activities", "legacy_fingerprint"])
    for request in AttachmentRequest.objects.filter(parent=parent, birth_date=into.birth_date):
        if (name_key(request.first_name), name_key(request.last_name)) == (into.first_name_key, into.last_name_key):
            request.delete()  # the possible duplicate it flagged is resolved
    log(instance=into, action="po.child.merge_legacy", user=by, data={"legacy_id": legacy_id})
    return into


def attach_household(children, parent, *, by, relationship):
    """The secretariat attaches several of the old base's children to ``parent`` at once: all of them, or none.

    Locks the children in the order of their ids (two such calls never wait on each other
    in a circle), checks that each is still in the old base, unattached, then attaches each
    through ``families.services.children.attach_child`` (its rules and merge apply); any
    refusal undoes the whole call. Returns the attached children, in the given order.
    """
    ids = [child.pk for child in children]
    with transaction.atomic():
        children_service.lock_account_status(parent)  # the account first, as attach_child and the erasure do
        locked = Child.objects.select_for_update().filter(pk__in=ids).order_by("pk").in_bulk()
        gone = [child for child in children if child.pk not in locked]
        taken = [locked[pk] for pk in ids if pk in locked and locked[pk].status != ChildStatus.MIGRATED]
        if gone or taken:
            missing = gone + taken
            raise children_service.ChildError(
                ngettext(
                    "%(children)s n'est plus dans l'ancienne base à rattacher (déjà rattaché(e) ou fusionné(e)) : "
                    "aucun enfant n'a été rattaché. Rechargez la page pour voir les suggestions à jour.",
                    "%(children)s ne sont plus dans l'ancienne base à rattacher (déjà rattachés ou fusionnés) : "
                    "aucun enfant n'a été rattaché. Rechargez la page pour voir les suggestions à jour.",
                    len(missing),
                )
                % {"children": ", ".join(str(child) for child in missing)}
            )
        return [children_service.attach_child(locked[pk], parent, by=by, relationship=relationship) for pk in ids]
