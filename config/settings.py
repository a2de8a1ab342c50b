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

from config.object_storage import storage_from_url

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
    # Single sign-on (OpenID Connect, SAML 2.0) and two-factor authentication: django-allauth.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    # Ours
    "apps.core",
    "apps.accounts",
    "apps.systems",
    "apps.risks",
    "apps.mitigations",
    "apps.library",
    "apps.reviews",
    "apps.incidents",
    "apps.compliance",
    "apps.concerns",
    "apps.exports",
    "apps.monitoring",
    "apps.evaluations",
    "apps.literacy",
    "apps.classification",
    "apps.assessments",
    "apps.documentation",
    "apps.reminders",
    "apps.dashboard",
    "apps.demo",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id (X-Request-ID, or a new one), and the
    # whole stack is inside the request's latency and query count (/metrics).
    "apps.core.request_id.RequestIdMiddleware",
    "apps.core.telemetry.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-allauth's sign-in steps (the second factor after a password or single sign-on).
    "allauth.account.middleware.AccountMiddleware",
    # Times in the signed-in person's own time zone (User.time_zone).
    "apps.accounts.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A role that needs a second factor gets nothing else until the session has one.
    "apps.accounts.middleware.SecondFactorMiddleware",
    # When each signed-in session was last seen (apps.accounts.models.SignedInSession).
    "apps.accounts.middleware.SessionActivityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After a write, the person's navigation bar counts afresh (apps.dashboard.middleware).
    "apps.dashboard.middleware.ForgetWaitingAfterWritesMiddleware",
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
# Django's form renderer, with the commonest widgets written without a template each.
FORM_RENDERER = "apps.core.form_renderer.FastRenderer"

# --- Database -----------------------------------------------------------------------------------
# DATABASE_URL=postgres://user:password@host:5432/name selects PostgreSQL (psycopg 3).
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A read replica (README, "Scaling out"): REPLICA_URL=postgres://…@replica:5432/name adds the
# "replica" alias. Only reads that tolerate lag go there (apps.core.replica: auditors' API lists
# and exports, the dashboard's figures); when it does not answer, the primary serves them.
REPLICA_URL = env.str("REPLICA_URL", default="")
if REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        # Tests read the test database through the replica's server (a streaming replica of
        # the whole cluster has it), never a database of their own.
        "TEST": {"MIRROR": "default"},
    }
    # A replica that does not answer is given up quickly: its reads go to the primary.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("REPLICA_CONNECT_TIMEOUT", default=2)
    )
    DATABASE_ROUTERS = ["apps.core.replica.ReplicaRouter"]
REPLICA_RETRY_SECONDS = env.int("REPLICA_RETRY_SECONDS", default=30)
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)
# How old the navigation bar's "Waiting for you" counts of a page may be (0: counted on every
# page). A person's own writes and the home page always count afresh.
WAITING_COUNTS_CACHE_SECONDS = env.int("WAITING_COUNTS_CACHE_SECONDS", default=30)
# How old the governance dashboard's figures may be (0: drawn at every visit). Drawn once per
# scope (every team, a team, a person's teams) and shared by everyone who reads that scope; a
# person's own write draws them afresh for their next visit. The dashboard says when they were
# drawn.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)
# Connection pooling (README, "Scaling out"). DATABASE_POOLER=pgbouncer: DATABASE_URL (and
# REPLICA_URL) name a PgBouncer in transaction mode, so nothing may outlive a transaction on the
# server: no server-side cursor WITH HOLD (exports read through apps.core.db.stream_rows), no
# prepared statement. DATABASE_POOLER=psycopg: a pool of connections in each process
# (psycopg_pool; DATABASE_POOL_MAX per process), persistent connections off.
DATABASE_POOLER = env.str("DATABASE_POOLER", default="").lower()
if DATABASE_POOLER not in ("", "pgbouncer", "psycopg"):
    raise ImproperlyConfigured(f"DATABASE_POOLER is pgbouncer or psycopg, not {DATABASE_POOLER!r}.")
for _database in DATABASES.values():
    if DATABASE_POOLER and "postgresql" not in _database["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_POOLER is for PostgreSQL databases.")
    if DATABASE_POOLER == "pgbouncer":
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
        _database.setdefault("OPTIONS", {})["prepare_threshold"] = None
    elif DATABASE_POOLER == "psycopg":
        _database["CONN_MAX_AGE"] = 0  # the pool keeps the connections
        _database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=1),
            "max_size": env.int("DATABASE_POOL_MAX", default=4),
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }
if REPLICA_URL:
    # Read-your-writes: a browser's requests just after its own write read from the primary.
    MIDDLEWARE.insert(1, "apps.core.replica.ReplicaPinMiddleware")
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
# One queue per kind of work, so that a large export never delays an e-mail (README, "Scaling
# out"): the outbox relay (e-mails, hand-overs) on "notifications", the daily reminder sweep on
# "sweep", export jobs on "exports", monitoring intake on "monitoring"; anything else on
# "celery". A worker consumes the queues it is given (-Q); docker-compose runs one for exports
# and one for the rest. Task names, not modules, are routed: a new task of an app follows its
# app's pattern.
CELERY_TASK_DEFAULT_QUEUE = "celery"
WORKER_QUEUES = ("celery", "notifications", "sweep", "exports", "monitoring")
CELERY_TASK_ROUTES = {
    "core.relay_outbox": {"queue": "notifications"},
    "reminders.*": {"queue": "sweep"},
    "exports.*": {"queue": "exports"},
    "monitoring.*": {"queue": "monitoring"},
}

# --- Authentication -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a sign-in while its e-mail address and IP address are locked out.
    "axes.backends.AxesStandaloneBackend",
    # Django's e-mail and password check, refusing it while password sign-in is turned off
    # (apps.accounts.models.SignInSettings) for anyone but a break-glass administrator.
    "apps.accounts.backends.AccountBackend",
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

# --- Single sign-on and two-factor authentication (django-allauth) -----------------------------
# Identity providers are configured by administrators in the admin pages (Social applications:
# OpenID Connect or SAML); who may still sign in with a password, which roles need a second factor
# and how identity-provider groups map to teams and roles are in Sign-in settings and Group
# mappings (apps.accounts). Nobody signs up on their own: people are created by an administrator
# or at their first single sign-on.
ACCOUNT_ADAPTER = "apps.accounts.sso.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "apps.accounts.sso.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_REAUTHENTICATION_METHODS = ["password", "mfa"]
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False  # the register calls no API of the identity provider
SOCIALACCOUNT_OPENID_CONNECT_URL_PREFIX = "oidc"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"OAUTH_PKCE_ENABLED": True},
    # Keeps the assertion's AuthnContext, which says whether the IdP asked for a second factor.
    "saml": {"provider_class": "apps.accounts.sso.SAMLProvider"},
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="AI Risk Register")
# A code from the 30-second step just before is still accepted (RFC 6238 §5.2: a code typed in the
# last seconds of its step arrives in the next one; phone clocks drift). Used codes never count.
MFA_TOTP_TOLERANCE = env.int("MFA_TOTP_TOLERANCE", default=1)
# Passkeys need https, but for the developer's http://localhost.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# allauth refuses a second factor to a person with an unverified e-mail address (against someone
# signing up with another's address first); nobody signs up on their own here.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Roles that need a second factor when the sign-in settings are first created (administrators
# change it there): administrator, committee_member, auditor, contributor, viewer, or "none".
MFA_REQUIRED_ROLES = [
    role
    for role in env.list("MFA_REQUIRED_ROLES", default=["administrator", "committee_member"])
    if role != "none"
]

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
# Evidence and export files: on the local disk (MEDIA_ROOT), or in an S3-compatible bucket when
# STORAGE_URL is set (config/object_storage.py; README, "Scaling out"). Never served by a public
# address: the app streams them after its permission check, or (STORAGE_DOWNLOADS=signed, with
# a bucket) redirects to a URL signed for that one file that expires within a minute.
STORAGE_URL = env.str("STORAGE_URL", default="")
STORAGE_DOWNLOADS = env.str("STORAGE_DOWNLOADS", default="stream")
if STORAGE_DOWNLOADS not in ("stream", "signed"):
    raise ImproperlyConfigured(f"STORAGE_DOWNLOADS is stream or signed, not {STORAGE_DOWNLOADS!r}.")
STORAGES = {
    "default": (
        storage_from_url(STORAGE_URL)
        if STORAGE_URL
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
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

# --- Monitored metrics (apps.monitoring) --------------------------------------------------------
# Raw readings older than this are deleted by the daily housekeeping task once they are rolled
# up into hourly figures, which are kept (the charts of 90 days and more read them).
MONITORING_RAW_RETENTION_DAYS = env.int("MONITORING_RAW_RETENTION_DAYS", default=30)
# Readings one POST /api/v1/readings/ (or one CSV upload) may carry.
MONITORING_MAX_BATCH = env.int("MONITORING_MAX_BATCH", default=10_000)

# --- Evaluations (apps.evaluations) ------------------------------------------------------------
# A mitigation verified by evaluation runs is flagged for review when its latest run is older
# than this (the daily sweep); the largest report one upload or POST takes, and its results.
EVALUATION_STALE_AFTER_DAYS = env.int("EVALUATION_STALE_AFTER_DAYS", default=30)
EVALUATION_UPLOAD_MAX_BYTES = env.int("EVALUATION_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
EVALUATION_MAX_RESULTS = env.int("EVALUATION_MAX_RESULTS", default=20_000)

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
        "ObligationStatusEnum": "apps.compliance.models.ObligationStatus",
        "VersionKindEnum": "apps.systems.models.VersionKind",
        "VersionStatusEnum": "apps.systems.models.VersionStatus",
        "TestCaseKindEnum": "apps.evaluations.models.TestCaseKind",
        "RunFormatEnum": "apps.evaluations.models.RunFormat",
        "RunOutcomeEnum": "apps.evaluations.models.RunOutcome",
        "ResultOutcomeEnum": "apps.evaluations.models.ResultOutcome",
        "SeverityEnum": "apps.incidents.models.Severity",
        "TokenScopeEnum": "apps.accounts.models.TokenScope",
        "CatalogueScopeEnum": "apps.compliance.models.CatalogueScope",
        "ControlApplicabilityEnum": "apps.compliance.models_soa.ControlApplicability",
        # A system's tier and area, and a classification's proposed ones: one choice set each.
        "EuAiActTierEnum": "apps.systems.models.EUAIActTier",
        "EuAiActAreaEnum": "apps.systems.models.AnnexIIIArea",
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
