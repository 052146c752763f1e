"""The address ``make run`` serves the site at (``RUN_ADDRESS``), as a URL for people and emails.

No Django here: ``scripts/serve.py`` reads it before Django starts, and the development
settings build ``SITE_BASE_URL`` (links in emails) from it.
"""

import os

DEFAULT_RUN_ADDRESS = "127.0.0.1:8000"
# Hosts that mean "every interface": a browser or an email link reaches them on loopback.
WILDCARD_HOSTS = {"": "127.0.0.1", "0": "127.0.0.1", "0.0.0.0": "127.0.0.1", "[::]": "[::1]"}  # noqa: S104 (read, not bound)


def run_address(environ=None):
    """``RUN_ADDRESS`` (runserver's ``[host:]port``), 127.0.0.1:8000 when unset or empty."""
    environ = os.environ if environ is None else environ
    return environ.get("RUN_ADDRESS", "").strip() or DEFAULT_RUN_ADDRESS


def base_url(address):
    """``http://host:port`` for runserver's ``[host:]port``: ``8124`` and ``0.0.0.0:8124`` read as 127.0.0.1."""
    host, _, port = address.rpartition(":")
    if not port.isdigit():
        raise ValueError(f"RUN_ADDRESS must be [host:]port, such as 127.0.0.1:8000 or 8124, not {address!r}.")
    return f"http://{WILDCARD_HOSTS.get(host, host)}:{port}"
