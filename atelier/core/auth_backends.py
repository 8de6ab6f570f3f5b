"""Login throttling (django-axes) for every login made over HTTP.

django-axes refuses an `authenticate()` call without a request; calls without one do not come
from the network (the test client's `login()`, a shell): they are left to the next backend,
unthrottled. Every login form (the site's, the admin's) passes its request, so it is counted
and locked out after AXES_FAILURE_LIMIT failures per username and IP address."""

import math

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """The page of a locked-out login (AXES_LOCKOUT_CALLABLE): why, and for how long, in the
    language of the page (status 429)."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "core/lockout.html", context, status=429)
