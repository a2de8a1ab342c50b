"""Settings for the AI risk register: one file, every value from the environment.

The embedded default needs no other service: with neither ``DATABASE_URL`` nor ``REDIS_URL``
set, the app runs on SQLite and Celery tasks run eagerly in the web process. Set both (as
docker-compose does) to run on PostgreSQL with a real Celery worker and beat.

Values are read from the process environment and, when present, from a ``.env`` file at the
project root (the run command writes one with a random ``SECRET_KEY``).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core ---------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment or in .env "
        "(the README's run and test commands write a random one for you)."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
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
    # Third party
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "csp",
    "axes",
    # Ours
    "apps.core",
    "apps.accounts",
    "apps.systems",
    "apps.risks",
    "apps.mitigations",
    "apps.library",
    "apps.reviews",
    "apps.incidents",
    "apps.exports",
    "apps.reminders",
    "apps.dashboard",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Times in the signed-in person's own time zone (User.time_zone).
    "apps.accounts.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.accounts.context_processors.navigation",
                "apps.reminders.context_processors.notifications",
                "apps.dashboard.context_processors.waiting",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# DATABASE_URL=postgres://user:password@host:5432/name selects PostgreSQL (psycopg 3).
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and shared cache -------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    CACHES = {
        "default": {
            # Fails open: with Redis unreachable, requests go on as with an empty cache (logged).
            "BACKEND": "apps.core.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": env.float("CACHE_TIMEOUT_SECONDS", default=1.0),
                "socket_timeout": env.float("CACHE_TIMEOUT_SECONDS", default=1.0),
            },
            # Deployments that share one Redis keep apart (cached PDFs are keyed by ids):
            # by default each database name has its own keys.
            "KEY_PREFIX": env.str(
                "CACHE_KEY_PREFIX", default=str(DATABASES["default"]["NAME"]).rsplit("/", 1)[-1]
            ),
        }
    }
else:
    # Embedded default: no broker; tasks run in the calling process. (The host name only keeps
    # kombu from warning that none was given.)
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_TASK_ALWAYS_EAGER = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Crash recovery. A task runs at most CELERY_TASK_TIME_LIMIT seconds (the soft limit, a minute
# earlier, lets it fail cleanly: an export job ends "failed"); the longest measured task, an XLSX
# export of 100,000 risks, takes about 50 s, the daily sweep of 10,000 systems 12 s. A message
# whose worker died unacknowledged (kill -9, a lost machine) goes back to the queue once the
# broker's visibility timeout has passed since it was delivered: it must outlast the longest task
# (or a task still running would be started a second time), so it is the time limit plus a
# minute unless set. Workers look for such messages every 10 s.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 60, CELERY_TASK_TIME_LIMIT * 9 // 10)
CELERY_VISIBILITY_TIMEOUT = env.int(
    "CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 60
)
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"CELERY_VISIBILITY_TIMEOUT ({CELERY_VISIBILITY_TIMEOUT} s) must be longer than "
        f"CELERY_TASK_TIME_LIMIT ({CELERY_TASK_TIME_LIMIT} s): a task still running would be "
        "handed to a second worker."
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
# Workers log through Django's LOGGING (JSON lines in production), not a format of their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Authentication -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a sign-in while its e-mail address and IP address are locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"
# Passwords are stored with scrypt at Django's own default cost (N=2^14, r=8, p=5; 16 MiB):
# about 0.2 s a sign-in on one core, where PBKDF2 at Django's default 1,000,000 iterations took
# 0.35-0.5 s. Being memory-hard, it also costs an attacker with GPUs more per guess than PBKDF2
# does. Hashes of the other hashers (PBKDF2 first) still verify, and are re-hashed with scrypt
# at the person's next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A session ends 8 hours after sign-in (a working day) or when the browser is closed.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT failed sign-ins for one e-mail
# address from one IP address, that pair is locked out for LOGIN_LOCKOUT_MINUTES; a successful
# sign-in clears the count, and an administrator can unlock at once (Users → "Unlock sign-in").
# API tokens never pass through this check.
AXES_ENABLED = env.bool("LOGIN_THROTTLING", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("LOGIN_LOCKOUT_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field (holding the e-mail address)
AXES_USERNAME_CALLABLE = "apps.accounts.throttling.attempted_username"
AXES_LOCKOUT_CALLABLE = "apps.accounts.throttling.locked_out_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no banner on every start; failures and lockouts are still logged
# Behind NUM_PROXIES reverse proxies, the client's address is taken from X-Forwarded-For.
NUM_PROXIES = env.int("NUM_PROXIES", default=None)
if NUM_PROXIES:
    AXES_IPWARE_PROXY_COUNT = NUM_PROXIES
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# --- Security -----------------------------------------------------------------------------------
# Secure defaults whenever DEBUG is off; TLS-related switches are flags because the app usually
# sits behind a load balancer that terminates TLS.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # pages send the token from the template (htmx's hx-headers)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no
# inline script, no inline event handler, no inline style. Views that need more say so themselves
# (the evidence download sends its own, stricter, policy).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files (WhiteNoise) ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production (and tests); plain files while developing so
        # that edits show without collectstatic.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# --- E-mail -------------------------------------------------------------------------------------
# EMAIL_URL=smtp+tls://user:password@smtp.example.org:587 (consolemail:// prints them). Without
# it: in DEBUG, e-mails are kept in DEV_OUTBOX_DIR and shown at /dev/outbox/ (apps.core.devmail);
# otherwise they are printed to the console.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
elif DEBUG:
    EMAIL_BACKEND = "apps.core.devmail.DevOutboxBackend"
else:
    vars().update(environ.Env.email_url_config("consolemail://"))
DEV_OUTBOX_DIR = Path(env.str("DEV_OUTBOX_DIR", default=str(BASE_DIR / "var" / "dev-outbox")))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="AI Risk Register <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in e-mails sent by jobs (no request to build them from).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Metrics ------------------------------------------------------------------------------------
# /metrics (Prometheus text format) is read by staff, or with "Authorization: Bearer <token>".
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- Forms and pages ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
# Uploads above this size are streamed to a temporary file rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- REST framework (the API issue builds on this) ----------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Scripts: "Authorization: Token …" or "Bearer …"; browsers: the session, with CSRF.
        "apps.accounts.api.authentication.APITokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.schema.APIAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.APIPagination",
    "EXCEPTION_HANDLER": "apps.core.api.exceptions.api_exception_handler",
    # Counted in the shared cache (Redis when REDIS_URL is set), per user and per anonymous IP.
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.api.throttles.APIUserRateThrottle",
        "apps.core.api.throttles.APIAnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
    },
    # Proxies in front of the app, so that anonymous throttling counts the client's address.
    "NUM_PROXIES": NUM_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AI Risk Register API",
    "DESCRIPTION": "Every record of the register, its history and streamed exports. "
    "Authenticate with a token from your profile page (`Authorization: Bearer <token>`).",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come from drf-spectacular-sidecar, served by us: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "apps.core.models.Level",
        "LevelWordEnum": ["Low", "Medium", "High", "Critical"],  # levels as the API writes them
        "LikelihoodEnum": "apps.risks.models.Likelihood",
        "ImpactEnum": "apps.risks.models.Impact",
        "RiskStatusEnum": "apps.risks.models.RiskStatus",
        "AcceptanceStatusEnum": "apps.risks.models.AcceptanceStatus",
        "MitigationStatusEnum": "apps.risks.treatment.MitigationStatus",
        "MitigationKindEnum": "apps.risks.treatment.MitigationKind",
        "ReviewKindEnum": "apps.reviews.models.ReviewKind",
        "DecisionOutcomeEnum": "apps.reviews.models.DecisionOutcome",
        "AcceptanceDecisionEnum": ["approve", "reject"],
    },
}

# --- Logging ------------------------------------------------------------------------------------
# To stderr, as JSON lines in production (LOG_FORMAT=json, the default when DEBUG is off: one
# object per line with the traceback of every error; see config/log_format.py), as plain text
# while developing. config/gunicorn.py gives gunicorn's own and access logs the same shape.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json").lower()
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"LOG_FORMAT is json or plain, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.log_format.JSONFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own handlers print only in DEBUG: its errors go to the root handler above.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}
