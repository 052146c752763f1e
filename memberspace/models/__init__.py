"""The member area's models.

Families' records stay out of Wagtail's reference index
(``wagtail_reference_index_ignore``): a page's "Usage" tab, which editors of
the communication team see, must not list the children enrolled in an offer,
and the index would cost every save a few queries for nothing.
"""

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
from .enrollments import ACTIVE_STATUSES, TAKEN_STATUSES, Enrollment, EnrollmentStatus, set_waiting_ranks
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
    "set_waiting_ranks",
]
