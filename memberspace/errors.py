"""Domain errors of the member area: raised by the services, shown by the views as messages."""


class MemberspaceError(Exception):
    """A business rule refused the operation; the message is translated and shown to the user."""


class NotificationError(MemberspaceError):
    pass


class AccountError(MemberspaceError):
    pass
