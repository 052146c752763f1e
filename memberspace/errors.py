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
    """The child exists already: among the parent's own (``existing``), or in the old database."""

    def __init__(self, message, *, existing=None, attachment_requested=False):
        super().__init__(message)
        self.existing = existing
        self.attachment_requested = attachment_requested


class InvitationError(MemberspaceError):
    pass


class EnrollmentError(MemberspaceError):
    pass
