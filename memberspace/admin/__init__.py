"""The secretariat's screens in the Wagtail admin (wagtail-modeladmin); registered in wagtail_hooks.py."""

from .notifications import NotificationAdmin

__all__ = ["NotificationAdmin"]
