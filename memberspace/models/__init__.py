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
from .enrollments import ACTIVE_STATUSES, TAKEN_STATUSES, Enrollment, EnrollmentStatus
from .notifications import Notification

__all__ = [
    "ACTIVE_STATUSES",
    "TAKEN_STATUSES",
    "AccountStatus",
    "Enrollment",
    "EnrollmentStatus",
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
