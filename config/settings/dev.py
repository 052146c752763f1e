"""Settings for a developer's machine (``make run``)."""

from urllib.parse import urlsplit

from config.addresses import base_url, run_address

from .base import *  # noqa: F403
from .base import env, env_list

DEBUG = True
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-never-use-in-production-0123456789")

# Links in emails and SMS lead where `make run` serves the site (RUN_ADDRESS, 127.0.0.1:8000
# by default), unless SITE_BASE_URL names another address (a phone on the local network).
SITE_BASE_URL = env("SITE_BASE_URL", base_url(run_address()))
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", SITE_BASE_URL)
_site_host = urlsplit(SITE_BASE_URL).hostname
_site_host = f"[{_site_host}]" if ":" in _site_host else _site_host  # an IPv6 address, as Host gives it
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", f"127.0.0.1,localhost,{_site_host}")
INTERNAL_IPS = ["127.0.0.1"]

# Emails in the terminal as one line each (to, subject) with their links (config/mail.py);
# EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend prints them whole.
EMAIL_BACKEND = env("EMAIL_BACKEND", "config.mail.SummaryConsoleEmailBackend")

# No manifest in development: static files are served as they are edited.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SMS_BACKEND = env("SMS_BACKEND", "memberspace.notifications.sms.console.ConsoleBackend")
PAYMENT_BACKEND = env("PAYMENT_BACKEND", "memberspace.payments.backends.locmem.LocmemBackend")  # no money moves

ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
