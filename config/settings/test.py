from .base import *  # noqa: F403
from .base import CONTENT_SECURITY_POLICY as _BASE_POLICY
from .base import _tile_source, env

SECRET_KEY = "test-only-key"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ALLOWED_HOSTS = ["*"]
LANGUAGE_CODE = env.str("ATELIER_TEST_LANGUAGE", default="fr")
# Serve static files straight from the apps and node_modules (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# No test fetches base-map tiles (no network): the map draws on a plain background, and the
# policy's img-src names no tile host. Tests that need tiles set the URL themselves.
ATELIER_MAP_TILE_URL = ""
if _BASE_POLICY:  # a copy: config.settings.base keeps its own
    CONTENT_SECURITY_POLICY = {
        **_BASE_POLICY,
        "DIRECTIVES": {
            **_BASE_POLICY["DIRECTIVES"],
            "img-src": ["'self'", "data:", *_tile_source(ATELIER_MAP_TILE_URL)],
        },
    }
# Tests share one cache: no cached home figures, except in the test of that cache.
ATELIER_HOME_FIGURES_SECONDS = 0
# Tasks run in the test process itself (immediate backend): it keeps its priority.
ATELIER_BACKGROUND_NICE = 0
