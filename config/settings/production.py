"""Production settings: HTTPS only, secrets from the environment, nothing defaulted.

``manage.py check --deploy`` with these settings reports no issue.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool, env_int, logging_config

DEBUG = False

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment.")
if not ALLOWED_HOSTS:  # noqa: F405
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the environment.")

# HTTPS everywhere. Behind a proxy that terminates TLS, the proxy sets
# X-Forwarded-Proto; set SECURE_PROXY_SSL_HEADER_ENABLED only in that case.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# A proxy or load balancer probes /health/ over plain HTTP, by the backend's address.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Behind a proxy, say how to find the visitor's address (settings/base.py):
    # a guess would either share one rate-limit bucket among every visitor or
    # trust an address the visitor wrote himself. TRUSTED_PROXY_COUNT=0 is a choice too.
    if env("TRUSTED_PROXY_COUNT") is None and not ALLAUTH_TRUSTED_CLIENT_IP_HEADER:  # noqa: F405
        raise ImproperlyConfigured(
            "Behind a proxy (SECURE_PROXY_SSL_HEADER_ENABLED), set TRUSTED_PROXY_COUNT (1 behind one proxy) "
            "or TRUSTED_CLIENT_IP_HEADER, for the rate limits to count each visitor's address."
        )
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = True

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

# One JSON object per line for the log collector (LOG_FORMAT=text for plain lines).
LOG_FORMAT = env("LOG_FORMAT", "json")
LOGGING = logging_config(LOG_FORMAT, env("DJANGO_LOG_LEVEL", "INFO"))

ADMINS = [("Le PO", email) for email in env("ADMINS", "").split(",") if email.strip()]
