"""Every view declares who may use it. The decorators below set `view.access_policy`, enforce
it, and a consistency test walks the URLconf to prove no view was left without one."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]

PUBLIC = "public"
AUTHENTICATED = "authenticated"
STAFF = "staff"


def public(view: View) -> View:
    """Anyone, signed in or not."""
    view.access_policy = PUBLIC  # type: ignore[attr-defined]
    return view


def authenticated(view: View) -> View:
    """Any signed-in user."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.access_policy = AUTHENTICATED  # type: ignore[attr-defined]
    return wrapper
