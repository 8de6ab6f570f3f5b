"""Benchmarks (`make bench`): a separate database so the demo is never mixed with synthetic data."""

from .base import *  # noqa: F403
from .base import VAR_DIR, _database_from_env, env

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="bench-only-key")
DEBUG = False
ALLOWED_HOSTS = ["*"]
(VAR_DIR / "bench").mkdir(parents=True, exist_ok=True)
if not env.str("DATABASE_URL", default=""):
    env.ENVIRON["DATABASE_URL"] = f"sqlite:///{VAR_DIR / 'bench' / 'bench.sqlite3'}"
DATABASES = {"default": _database_from_env()}
# Measure the search itself, not the cache of repeated queries.
ATELIER_SEARCH_CACHE_SECONDS = 0
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
