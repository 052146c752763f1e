"""The old base's version moves on when its records change one by one (the importer bumps it once per run)."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from memberspace.families.models import Child, ChildStatus
from memberspace.legacy.matching import bump_base_version
from memberspace.legacy.models import LegacyContact

_quiet = ContextVar("legacy_changes_quiet", default=False)


@contextmanager
def one_version_for_all():
    """Changes made inside do not move the version on one by one: the caller bumps it once, after them."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def changed_one_by_one(raw):
    return not raw and not _quiet.get()


@receiver(post_save, sender=Child)
def migrated_child_saved(sender, instance, raw=False, **kwargs):
    # A child leaving the old base (attached) needs no new version: the matching only
    # suggests children still migrated when it reads them.
    if instance.status == ChildStatus.MIGRATED and changed_one_by_one(raw):
        bump_base_version()


@receiver(post_save, sender=LegacyContact)
@receiver(post_delete, sender=LegacyContact)
def legacy_contact_changed(sender, raw=False, **kwargs):
    if changed_one_by_one(raw):
        bump_base_version()
