"""Access policies of the support app's views that need a permission (atelier.core.perms for
the mechanism: each view declares its policy, a test walks the URLconf)."""

from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from atelier.core.perms import View

CATALOGUE_EDITORS = "support.change_scheme"


def catalogue_editors(view: View) -> View:
    """Signed-in users who may change the schemes catalogue (permission support.change_scheme:
    the superuser, the network staff of the demo group)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(CATALOGUE_EDITORS):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.access_policy = f"permission:{CATALOGUE_EDITORS}"  # type: ignore[attr-defined]
    return wrapper
