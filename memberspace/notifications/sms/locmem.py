import uuid

from .base import BaseSmsBackend


class LocmemBackend(BaseSmsBackend):
    """Keeps each SMS in ``memberspace.notifications.sms.outbox`` (tests)."""

    def send(self, to, body):
        from . import outbox

        message_id = f"locmem-{uuid.uuid4().hex[:12]}"
        outbox.append((to, body, message_id))
        return message_id
