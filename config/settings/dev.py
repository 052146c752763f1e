"""Settings for a developer's machine (``make run``)."""

from .base import *  # noqa: F403
from .base import env, env_list

DEBUG = True
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-never-use-in-production-0123456789")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
INTERNAL_IPS = ["127.0.0.1"]

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# No manifest in development: static files are served as they are edited.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SMS_BACKEND = env("SMS_BACKEND", "memberspace.notifications.sms.console.ConsoleBackend")

ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
