"""The secretariat's screens in the Wagtail admin (wagtail-modeladmin); registered in wagtail_hooks.py."""

from . import accounts, enrollments
from .accounts import ParentAccountAdmin
from .children import ChildAdmin
from .enrollments import EnrollmentAdmin
from .notifications import NotificationAdmin

BULK_ACTIONS = accounts.BULK_ACTIONS + enrollments.BULK_ACTIONS

__all__ = ["BULK_ACTIONS", "ChildAdmin", "EnrollmentAdmin", "NotificationAdmin", "ParentAccountAdmin"]
