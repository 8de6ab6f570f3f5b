"""/atlas/mon-espace/: a signed-in person's own space — their networks' organisations (with
an edit link where they may edit, a proposal link elsewhere) and their proposals."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atelier.core.perms import authenticated

from ..selectors.proposals import user_organisations, user_proposals
from ..services.access import moderates_anything


@authenticated
def my_space(request: HttpRequest) -> HttpResponse:
    organisations, total = user_organisations(request.user)
    context = {
        "organisations": organisations,
        "organisations_total": total,
        "proposals": list(user_proposals(request.user)[:100]),
        "moderates": moderates_anything(request.user),
    }
    return render(request, "directory/my_space.html", context)
