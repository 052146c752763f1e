from .accounts import AccountStatus, NotificationPreference, ParentAccount, User, UserManager
from .notifications import Notification

__all__ = ["AccountStatus", "Notification", "NotificationPreference", "ParentAccount", "User", "UserManager"]
