from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from atelier.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(
    path("", include("atelier.directory.home_urls")),
    path("comptes/", include("atelier.accounts.urls")),
    path("atlas/", include("atelier.directory.urls")),
    path("observatoire/", include("atelier.observatory.urls")),
    path("", include("atelier.support.urls")),
    path("territoires/", include("atelier.territories.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
