from .accounts import AccountStatus, NotificationPreference, ParentAccount, User, UserManager
from .children import (
    AttachmentRequest,
    Child,
    ChildStatus,
    Guardianship,
    Invitation,
    LegacyContact,
    Relationship,
    SchoolLevel,
    Sex,
)
from .notifications import Notification

__all__ = [
    "AccountStatus",
    "AttachmentRequest",
    "Child",
    "ChildStatus",
    "Guardianship",
    "Invitation",
    "LegacyContact",
    "Notification",
    "NotificationPreference",
    "ParentAccount",
    "Relationship",
    "SchoolLevel",
    "Sex",
    "User",
    "UserManager",
]
