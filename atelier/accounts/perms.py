"""Network-based access policies for views (see atelier.core.perms for the mechanism and the
policies that need no network): here because they read the user's roles in networks."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from atelier.core.perms import View

from .selectors import user_network_ids


def network_role(*roles: str, superuser: bool = False) -> Callable[[View], View]:
    """Signed-in users holding one of `roles` in at least one network (checked per object in
    the view through accounts.selectors when the object belongs to a network); with
    `superuser`, superusers too, whatever their roles."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if superuser and request.user.is_superuser:
                return view(request, *args, **kwargs)
            if not user_network_ids(request.user, roles=roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        policy = "network:" + ",".join(roles) + ("+superuser" if superuser else "")
        wrapper.access_policy = policy  # type: ignore[attr-defined]
        return wrapper

    return decorator
