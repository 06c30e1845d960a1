"""The one settings module of jubao, driven by environment variables.

The embedded default needs no configuration: SQLite in the data folder (WAL, synchronous=FULL),
keys generated on first run into the data folder. Every variable is documented in
docs/configuration.md.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from jubao.conf import data_dir, env_bool, env_float, env_int, env_list, env_str, key_material

BASE_DIR = Path(__file__).resolve().parent
TESTING = "pytest" in sys.modules or env_bool("JUBAO_TESTING")
if TESTING and not os.environ.get("JUBAO_DATA_DIR"):
    # Tests never touch a developer's ./var: each test process gets a data folder of its own.
    os.environ["JUBAO_DATA_DIR"] = tempfile.mkdtemp(prefix="jubao-test-")
DATA_DIR = data_dir()

SECRET_KEY = key_material("secret_key", nbytes=48, env="JUBAO_SECRET_KEY").hex()
DEBUG = env_bool("JUBAO_DEBUG", False)
ALLOWED_HOSTS = env_list("JUBAO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("JUBAO_CSRF_TRUSTED_ORIGINS")
# Number of reverse proxies in front of the server whose X-Forwarded-For may be trusted.
JUBAO_TRUSTED_PROXIES = env_int("JUBAO_TRUSTED_PROXIES", 0, minimum=0)

INSTALLED_APPS = [
    "jubao.web",
    "jubao.accounts",
    "jubao.catalogue",
    "jubao.vault",
    "jubao.ledger",
    "jubao.cases",
    "jubao.intake",
    "jubao.custody",
    "jubao.measures",
    "jubao.notify",
    "jubao.platforms",
    "jubao.enterprises",
    "jubao.oversight",
    "jubao.complaints",
    "jubao.insights",
    "jubao.federation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jubao.web.middleware.permissions_policy",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "jubao.web.middleware.StorageFull",
]

ROOT_URLCONF = "jubao.urls"
WSGI_APPLICATION = "jubao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jubao.web.context.site",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
SQLITE_OPTIONS = {
    # WAL for concurrent readers; FULL so that a committed report survives a power cut.
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
        "PRAGMA busy_timeout=10000;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
_database_url = env_str("DATABASE_URL")
if _database_url:
    # Kept-open connections are checked before reuse: one left over from a database restart
    # would otherwise fail the next request.
    DATABASES = {
        "default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "jubao.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
            # Keep connections: opening one per request, and checkpointing the WAL when it
            # closes, showed up in the intake profile.
            "CONN_MAX_AGE": 60,
        }
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not the in-memory default: concurrency tests need real WAL locking, not the
    # table locks of a shared in-memory cache.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = env_str("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}
        if _redis_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- accounts and authentication ------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 with production parameters costs ~0.3 s a hash; tests sign in hundreds of times.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "jubao.accounts.passwords.ChineseCommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:workbench"
LOGOUT_REDIRECT_URL = "web:home"

# Failed logins: locked per account and, separately, per address (either one trips the lock).
AXES_FAILURE_LIMIT = env_int("JUBAO_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("JUBAO_LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "jubao.accounts.views.lockout"
AXES_IPWARE_PROXY_COUNT = JUBAO_TRUSTED_PROXIES or None
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env_str("JUBAO_TOTP_ISSUER", "jubao")
# Staff must pass a second factor; tests and the demo may relax it explicitly.
JUBAO_REQUIRE_2FA = env_bool("JUBAO_REQUIRE_2FA", True)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("JUBAO_SESSION_HOURS", 8, minimum=1) * 3600
SESSION_COOKIE_SECURE = env_bool("JUBAO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LANGUAGE_NAMES = {"zh-hans": _("Simplified Chinese"), "en": _("English")}
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = DATA_DIR / "files"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = TESTING or DEBUG

# --- security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
JUBAO_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- jubao ----------------------------------------------------------------------------------
# Ledger: a signed checkpoint is written after this many entries or this many minutes.
JUBAO_LEDGER_CHECKPOINT_ENTRIES = env_int("JUBAO_LEDGER_CHECKPOINT_ENTRIES", 256, minimum=1)
JUBAO_LEDGER_CHECKPOINT_MINUTES = env_int("JUBAO_LEDGER_CHECKPOINT_MINUTES", 10, minimum=1)
# Vault: dotted path of the key provider of key-encryption keys (a KMS provider plugs in here).
JUBAO_VAULT_KEY_PROVIDER = env_str("JUBAO_VAULT_KEY_PROVIDER", "jubao.vault.keys.LocalKeyProvider")
# Identity reveal: how long an approved request lets its requester see the reporter's identity.
JUBAO_REVEAL_HOURS = env_int("JUBAO_REVEAL_HOURS", 24, minimum=1)
# Measures (docs/measures.md): the catalogue measure a time-limited private measure or a dispute
# label becomes when the facts are settled as infringing; days a blacklist entry lasts when its
# measure has no period; blacklist checks a platform may make (django-ratelimit style rate).
JUBAO_MEASURE_REMOVAL = env_str("JUBAO_MEASURE_REMOVAL", "content.remove")
JUBAO_BLACKLIST_DAYS = env_int("JUBAO_BLACKLIST_DAYS", 365, minimum=1)
# The enterprise area (§13, §17): how much a key enterprise's report rises in the queues, and
# when repeatedly unfounded reports bring a warning, then a restriction of filing.
JUBAO_KEY_ENTERPRISE_STEP = env_int("JUBAO_KEY_ENTERPRISE_STEP", 5, minimum=0)
JUBAO_ENTERPRISE_ABUSE_DAYS = env_int("JUBAO_ENTERPRISE_ABUSE_DAYS", 365, minimum=1)
JUBAO_ENTERPRISE_WARN_AFTER = env_int("JUBAO_ENTERPRISE_WARN_AFTER", 3, minimum=1)
JUBAO_ENTERPRISE_RESTRICT_AFTER = env_int("JUBAO_ENTERPRISE_RESTRICT_AFTER", 5, minimum=1)
JUBAO_ENTERPRISE_RESTRICT_DAYS = env_int("JUBAO_ENTERPRISE_RESTRICT_DAYS", 90, minimum=1)
# The complaint window (docs/complaints.md).
JUBAO_COMPLAINT_ACCEPT_DAYS = env_int("JUBAO_COMPLAINT_ACCEPT_DAYS", 2, minimum=1)
JUBAO_COMPLAINT_ANSWER_DAYS = env_int("JUBAO_COMPLAINT_ANSWER_DAYS", 15, minimum=1)
# Early warning (docs/early-warning.md): the surge detector over reports per target, item,
# region and platform.
JUBAO_WARNING_INTERVAL_HOURS = env_int("JUBAO_WARNING_INTERVAL_HOURS", 1, minimum=1)
JUBAO_WARNING_LOOKBACK_DAYS = env_int("JUBAO_WARNING_LOOKBACK_DAYS", 14, minimum=1)
JUBAO_WARNING_RECENT_HOURS = env_int("JUBAO_WARNING_RECENT_HOURS", 24, minimum=1)
JUBAO_WARNING_MIN_COUNT = env_int("JUBAO_WARNING_MIN_COUNT", 5, minimum=1)
JUBAO_WARNING_WARMUP = env_int("JUBAO_WARNING_WARMUP", 8, minimum=0)
JUBAO_WARNING_THRESHOLD = env_float("JUBAO_WARNING_THRESHOLD", 4.0, minimum=0.0)
JUBAO_WARNING_ALPHA = env_float("JUBAO_WARNING_ALPHA", 0.05, minimum=0.0)
# The monthly statistics PDF embeds this CJK font (Debian: fonts-noto-cjk); the face of a
# .ttc collection (2 = Noto Sans CJK SC).
JUBAO_PDF_FONT = env_str("JUBAO_PDF_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
JUBAO_PDF_FONT_INDEX = env_int("JUBAO_PDF_FONT_INDEX", 2, minimum=0)
JUBAO_RATE_BLACKLIST_CHECK = env_str("JUBAO_RATE_BLACKLIST_CHECK", "600/m")

# Evidence uploads (see docs/evidence-uploads.md); unset means the sanitiser's defaults.
for _name in (
    "JUBAO_UPLOAD_MAX_BYTES",
    "JUBAO_UPLOAD_MAX_FILES",
    "JUBAO_UPLOAD_MAX_PIXELS",
    "JUBAO_UPLOAD_MAX_REQUEST_BYTES",
):
    if os.environ.get(_name):
        globals()[_name] = env_int(_name, 0, minimum=1)
# Non-file request bodies (JSON, form fields): 2 MiB is far above any report.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Notification backends (dotted class paths); see jubao/notify/backends.py.
JUBAO_NOTIFY_EMAIL_BACKEND = env_str(
    "JUBAO_NOTIFY_EMAIL_BACKEND", "jubao.notify.backends.ConsoleBackend"
)
JUBAO_NOTIFY_SMS_BACKEND = env_str(
    "JUBAO_NOTIFY_SMS_BACKEND", "jubao.notify.backends.ConsoleBackend"
)
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env_str("JUBAO_EMAIL_HOST", "localhost"),
            "port": env_int("JUBAO_EMAIL_PORT", 25, minimum=1),
            "username": env_str("JUBAO_EMAIL_USER"),
            "password": env_str("JUBAO_EMAIL_PASSWORD"),
            "use_tls": env_bool("JUBAO_EMAIL_TLS", False),
        },
    }
}
DEFAULT_FROM_EMAIL = env_str("JUBAO_EMAIL_FROM", "jubao@localhost")

# Platform API (docs/platform-api.md): lifetime of a request signature and tolerated clock skew
# (seconds); webhook timeout (seconds) and attempts before a webhook fails permanently.
JUBAO_PLATFORM_SIGNATURE_MAX_AGE = env_int("JUBAO_PLATFORM_SIGNATURE_MAX_AGE", 300, minimum=10)
JUBAO_PLATFORM_CLOCK_SKEW = env_int("JUBAO_PLATFORM_CLOCK_SKEW", 30, minimum=0)
JUBAO_WEBHOOK_TIMEOUT = env_int("JUBAO_WEBHOOK_TIMEOUT", 10, minimum=1)
JUBAO_WEBHOOK_MAX_ATTEMPTS = env_int("JUBAO_WEBHOOK_MAX_ATTEMPTS", 12, minimum=1)

# The office this instance belongs to: reports about unknown platforms are handled here.
JUBAO_OFFICE_CODE = env_str("JUBAO_OFFICE_CODE", "000000")
# Federation between instances (docs/federation.md): the signature's lifetime and tolerated clock
# skew (seconds), the HTTP timeout and attempts before a message is given up, working days a hop
# may wait for acceptance (0: the report item's acceptance limit), the duty intake officer in
# whose name cases are routed automatically (empty: staff transfer them), and the roll-up of
# figures to the instance above (every so many minutes, over so many days).
JUBAO_FEDERATION_SIGNATURE_MAX_AGE = env_int("JUBAO_FEDERATION_SIGNATURE_MAX_AGE", 300, minimum=10)
JUBAO_FEDERATION_CLOCK_SKEW = env_int("JUBAO_FEDERATION_CLOCK_SKEW", 30, minimum=0)
JUBAO_FEDERATION_TIMEOUT = env_int("JUBAO_FEDERATION_TIMEOUT", 10, minimum=1)
JUBAO_FEDERATION_MAX_ATTEMPTS = env_int("JUBAO_FEDERATION_MAX_ATTEMPTS", 20, minimum=1)
JUBAO_FEDERATION_HOP_DAYS = env_int("JUBAO_FEDERATION_HOP_DAYS", 0, minimum=0)
JUBAO_FEDERATION_ROUTER = env_str("JUBAO_FEDERATION_ROUTER")
JUBAO_FEDERATION_ROLLUP_MINUTES = env_int("JUBAO_FEDERATION_ROLLUP_MINUTES", 60, minimum=1)
JUBAO_FEDERATION_ROLLUP_DAYS = env_int("JUBAO_FEDERATION_ROLLUP_DAYS", 31, minimum=1)
# Proof of work on anonymous submissions: difficulty (expected work is half of it) and lifetime.
JUBAO_POW_REQUIRED = env_bool("JUBAO_POW_REQUIRED", True)
JUBAO_POW_MAX_NUMBER = env_int("JUBAO_POW_MAX_NUMBER", 50_000, minimum=1)
JUBAO_POW_TTL_SECONDS = env_int("JUBAO_POW_TTL_SECONDS", 600, minimum=30)
# Submissions allowed per client address and per reporter identity (django-ratelimit rates).
JUBAO_RATE_SUBMIT_ADDRESS = env_str("JUBAO_RATE_SUBMIT_ADDRESS", "20/h")
JUBAO_RATE_SUBMIT_IDENTITY = env_str("JUBAO_RATE_SUBMIT_IDENTITY", "10/h")
JUBAO_RATE_RECEIPT_ADDRESS = env_str("JUBAO_RATE_RECEIPT_ADDRESS", "60/h")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("JUBAO_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
