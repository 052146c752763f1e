import sys
import uuid

from .base import BaseSmsBackend


class ConsoleBackend(BaseSmsBackend):
    """Writes each SMS to standard output instead of sending it (development)."""

    def send(self, to, body):
        message_id = f"console-{uuid.uuid4().hex[:12]}"
        sys.stdout.write(f"--- SMS to {to} ({message_id})\n{body}\n---\n")
        sys.stdout.flush()
        return message_id
