"""The secretariat's screens in the Wagtail admin (wagtail-modeladmin); registered in wagtail_hooks.py."""

from .accounts import BULK_ACTIONS, ParentAccountAdmin
from .children import ChildAdmin
from .notifications import NotificationAdmin

__all__ = ["BULK_ACTIONS", "ChildAdmin", "NotificationAdmin", "ParentAccountAdmin"]
