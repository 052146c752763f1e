"""Settings for the test suite: fast, deterministic, nothing leaves the machine."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = False
SECRET_KEY = "test-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 (tests only)
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In-memory email and SMS; the integration tests that run a real worker against
# a real SMTP server or a fake of Twilio's API set these through the environment.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
SMS_BACKEND = env("SMS_BACKEND", "memberspace.notifications.sms.locmem.LocmemBackend")
# Online payments recorded in memory; the HelloAsso tests point the real backend at a local fake.
PAYMENT_BACKEND = env("PAYMENT_BACKEND", "memberspace.payments.backends.locmem.LocmemBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", "test-auth-token")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", "+33700000000")

# Tasks run in the test's own process unless a test starts a real cluster.
Q_CLUSTER = {**Q_CLUSTER, "sync": env_bool("Q_SYNC", True), "poll": 0.1}  # noqa: F405

# One process runs the suite: a local-memory cache is shared by everything the
# tests exercise; the integration tests that need a shared cache say so.
# A file, not memory, for SQLite: worker processes started by the integration
# tests open the same test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405
    # TEST_SQLITE_PATH: another file, for two runs side by side on one checkout.
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_SQLITE_PATH", str(BASE_DIR / "var" / "test-db.sqlite3"))}  # noqa: F405
# Pages are rendered afresh in tests; tests/pages/test_page_cache.py turns the page cache on.
PAGE_CACHE_SECONDS = 0
PAGE_CACHE_LOCAL_SECONDS = 0  # every request asks the shared cache, cleared between tests
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "po-tests"}}
# A worker process started by a test shares the test's cache through the database.
if env_bool("TEST_DATABASE_CACHE", False):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

WAGTAILADMIN_BASE_URL = "http://testserver"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# Static files straight from the apps and static/, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

LOGGING["loggers"]["django-q"]["level"] = "WARNING"  # noqa: F405

ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
