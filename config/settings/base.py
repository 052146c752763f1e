"""Settings shared by every environment.

This module is safe for production: nothing secret or deployment-specific has a
default here. Everything that varies between deployments comes from the
environment (see ``.env.example``); ``dev.py`` and ``test.py`` add convenient
defaults for a developer's machine, ``production.py`` hardens the rest.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name, default=None):
    """Return the environment variable ``name``, or ``default`` when unset or empty."""
    value = os.environ.get(name, "")
    return value if value != "" else default


def env_list(name, default=""):
    """A comma-separated environment variable as a list of non-empty items."""
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {value!r}.")


def env_int(name, default):
    value = env(name)
    return default if value is None else int(value)


SECRET_KEY = env("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Application definition

INSTALLED_APPS = [
    # Project apps: the public CMS first, then the member area.
    "home",
    "pages",
    "activities",
    "stays",
    # The member area, one app per concept, from the bottom up (memberspace/__init__.py).
    "memberspace.secretariat",
    "memberspace.notifications",
    "memberspace.accounts",
    "memberspace.families",
    "memberspace.legacy",
    "memberspace.enrollments",
    "memberspace.payments",
    "memberspace.privacy",
    "memberspace",
    # The project package: roles, schedules, heartbeat.
    "config",
    # Wagtail
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "memberspace.accounts.apps.StaffUsersConfig",  # wagtail.users, adding staff with a role, never parents
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # Third parties
    "wagtail_modeladmin",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_q",
    "csp",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # First: every response, from the page cache or WhiteNoise too, denies the browser features below.
    "config.middleware.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # WhiteNoise right after SecurityMiddleware: static files are answered before
    # sessions, auth and Wagtail are touched.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every request gets an id, in its log lines and its X-Request-ID header.
    "config.logging.RequestIdMiddleware",
    # /health/ answers before anything that needs the cache, the database or a known host.
    "config.health.HealthCheckMiddleware",
    # Public pages for visitors without a session, whole from the cache (pages.page_cache).
    "pages.page_cache.AnonymousPageCacheMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "pages.site_cache.SiteCacheMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "memberspace.accounts.middleware.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATE_CONTEXT_PROCESSORS = [
    "django.template.context_processors.debug",
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "wagtail.contrib.settings.context_processors.settings",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": TEMPLATE_CONTEXT_PROCESSORS},
    },
    # Plain text (email subjects and text parts, SMS): the same templates, never HTML-escaped,
    # so that « D'Almeida » or « Théâtre & jeux » arrive as typed. Used only by name
    # (``using="text"``): every other lookup finds the first engine, which escapes.
    {
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": TEMPLATE_CONTEXT_PROCESSORS, "autoescape": False},
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Database: SQLite by default, configured so that the web server and the
# django-q2 worker can write side by side; PostgreSQL when DATABASE_URL is set.

SQLITE_PATH = Path(env("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")))
SQLITE_OPTIONS = {
    # Writers take the lock when the transaction starts, so two processes never
    # deadlock upgrading a read lock to a write lock.
    "transaction_mode": "IMMEDIATE",
    # Seconds a writer waits for the lock before "database is locked".
    "timeout": 20,
    "init_command": ("PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"),
}


def database_settings(url, sqlite_path):
    """DATABASES for ``url`` (DATABASE_URL), or for the SQLite file ``sqlite_path`` when it is unset.

    SQLite gets the options above however it is chosen (a ``sqlite:///`` URL too); options
    written in the URL's query win.
    """
    if not url:
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_path, "OPTIONS": {}}
    else:
        database = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        # No server-side cursors: a form's choices read through .iterator() would cost three round trips
        # (DECLARE, FETCH, CLOSE) instead of one, and they break behind PgBouncer's transaction pooling.
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["OPTIONS"] = {**SQLITE_OPTIONS, **database.get("OPTIONS", {})}
        # Keep connections between requests: opening one runs the PRAGMAs above.
        database["CONN_MAX_AGE"] = 600
        database["CONN_HEALTH_CHECKS"] = True
    return {"default": database}


DATABASES = database_settings(env("DATABASE_URL"), SQLITE_PATH)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: shared by every process (web workers and the task worker), so rate
# limits and cached menus are the same everywhere. The database cache's table is
# made by ``manage.py migrate`` (a post_migrate handler in config/apps.py).

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "po",
            "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
        }
    }
    # A signed-in request reads its session from Redis; the database keeps every
    # session too (written through), so a Redis restart signs nobody out, and
    # memberspace.accounts.services.end_sessions still finds them there.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
            # Django's default (300) culls a third of the keys, alphabetically, once reached:
            # the waiting lists' lease among them (memberspace.enrollments.tasks).
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# Authentication: the parent's email is the login.

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "memberspace:dashboard"

# django-allauth, mounted at /compte/: login by email, no username, mandatory
# email verification by link (see the README for why a link rather than a
# code). Every email it sends goes through the notifications outbox, and the
# sign-up form asks for the parent's own details (memberspace.accounts.adapters, .forms);
# failed logins are counted per source and account (memberspace.accounts.login_limits).
ACCOUNT_ADAPTER = "memberspace.accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "memberspace.accounts.forms.ParentSignupForm",
    # Email addresses bounded to 254 characters with a message (memberspace.accounts.validators).
    "login": "memberspace.accounts.forms.LoginForm",
    "add_email": "memberspace.accounts.forms.AddEmailForm",
    "change_email": "memberspace.accounts.forms.ChangeEmailForm",
    "reset_password": "memberspace.accounts.forms.ResetPasswordForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 7
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True  # one address per account; a new one is used only once verified
ACCOUNT_MAX_EMAIL_ADDRESSES = 2
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Re-authentication asks for the password, or the second factor for those who have one;
# never a code sent by email, which would let the mailbox stand in for the password.
ACCOUNT_REAUTHENTICATION_METHODS = ["password", "mfa"]
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Le PO : "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# Counted in the default cache, shared by every process (database or Redis).
# Failed logins: "key" is the account *and* the source for login_failed (for a
# second factor, allauth's key is the user) and login_failed_source_day, the
# account alone for login_failed_account (memberspace.accounts.login_limits; docs/deployment.md).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login_failed_source_day": "30/d/key",
    "login_failed_account": "300/d/key",
    "signup": "20/h/ip",
    "reset_password": "20/h/ip,5/h/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}

# Two-factor authentication (allauth.mfa): TOTP with recovery codes, for
# parents who want it; required for staff (memberspace.accounts.middleware).
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Le PO"
MFA_RECOVERY_CODE_COUNT = 10

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: the site speaks French; every string goes through
# gettext so that an English translation can follow.

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Static files and uploads

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploads (images, documents) on the filesystem, in MEDIA_ROOT, which the front
# proxy serves at /media/; or, for several web machines, in an S3-compatible
# bucket (MEDIA_STORAGE=s3, django-storages). The bucket's keys come from the
# standard AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, read by boto3 itself.
MEDIA_STORAGE = env("MEDIA_STORAGE", "filesystem")
MEDIA_ORIGINS = []  # where the browser fetches uploads from, when not this site (for the CSP)


def s3_media_origin(bucket, endpoint_url=None, custom_domain=None, addressing_style=None, region=None):
    """The origin of the URLs django-storages gives for the bucket's files (asserted in tests/deploy)."""
    from urllib.parse import urlsplit

    if custom_domain:
        return f"https://{custom_domain}"
    if endpoint_url:
        endpoint = urlsplit(endpoint_url)
        if addressing_style == "virtual":
            return f"{endpoint.scheme}://{bucket}.{endpoint.netloc}"
        return f"{endpoint.scheme}://{endpoint.netloc}"
    if "." in bucket:  # not a valid host name label: AWS is addressed by path
        return f"https://s3.{region}.amazonaws.com" if region else "https://s3.amazonaws.com"
    return f"https://{bucket}.s3.amazonaws.com"


if MEDIA_STORAGE == "s3":
    if not env("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    S3_OPTIONS = {
        "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env("AWS_S3_ENDPOINT_URL"),  # an S3-compatible provider's; AWS when unset
        "region_name": env("AWS_S3_REGION_NAME"),
        "addressing_style": env("AWS_S3_ADDRESSING_STYLE"),  # "virtual" or "path"
        "custom_domain": env("AWS_S3_CUSTOM_DOMAIN"),  # a CDN or the bucket's public host name
        # Wagtail relies on an upload never replacing another file of the same name.
        "file_overwrite": False,
        # Images are embedded in cached pages and cards: their URLs must not expire,
        # so the bucket (or the CDN) serves them publicly, without signed URLs.
        "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
        "object_parameters": {"CacheControl": "public, max-age=86400"},
    }
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": S3_OPTIONS}
    MEDIA_ORIGINS = [
        s3_media_origin(
            S3_OPTIONS["bucket_name"],
            endpoint_url=S3_OPTIONS["endpoint_url"],
            custom_domain=S3_OPTIONS["custom_domain"],
            addressing_style=S3_OPTIONS["addressing_style"],
            region=S3_OPTIONS["region_name"],
        )
    ]
elif MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be filesystem or s3, not {MEDIA_STORAGE!r}.")

# Complex page models can exceed Django's default of 1000 fields in the editor.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Email (the outbox and its backends arrive with the notifications).

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Le PO <ne-pas-repondre@le-po.com>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# SMS: a backend chosen like EMAIL_BACKEND (see memberspace/notifications/sms). Twilio in
# production, with a sender number or a messaging service.

SMS_BACKEND = env("SMS_BACKEND", "memberspace.notifications.sms.twilio.TwilioBackend")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID")
TWILIO_TIMEOUT = env_int("TWILIO_TIMEOUT", 10)
TWILIO_API_BASE_URL = env("TWILIO_API_BASE_URL")  # only to point the client at a test double

# Online payments: a backend chosen like SMS_BACKEND (see memberspace/payments/backends).
# HelloAsso's checkout in production, with the association's API client (Mon compte >
# Intégrations et API). HELLOASSO_API_BASE_URL is the host: the token is asked from
# {HELLOASSO_API_BASE_URL}/oauth2/token, the API is under {HELLOASSO_API_BASE_URL}/v5
# (https://api.helloasso-sandbox.com for HelloAsso's sandbox, a local fake in tests).

PAYMENT_BACKEND = env("PAYMENT_BACKEND", "memberspace.payments.backends.helloasso.HelloAssoBackend")
HELLOASSO_API_BASE_URL = env("HELLOASSO_API_BASE_URL", "https://api.helloasso.com")
HELLOASSO_CLIENT_ID = env("HELLOASSO_CLIENT_ID")
HELLOASSO_CLIENT_SECRET = env("HELLOASSO_CLIENT_SECRET")
HELLOASSO_ORGANIZATION_SLUG = env("HELLOASSO_ORGANIZATION_SLUG")
HELLOASSO_TIMEOUT = env_int("HELLOASSO_TIMEOUT", 10)  # seconds, below Q_CLUSTER's timeout (a system check)

# The public address of the site, for links in emails and SMS.
SITE_BASE_URL = env("SITE_BASE_URL", "http://127.0.0.1:8000")

# Notifications (memberspace/notifications/services.py). Every network call
# (EMAIL_TIMEOUT, TWILIO_TIMEOUT) ends before the task's timeout, the task's
# timeout before the broker's retry, and a worker's lease on a row outlasts
# the task's timeout; a system check enforces it (memberspace/notifications/checks.py).
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 5)
NOTIFICATION_RETRY_DELAYS = tuple(
    int(delay) for delay in env_list("NOTIFICATION_RETRY_DELAYS", "60,300,900,3600")
)  # seconds before attempts 2, 3, 4, 5…
NOTIFICATION_LEASE_SECONDS = env_int("NOTIFICATION_LEASE_SECONDS", 90)
NOTIFICATION_REQUEUE_AFTER = env_int("NOTIFICATION_REQUEUE_AFTER", 120)
# After the retries above, a row failed for a passing reason (provider unreachable, SMTP
# 4xx, Twilio 5xx or timeout) is queued again by the sweeper once the provider answers,
# at most every NOTIFICATION_RETRY_FAILED_AFTER seconds and until the message is
# NOTIFICATION_RETRY_HORIZON seconds old. A row queued for longer than
# NOTIFICATION_LATE_AFTER seconds is late: the admin's home and /health/ say so.
NOTIFICATION_RETRY_HORIZON = env_int("NOTIFICATION_RETRY_HORIZON", 7 * 24 * 3600)
NOTIFICATION_RETRY_FAILED_AFTER = env_int("NOTIFICATION_RETRY_FAILED_AFTER", 900)
NOTIFICATION_LATE_AFTER = env_int("NOTIFICATION_LATE_AFTER", 1800)

# Task queue: django-q2 on the Django ORM broker (nothing else to start), or
# on Redis when REDIS_URL is set.

Q_CLUSTER = {
    "name": "po",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": env_int("Q_TIMEOUT", 60),
    "retry": env_int("Q_RETRY", 120),
    "max_attempts": 3,
    "ack_failures": True,
    "save_limit": 250,
    "catch_up": False,
    "poll": 0.5,
    "label": "Tâches (django-q2)",
}
# The waiting lists' watcher stays this long per run, then hands over to the next run
# (memberspace.enrollments.tasks); by default three quarters of the worker's timeout (45 s).
WAITING_LIST_WATCH_SECONDS = env_int("WAITING_LIST_WATCH_SECONDS", Q_CLUSTER["timeout"] * 3 // 4)
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Security headers set on every response (the production settings add HTTPS).

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A form refused for its CSRF token (a tab opened before logging out and in again): a French
# page that keeps what was typed (config/views.py).
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# What the browser may let the site's pages (and any frame in them) use: nothing of the
# devices and tracking below. The site and the Wagtail admin use none of them; the
# admin's preview is a frame of the site itself (full screen kept for it). Staff sign
# in with TOTP: passkeys (WebAuthn) would need "publickey-credentials-*" set to ["self"].
# Same form as django-permissions-policy's setting; config.middleware writes the header.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "attribution-reporting",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "compute-pressure",
        "display-capture",
        "encrypted-media",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "identity-credentials-get",
        "idle-detection",
        "interest-cohort",
        "join-ad-interest-group",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "otp-credentials",
        "payment",
        "picture-in-picture",
        "private-state-token-issuance",
        "private-state-token-redemption",
        "publickey-credentials-create",
        "publickey-credentials-get",
        "run-ad-auction",
        "screen-wake-lock",
        "serial",
        "speaker-selection",
        "storage-access",
        "usb",
        "web-share",
        "window-management",
        "xr-spatial-tracking",
    )
} | {"fullscreen": ["self"]}

# The Wagtail admin sets inline styles and scripts that the public site never
# needs; it gets a looser policy of its own (see config.middleware).
CONTENT_SECURITY_POLICY_ADMIN_UPDATE = {
    "script-src": ["'unsafe-inline'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["blob:"],
}

# Wagtail

WAGTAIL_SITE_NAME = "Le PO"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", SITE_BASE_URL)
# The admin has no login of its own: staff sign in through allauth (with their
# second factor); Wagtail's password and email views are off.
WAGTAILADMIN_LOGIN_URL = "/compte/login/"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "rtf", "txt", "xlsx"]
# Documents always through Wagtail's view (attachment, nosniff, CSP), never a redirect to the bucket.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"gif": "png", "bmp": "png"}
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
WAGTAIL_TIME_FORMAT = "%H:%M"
WAGTAILADMIN_PERMITTED_LANGUAGES = [("fr", "Français")]
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No avatars from gravatar.com: staff emails (hashed) would leave the site for nothing.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# The club

# Ages the club serves, in years (offers' age ranges and children's birth dates).
PO_MIN_AGE = 3
PO_MAX_AGE = 17
CATALOGUE_PAGE_SIZE = 24

# Logging on stderr: text lines by default, JSON lines (LOG_FORMAT=json, the
# production default) for a log collector; see config/logging.py.
LOG_FORMAT = env("LOG_FORMAT", "text")
LOGGING = logging_config(LOG_FORMAT, env("DJANGO_LOG_LEVEL", "INFO"))
LOGGING_CONFIG = "config.logging.configure"

# Deployment

# /health/ (config/health.py) reports the worker as stale when its heartbeat,
# a task scheduled every minute, is older than this many seconds.
HEALTH_WORKER_MAX_AGE = env_int("HEALTH_WORKER_MAX_AGE", 300)

# Behind proxies, allauth's rate limits must count the visitor's address, not the
# proxy's (otherwise every visitor shares one bucket, and ten typos lock everyone
# out): the number of proxies that append to X-Forwarded-For, or the header a
# single trusted proxy sets to the client's address (X-Real-IP, CF-Connecting-IP).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("TRUSTED_CLIENT_IP_HEADER")

# Error reports (emails to ADMINS) never carry health notes, emergency contacts or payment details.
DEFAULT_EXCEPTION_REPORTER_FILTER = "memberspace.privacy.reporting.PersonalDataReporterFilter"

# How long an anonymous visitor's page is kept whole (pages.page_cache); 0 turns it off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
# How often each process asks the shared cache whether the pages changed (an invalidation
# reaches every process within this delay; pages.page_cache).
PAGE_CACHE_LOCAL_SECONDS = 1
