from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atelier.core.perms import public


@public
def search(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/search.html", {})
