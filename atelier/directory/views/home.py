"""The home page "/": the Atlas's way in — search box, live key figures, entries by ESS family,
sector and département (links to the search with the filter), and the map."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from atelier.core.perms import public

from ..selectors.home import home_data


@public
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "directory/home.html",
        {
            "home": home_data(),
            "search_url": reverse("directory:search"),
            # "Rechercher dans cette zone" under the map opens the search with zone=….
            "atlas_map_zone_url": reverse("directory:search") + "?",
            "atlas_map_home": True,  # the map's texts point to the search, not to a list
        },
    )
