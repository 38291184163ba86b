"""The one settings module of peerarmy, configured by environment variables.

DATABASE_URL   sqlite:///var/peerarmy.sqlite3 (default) or postgres://user@host:5432/db
EMAIL_URL      consolemail:// (default), smtp://user:pass@host:587, smtp+tls://..., smtp+ssl://...
SECRET_KEY     required unless DEBUG is on
DEBUG          off by default; `peerarmy demo` and `make demo` turn it on
ALLOWED_HOSTS  comma separated, default localhost,127.0.0.1 and SITE_URL's host
SITE_URL       the public address in e-mail links; default the address `peerarmy serve --bind`
               (or BIND) serves, the machine's network address for 0.0.0.0
PEERARMY_HOME  the folder of var/ (the SQLite database, static files, uploads); default the
               checkout, or ~/.peerarmy for an installed package
CACHE_URL      dbcache://peerarmy_cache (default, a table `peerarmy migrate` creates) or
               redis://host:6379/1: the cache every process shares (rate limits)
WEBPUSH_VAPID_PUBLIC_KEY, WEBPUSH_VAPID_PRIVATE_KEY
               the VAPID key pair of web push (`peerarmy webpush-keys`); unset: no push
WEBPUSH_CONTACT
               mailto: or https: address given to push services; default DEFAULT_FROM_EMAIL's
SMS_BACKEND    the dotted path of the class that sends text messages (phone codes); default
               peerarmy.notifications.sms.ConsoleBackend, which prints them to the log
"""

import sys
import tempfile
from pathlib import Path

import environ

from peerarmy import maps
from peerarmy.network import home, served_address

BASE_DIR = Path(__file__).resolve().parent
# One home whatever the current folder: `peerarmy` run from elsewhere opens the same database.
PROJECT_DIR = home()
VAR_DIR = PROJECT_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# The test settings apply under pytest unless PEERARMY_TESTING=0 says otherwise.
TESTING = env.bool("PEERARMY_TESTING", default="pytest" in sys.modules)

_dev_secret = "insecure-development-key-only-for-debug-and-tests-0123456789abcdef"
SECRET_KEY = env.str("SECRET_KEY", default=_dev_secret if (DEBUG or TESTING) else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
        "(or DEBUG=1 for a development machine)."
    )

# The public address of this installation, used in links inside e-mails: by default the one
# this server is bound to (`peerarmy serve --bind`, or BIND), so that the demo served to a
# phone on the same network sends links the phone can open.
SITE_URL = env.str("SITE_URL", default=served_address(env.str("BIND", default="127.0.0.1:8000")))
SITE_URL = SITE_URL.rstrip("/")


def _site_host():
    from urllib.parse import urlsplit

    return urlsplit(SITE_URL).hostname or "localhost"


ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=list(dict.fromkeys(["localhost", "127.0.0.1", "[::1]", _site_host()]))
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "peerarmy.accounts",
    "peerarmy.tenancy",
    "peerarmy.customers",
    "peerarmy.superfans",
    "peerarmy.peers",
    "peerarmy.programs",
    "peerarmy.scheduling",
    "peerarmy.rewards",
    "peerarmy.matching",
    "peerarmy.support",
    "peerarmy.chipin",
    "peerarmy.sharing",
    "peerarmy.resale",
    "peerarmy.offers",
    "peerarmy.trust",
    "peerarmy.spread",
    "peerarmy.alliances",
    "peerarmy.analytics",
    "peerarmy.privacy",
    "peerarmy.notifications",
    "peerarmy.api",
    "peerarmy.web",
    "peerarmy",  # the top: the worker and demo commands, which know every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # every error under /api/ as problem+json, whoever made it (a 405, Django's own 400)
    "peerarmy.api.problems.ProblemResponsesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "peerarmy.tenancy.middleware.TenantMiddleware",
    # /api/: the bearer token's business, before the locale middleware falls back to its
    # language (the API's authentication lives in the API layer, not in tenancy)
    "peerarmy.api.middleware.ApiTokenMiddleware",
    "peerarmy.tenancy.middleware.BusinessLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "peerarmy.web.middleware.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "peerarmy.urls"
WSGI_APPLICATION = "peerarmy.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Listed here (not only through APP_DIRS) so that web/templates/allauth/ overrides
        # allauth's own templates, which come earlier in INSTALLED_APPS.
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "peerarmy.web.context_processors.peerarmy",
            ],
            # `|moment`: a short date and time as the reader's language writes it;
            # `{% icon "name" %}`: an icon of the vendored set, beside its words
            "builtins": ["peerarmy.formats.templatetags", "peerarmy.web.templatetags.icons"],
        },
    },
]

# --- database ---------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'peerarmy.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer commits; IMMEDIATE takes the write lock at BEGIN,
    # so two writers queue up instead of failing halfway with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # A health check is a round trip at the start of every request; a connection that broke
    # meanwhile fails one request and is replaced. Turn it on where connections often drop.
    DATABASES["default"].setdefault(
        "CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=False)
    )
    # Lets peerarmy.db.hot_cursor() prepare the few statements of the hot paths (a claim), so
    # PostgreSQL plans them once per connection. Every other query keeps Django's default
    # client-side binding, which is never prepared (and measured faster for the lists).
    # Behind a pooler in transaction mode (PgBouncer) set DB_PREPARED_STATEMENTS=0.
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- maps -------------------------------------------------------------------------------
# The map on the forms where a person gives a place (a peer's home, a traveller's meeting
# point, a block's place): its tiles (a Leaflet URL template, {z}/{x}/{y}, optionally {s} and
# {r}) and the credit they require. OpenStreetMap's standard tiles by default (their usage
# policy suits a shop's forms; for heavy use, one's own tile server or a provider); empty
# turns the map off, and the forms keep their address and coordinate boxes. The tests load
# no tiles from the internet: they default to none and set their own.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="" if TESTING else maps.OSM_TILE_URL).strip()
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default=maps.OSM_ATTRIBUTION)
try:
    _tile_source = maps.tile_source(MAP_TILE_URL)
except ValueError as exc:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"MAP_TILE_URL: {exc}.") from None

# --- Content-Security-Policy -------------------------------------------------------------
# Scripts only from this installation (no inline script or handler attribute); styles may be
# inline (a few templates and the API's docs page use style attributes); images also as data:
# URIs (the QR codes and the docs page's icons) and from the map's tile server, nowhere else.
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data:{' ' + _tile_source if _tile_source else ''}; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
)

# --- cache ------------------------------------------------------------------------------
# Shared by every process (what one web worker counts, another sees): failed logins and the
# other rate limits. A table in the database by default (`peerarmy migrate` creates it),
# Redis where configured: CACHE_URL=redis://127.0.0.1:6379/1.
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://peerarmy_cache")}

# --- accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "peerarmy.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "peerarmy.accounts.forms.SignupForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""  # the subjects name the business themselves
ACCOUNT_RATE_LIMITS = False if TESTING else {}
# How long a process keeps what it read of an API token (its user, business, peer or
# membership): a revocation in this process is at once, a suspension or a removal within this.
API_TOKEN_CACHE_SECONDS = env.int("API_TOKEN_CACHE_SECONDS", default=0 if TESTING else 10)

# --- internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "it"
LANGUAGES = [("it", "Italiano"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Italian dates as Italians write them, English ones as in Britain (`peerarmy/formats/`).
FORMAT_MODULE_PATH = ["peerarmy.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Rome")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "peerarmy_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- static files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request otherwise
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if (DEBUG or TESTING)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Uploaded pictures; the tests keep theirs out of the checkout's var/.
MEDIA_ROOT = Path(tempfile.gettempdir()) / "peerarmy-test-media" if TESTING else VAR_DIR / "media"
MEDIA_URL = "/media/"

# --- e-mail -----------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="peerarmy <noreply@peerarmy.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Text messages (the one-time codes that confirm a peer's phone): printed to the log by
# default; a real gateway is a class with `send(to, text)` (see notifications/sms.py).
SMS_BACKEND = env.str("SMS_BACKEND", default="peerarmy.notifications.sms.ConsoleBackend")

# --- background tasks -------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# How many times the outbox tries a message before giving up, and the first retry delay.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_BACKOFF_SECONDS = env.int("OUTBOX_BACKOFF_SECONDS", default=30)

# --- web push ---------------------------------------------------------------------------
# New work reaches a peer's phone by web push once these VAPID keys are set (`peerarmy
# webpush-keys` prints a new pair); without them push is not offered and e-mail carries
# everything. The contact (mailto: or https:) is given to the push services.
WEBPUSH_VAPID_PUBLIC_KEY = env.str("WEBPUSH_VAPID_PUBLIC_KEY", default="").strip()
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="").strip()
WEBPUSH_CONTACT = env.str(
    "WEBPUSH_CONTACT",
    default="mailto:" + (DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">").strip()),
)
# The push services a browser's subscription may point at (a host or a parent domain): the
# worker POSTs to them, so no other address is accepted.
WEBPUSH_ENDPOINT_HOSTS = env.list(
    "WEBPUSH_ENDPOINT_HOSTS",
    default=[
        "fcm.googleapis.com",
        "android.googleapis.com",
        "push.services.mozilla.com",
        "notify.windows.com",
        "push.apple.com",
    ],
)

# --- security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is hard to undo, so it is the operator's explicit choice, not a default.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- logging: no personal data; request bodies and e-mail addresses are never logged -----
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors": {"()": "peerarmy.logs.ClientErrorsWithoutTraceback"}},
    # The level is on the handler too: records of Django's own loggers (django.request's
    # warnings for every 4xx) reach it by propagation, which ignores the root logger's level.
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors"],
            "level": env.str("LOG_LEVEL", default="INFO"),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

if TESTING:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # A file, not memory, so that the concurrency tests' threads share one database and
        # the SQLite guarantees are tested too; one file per process, so parallel runs never
        # meet. Django deletes it when the run ends.
        import os

        DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    # Persistent connections from the live server's threads would block dropping the test DB.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


# Geocoding a peer's home area: the shipped gazetteer of Italian municipalities by default;
# a Nominatim-compatible service first where GEOCODER_URL is set (e.g. one's own Nominatim).
GEOCODER_URL = env.str("GEOCODER_URL", default="")
GEOCODER_TIMEOUT = env.float("GEOCODER_TIMEOUT", default=5.0)
GEOCODER_USER_AGENT = env.str("GEOCODER_USER_AGENT", default="peerarmy")

# Matching: the worker's sweep runs each matching program's batch this often (minutes).
MATCHING_BATCH_MINUTES = env.int("MATCHING_BATCH_MINUTES", default=5)
