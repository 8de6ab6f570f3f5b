"""Settings shared by every environment. Values come from the environment (12-factor)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("ATELIER_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "atelier.core",
    "atelier.search",
    "atelier.accounts",
    "atelier.territories",
    "atelier.directory",
    "atelier.observatory",
    "atelier.support",
    "atelier.sampledata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "atelier.core.context_processors.site",
            ],
        },
    },
]


def _database_from_env() -> dict:
    """DATABASE_URL picks the engine; SQLite (the embedded default) gets WAL and sane pragmas."""
    url = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'atelier.sqlite3'}")
    db = environ.Env.db_url_config(url)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # A writer waits this long for another one (an import's batch on a large database takes
        # seconds: the task worker must outwait it, not crash); readers never wait (WAL).
        busy_ms = int(env.float("ATELIER_SQLITE_BUSY_TIMEOUT", default=60.0) * 1000)
        db["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                f"PRAGMA foreign_keys=ON; PRAGMA busy_timeout={busy_ms}; "
                "PRAGMA cache_size=-200000; PRAGMA mmap_size=1073741824; "
                "PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    else:
        db.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
        db["CONN_HEALTH_CHECKS"] = True
        # JIT compilation costs hundreds of ms on the short, selective queries of the Atlas.
        db.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    return db


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "atelier" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Third-party front-end code comes from the npm registry at setup (`npm ci`), never committed.
STATICFILES_DIRS = [("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# Search totals and facet counts are cached per query (0 disables). With several app processes,
# point CACHE_URL at a shared cache (e.g. a database cache table or redis://…).
ATELIER_SEARCH_CACHE_SECONDS = env.int("ATELIER_SEARCH_CACHE_SECONDS", default=300)
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://atelier")}

# Search engine: "tantivy" (the embedded indexes of atelier.search, rebuildable caches of the
# database kept in sync automatically; see docs/architecture.md) or "database" (no index: a
# plain list from the database, without facet counts). Empty index dir =
# VAR_DIR/search-index/<engine>-<database hash>/<index>/.
ATELIER_SEARCH_ENGINE = env.str("ATELIER_SEARCH_ENGINE", default="tantivy")
# Imports, index syncs and aggregate rebuilds run this much "nicer" than the requests
# (atelier.core.priority; 0: at the same priority).
ATELIER_BACKGROUND_NICE = env.int("ATELIER_BACKGROUND_NICE", default=5)
ATELIER_SEARCH_INDEX_DIR = env.str("ATELIER_SEARCH_INDEX_DIR", default="")
# A request reuses the data version read by its process within this many seconds: a change can
# take that long to show in searches and on the map.
ATELIER_SEARCH_DATA_VERSION_SECONDS = env.float("ATELIER_SEARCH_DATA_VERSION_SECONDS", default=1.0)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Base-map tiles: a URL template with {z}, {x}, {y} (and optionally {s}). Default: IGN
# Géoplateforme "Plan IGN v2" (WMTS, public, no key). Empty = the map shows clusters and markers
# on a plain background (no third-party request). The attribution is plain text (escaped by the
# map script), linked to ATELIER_MAP_TILE_ATTRIBUTION_URL when set; MAX_ZOOM is the last zoom the
# tile service draws (the map zooms further by enlarging those tiles).
ATELIER_MAP_TILE_URL = env.str(
    "ATELIER_MAP_TILE_URL",
    default="https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}",
)
ATELIER_MAP_TILE_ATTRIBUTION = env.str(
    "ATELIER_MAP_TILE_ATTRIBUTION", default="© IGN – Plan IGN v2"
)
ATELIER_MAP_TILE_ATTRIBUTION_URL = env.str(
    "ATELIER_MAP_TILE_ATTRIBUTION_URL", default="https://geoservices.ign.fr/"
)
ATELIER_MAP_TILE_MAX_ZOOM = env.int("ATELIER_MAP_TILE_MAX_ZOOM", default=19)
# Key figures of the home page (organisations, establishments, networks…) are cached this long.
ATELIER_HOME_FIGURES_SECONDS = env.int("ATELIER_HOME_FIGURES_SECONDS", default=300)
ATELIER_SITE_NAME = env.str("ATELIER_SITE_NAME", default="Atelier")
# Observatory diagnostic PDF (WeasyPrint): generated files are cached in this directory, keyed by
# territory and the directory data version the aggregates were built from. A territory with more
# communes or more establishments than these thresholds is generated in the background (a task,
# with a progress page); smaller ones are generated during the request.
ATELIER_OBSERVATORY_PDF_DIR = Path(
    env.str("ATELIER_OBSERVATORY_PDF_DIR", default=str(VAR_DIR / "observatory-pdf"))
)
ATELIER_OBSERVATORY_PDF_BACKGROUND_COMMUNES = env.int(
    "ATELIER_OBSERVATORY_PDF_BACKGROUND_COMMUNES", default=150
)
ATELIER_OBSERVATORY_PDF_BACKGROUND_ESTABLISHMENTS = env.int(
    "ATELIER_OBSERVATORY_PDF_BACKGROUND_ESTABLISHMENTS", default=5000
)
# The observatory's widget (/observatoire/{level}/{code}/widget/) is the only page that other
# sites may frame: its Content-Security-Policy frame-ancestors (every other page: 'none').
ATELIER_OBSERVATORY_WIDGET_FRAME_ANCESTORS = env.list(
    "ATELIER_OBSERVATORY_WIDGET_FRAME_ANCESTORS", default=["*"]
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Orientation & support: a scheme whose facts were last checked more than this many days ago
# (or never) is flagged to the staff (admin list filter and column, /dispositifs/a-verifier/).
SUPPORT_STALE_AFTER_DAYS = env.int("SUPPORT_STALE_AFTER_DAYS", default=180)

# -- Imports that lose nothing (issue 8)
# Limits of an import file, checked before anything is written (docs/operations.md): rows of a
# member list (a cell below that row refuses the sheet), bytes once decompressed (XLSX, .gz, .zip:
# declared sizes checked before parsing, then counted while reading) and compression ratio of an
# archive member. A file whose share of rejected rows exceeds the rate, over at least the sample,
# is refused as a whole (shared with the SIRENE import).
ATELIER_IMPORT_MAX_ROWS = env.int("ATELIER_IMPORT_MAX_ROWS", default=500_000)
ATELIER_IMPORT_MAX_UNCOMPRESSED_BYTES = env.int(
    "ATELIER_IMPORT_MAX_UNCOMPRESSED_BYTES", default=256 * 1024 * 1024
)
ATELIER_IMPORT_MAX_COMPRESSION_RATIO = env.float(
    "ATELIER_IMPORT_MAX_COMPRESSION_RATIO", default=200
)
ATELIER_IMPORT_MAX_REJECT_RATE = env.float("ATELIER_IMPORT_MAX_REJECT_RATE", default=0.5)
ATELIER_IMPORT_REJECT_MIN_ROWS = env.int("ATELIER_IMPORT_REJECT_MIN_ROWS", default=20)

# -- API, security headers and login throttling (issue 8)
# The API's interactive documentation (Swagger UI, npm swagger-ui-dist) from static files.
STATICFILES_DIRS += [
    ("vendor/swagger-ui", BASE_DIR / "node_modules" / "swagger-ui-dist"),
    ("api", BASE_DIR / "atelier" / "api" / "static"),
]
# The API answers in the language of Accept-Language (its URLs carry no language prefix).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware") + 1,
    "atelier.api.locale.ApiLanguageMiddleware",
)

# Content-Security-Policy (django-csp): scripts and styles from the site only (no inline script
# or style attribute anywhere), images from the site, data: URLs (Leaflet's icons) and the
# base-map tile host, never framed. ATELIER_MAP_TILE_URL gives the tile host:
# "https://{s}.tile.example.org/{z}/{x}/{y}.png" -> "https://*.tile.example.org".
from datetime import timedelta  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402


def _tile_source(url: str) -> list[str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return []
    return [f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"]


INSTALLED_APPS += ["csp"]
_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE[_security:_security] = [
    "csp.middleware.CSPMiddleware",
    "atelier.core.csp.AdminHistoryCspMiddleware",  # one hashed style of simple_history's page
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": [
            "'self'",
            "data:",
            *_tile_source(ATELIER_MAP_TILE_URL),
        ],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# ATELIER_CSP_REPORT_ONLY=true sends the same policy as Content-Security-Policy-Report-Only
# (browsers report violations in their console without blocking), to try a change safely.
if env.bool("ATELIER_CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY, CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY, {}

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed attempts for one username from
# one IP address, that pair is locked out for ATELIER_LOGIN_COOLOFF_MINUTES (the page says so in
# French, status 429); a successful login resets the count. Behind a reverse proxy, set
# ATELIER_LOGIN_PROXY_COUNT to the number of proxies in front (X-Forwarded-For is read then).
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as django-axes asks
AUTHENTICATION_BACKENDS = [
    "atelier.core.auth_backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("ATELIER_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("ATELIER_LOGIN_COOLOFF_MINUTES", default=15.0))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "atelier.core.auth_backends.lockout_response"
AXES_IPWARE_PROXY_COUNT = env.int("ATELIER_LOGIN_PROXY_COUNT", default=0) or None
AXES_VERBOSE = False

# -- Shared records, edited by the right people (issue 8)
# A visitor's change proposal is confirmed through a signed link sent by e-mail, valid this
# long; at most ATELIER_PROPOSALS_PER_HOUR proposals per e-mail address (or account) and per
# IP address in any hour. Outcomes are e-mailed to the proposer.
ATELIER_PROPOSAL_CONFIRM_SECONDS = env.int("ATELIER_PROPOSAL_CONFIRM_SECONDS", default=3 * 86400)
ATELIER_PROPOSALS_PER_HOUR = env.int("ATELIER_PROPOSALS_PER_HOUR", default=5)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="atelier@localhost")
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
# With DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (production):
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)

# -- Orientation & support: support journeys (issue 10)
# Where e-mails sent by background tasks point (reminders): the site's public address.
ATELIER_SITE_URL = env.str("ATELIER_SITE_URL", default="http://127.0.0.1:8000")
# A case not taken, or without action, alerts the advisors of its structures after these many
# days of silence, and the network's staff at the last one (a daily background run).
SUPPORT_REMINDER_DAYS = env.list("ATELIER_SUPPORT_REMINDER_DAYS", cast=int, default=[9, 21, 45])
# Personal data of a closed case is anonymised this many days after it was closed.
SUPPORT_ANONYMISE_AFTER_DAYS = env.int("ATELIER_SUPPORT_ANONYMISE_AFTER_DAYS", default=365)
# The daily run (reminders, anonymisation) is queued for this hour, local time.
SUPPORT_DAILY_HOUR = env.int("ATELIER_SUPPORT_DAILY_HOUR", default=6)
# The network that receives a request no support structure covers ("" = none: the request
# page then says that no structure covers the holder's project yet).
SUPPORT_DEFAULT_NETWORK = env.str("ATELIER_SUPPORT_DEFAULT_NETWORK", default="")
# At most this many requests for support an hour from one e-mail address or IP address.
SUPPORT_REQUESTS_PER_HOUR = env.int("ATELIER_SUPPORT_REQUESTS_PER_HOUR", default=5)
# Attachments of a case: at most this size, of these types.
SUPPORT_ATTACHMENT_MAX_BYTES = env.int("ATELIER_SUPPORT_ATTACHMENT_MAX_BYTES", default=5 * 1024**2)
