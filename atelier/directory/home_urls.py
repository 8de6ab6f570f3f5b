"""The home page "/" (URL name `core:home`: the name it had when core served a bare page, kept so
that every `{% url 'core:home' %}` stays valid). It lives in directory because it reads the
Atlas's selectors, which core may not import (layers: pyproject's import contracts)."""

from django.urls import path

from .views import home

app_name = "core"
urlpatterns = [path("", home.home, name="home")]
