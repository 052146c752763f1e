"""Domain errors of the member area: raised by the services, shown by the views as messages."""


class MemberspaceError(Exception):
    """A business rule refused the operation; the message is translated and shown to the user."""


class NotificationError(MemberspaceError):
    pass


class AccountError(MemberspaceError):
    pass


class ChildError(MemberspaceError):
    pass


class DuplicateChildError(ChildError):
    """The child exists already among the parent's own (``existing``).

    Never raised for a child of the old database: that is not the parent's to learn
    (memberspace/services/children.py).
    """

    def __init__(self, message, *, existing=None):
        super().__init__(message)
        self.existing = existing


class InvitationError(MemberspaceError):
    pass


class EnrollmentError(MemberspaceError):
    pass
