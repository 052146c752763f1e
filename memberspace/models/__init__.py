from .accounts import NotificationPreference, User, UserManager
from .notifications import Notification

__all__ = ["Notification", "NotificationPreference", "User", "UserManager"]
