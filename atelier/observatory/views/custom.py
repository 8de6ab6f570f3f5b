"""Staff pages of the custom territories: list, create, edit, delete. Reading a custom
territory's figures is public (views.pages.territory, level `custom`); editing belongs to the
staff of its owner network."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from atelier.accounts.enums import Role
from atelier.accounts.perms import network_role
from atelier.accounts.selectors import network_list, user_network_ids

from ..enums import Level
from ..forms import CustomTerritoryForm
from ..models import CustomTerritory
from ..selectors.custom import custom_members, custom_territory_get, custom_territory_list
from ..services.custom import custom_territory_delete, custom_territory_save

STAFF = (Role.STAFF,)


def _staff_networks(request: HttpRequest) -> set[int]:
    return user_network_ids(request.user, roles=STAFF)


def _owned(request: HttpRequest, code: str) -> CustomTerritory:
    territory = custom_territory_get(code)
    if territory is None:
        raise Http404(code)
    if territory.network_id not in _staff_networks(request):
        raise PermissionDenied
    return territory


def _page(territory: CustomTerritory) -> str:
    return reverse("observatory:territory", kwargs={"level": Level.CUSTOM, "code": territory.code})


def _apply_errors(form: CustomTerritoryForm, error: ValidationError) -> None:
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


@network_role(*STAFF)
def custom_list(request: HttpRequest) -> HttpResponse:
    territories = [
        (t, _page(t), reverse("observatory:custom_edit", kwargs={"code": t.code}))
        for t in custom_territory_list(_staff_networks(request))
    ]
    return render(request, "observatory/custom_list.html", {"territories": territories})


@network_role(*STAFF)
def custom_create(request: HttpRequest) -> HttpResponse:
    ids = _staff_networks(request)
    networks = [(n.pk, n.name) for n in network_list() if n.pk in ids]
    form = CustomTerritoryForm(request.POST or None, networks=networks)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["network"] not in ids:
            raise PermissionDenied
        try:
            territory = custom_territory_save(
                name=data["name"],
                code=data["code"],
                communes_text=data["communes"],
                network_id=data["network"],
                user_id=request.user.pk,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect(_page(territory))
    return render(request, "observatory/custom_form.html", {"form": form, "territory": None})


@network_role(*STAFF)
def custom_edit(request: HttpRequest, code: str) -> HttpResponse:
    territory = _owned(request, code)
    initial = {
        "name": territory.name,
        "communes": "\n".join(code for code, _name in custom_members(territory)),
    }
    form = CustomTerritoryForm(request.POST or None, initial=initial, networks=[], editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            custom_territory_save(
                territory=territory,
                name=form.cleaned_data["name"],
                communes_text=form.cleaned_data["communes"],
                network_id=territory.network_id,
                user_id=request.user.pk,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect(_page(territory))
    context = {"form": form, "territory": territory, "members": custom_members(territory)}
    return render(request, "observatory/custom_form.html", context)


@network_role(*STAFF)
def custom_delete(request: HttpRequest, code: str) -> HttpResponse:
    territory = _owned(request, code)
    if request.method == "POST":
        custom_territory_delete(territory)
        return redirect("observatory:custom_list")
    return render(request, "observatory/custom_delete.html", {"territory": territory})
