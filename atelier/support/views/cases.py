"""The advisors' and staff's pages: the list of the cases they see, a case with its log and the
forms of its actions (plain forms, no JavaScript). Each action is a POST that redirects back to
the case with a message. Every read of a case is access-logged; a case the user may not see is
"not found"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atelier.accounts.enums import Role
from atelier.accounts.perms import network_role
from atelier.core.services import access_log_record

from ..enums import CaseState
from ..forms import (
    AttachmentForm,
    CaseFilterForm,
    CloseForm,
    NextActionForm,
    NoteForm,
    ReopenForm,
    RouteForm,
    TransitionForm,
)
from ..selectors.case_request import case_summary, scheme_choices, schemes_named
from ..selectors.cases import (
    CaseNotFound,
    case_attachment,
    case_attachments,
    case_events,
    case_for_user,
    case_list,
    case_reminders,
    case_structures,
    structures_for_manual_routing,
    structures_visible_to,
)
from ..services.attachments import case_attachment_add
from ..services.transitions import (
    CaseActionError,
    case_close,
    case_next_action_set,
    case_note_add,
    case_reopen,
    case_route_add,
    case_take,
    case_transition,
)

case_workers = network_role(Role.ADVISOR, Role.STAFF, superuser=True)


def _case(request: HttpRequest, pk: int):
    try:
        return case_for_user(pk, request.user)
    except CaseNotFound:
        raise Http404(_("Dossier introuvable.")) from None


@case_workers
def case_list_view(request: HttpRequest) -> HttpResponse:
    """/accompagnement/dossiers/: the cases the user sees, filtered."""
    structures = structures_visible_to(request.user)
    form = CaseFilterForm(request.GET or None, structures=structures, initial={"state": "open"})
    filters: dict[str, Any] = {"state": "open"} if not request.GET else {}
    if form.is_valid():
        filters = {
            "state": form.cleaned_data["state"],
            "structure_id": form.cleaned_data["structure"],
            "mine": form.cleaned_data["mine"],
        }
    page = Paginator(case_list(request.user, **filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "support/case_list.html", context)


@case_workers
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """/accompagnement/dossiers/<pk>/: the case, its log and the actions the user may take."""
    case, access = _case(request, pk)
    access_log_record(user=request.user, action="view", obj=case, detail="page du dossier")
    closed = case.state == CaseState.CLOSED
    live = case.anonymised_at is None
    context = {
        "case": case,
        "access": access,
        "summary": case_summary(case),
        "schemes": schemes_named(case.schemes_shown),
        "structures": case_structures(case),
        "events": case_events(case),
        "attachments": case_attachments(case),
        "reminders": case_reminders(case),
        "states": CaseState,
        "take": live and case.state == CaseState.NEW and access.may_take,
        "start_form": TransitionForm(
            initial={"to_state": CaseState.IN_PROGRESS}, auto_id="start-%s"
        )
        if live and case.state == CaseState.TAKEN and access.may_change_state
        else None,
        "release_form": TransitionForm(initial={"to_state": CaseState.NEW}, auto_id="release-%s")
        if live and case.state == CaseState.TAKEN and access.may_change_state
        else None,
        "close_form": CloseForm(schemes=scheme_choices(), auto_id="close-%s")
        if live and not closed and access.may_change_state
        else None,
        "reopen_form": ReopenForm(auto_id="reopen-%s")
        if live and closed and access.may_reopen
        else None,
        "note_form": NoteForm(auto_id="note-%s") if live and access.may_annotate else None,
        "next_form": NextActionForm(initial={"on": case.next_action_on}, auto_id="next-%s")
        if live and not closed and access.may_annotate
        else None,
        "attachment_form": AttachmentForm(auto_id="attach-%s")
        if live and access.may_annotate
        else None,
        "route_form": None,
    }
    if live and access.may_route:
        choices = structures_for_manual_routing(case, request.user)
        context["route_form"] = (
            RouteForm(structures=choices, auto_id="route-%s") if choices else None
        )
    return render(request, "support/case_detail.html", context)


def _done(request: HttpRequest, pk: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("support:case-detail", pk=pk)


def _failed(request: HttpRequest, pk: int, error: Any) -> HttpResponse:
    messages.error(request, str(error))
    return redirect("support:case-detail", pk=pk)


def _form_error(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _act(request: HttpRequest, pk: int, action: Any, message: str) -> HttpResponse:
    """Run `action()`; not found → 404, refused → the message on the case's page."""
    try:
        action()
    except CaseNotFound:
        raise Http404(_("Dossier introuvable.")) from None
    except CaseActionError as exc:
        return _failed(request, pk, exc)
    return _done(request, pk, message)


@case_workers
@require_POST
def case_take_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda: case_take(case_id=pk, user=request.user),
        _("Vous avez pris ce dossier en charge."),
    )


@case_workers
@require_POST
def case_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = TransitionForm(request.POST)
    if not form.is_valid():
        _case(request, pk)
        return _failed(request, pk, _form_error(form))
    to_state = form.cleaned_data["to_state"]
    return _act(
        request,
        pk,
        lambda: case_transition(
            case_id=pk, user=request.user, to_state=to_state, text=form.cleaned_data["text"]
        ),
        _("Accompagnement commencé.")
        if to_state == CaseState.IN_PROGRESS
        else _("Dossier remis dans la file des demandes."),
    )


@case_workers
@require_POST
def case_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = CloseForm(request.POST, schemes=scheme_choices())
    if not form.is_valid():
        _case(request, pk)
        return _failed(request, pk, _form_error(form))
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda: case_close(
            case_id=pk,
            user=request.user,
            outcome=data["outcome"],
            scheme_id=data["scheme"],
            amount=data["amount"],
            text=data["text"],
        ),
        _("Dossier clos."),
    )


@case_workers
@require_POST
def case_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReopenForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    return _act(
        request,
        pk,
        lambda: case_reopen(case_id=pk, user=request.user, text=text),
        _("Dossier rouvert."),
    )


@case_workers
@require_POST
def case_note_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        _case(request, pk)
        return _failed(request, pk, _form_error(form))
    return _act(
        request,
        pk,
        lambda: case_note_add(case_id=pk, user=request.user, text=form.cleaned_data["text"]),
        _("Note ajoutée."),
    )


@case_workers
@require_POST
def case_next_action_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = NextActionForm(request.POST)
    if not form.is_valid():
        _case(request, pk)
        return _failed(request, pk, _form_error(form))
    return _act(
        request,
        pk,
        lambda: case_next_action_set(
            case_id=pk,
            user=request.user,
            on=form.cleaned_data["on"],
            text=form.cleaned_data["text"],
        ),
        _("Prochaine action enregistrée."),
    )


@case_workers
@require_POST
def case_attachment_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        _case(request, pk)
        return _failed(request, pk, _form_error(form))
    return _act(
        request,
        pk,
        lambda: case_attachment_add(
            case_id=pk, user=request.user, upload=form.cleaned_data["file"]
        ),
        _("Document joint au dossier."),
    )


@case_workers
@require_POST
def case_route_view(request: HttpRequest, pk: int) -> HttpResponse:
    case, access = _case(request, pk)
    form = RouteForm(request.POST, structures=structures_for_manual_routing(case, request.user))
    if not form.is_valid():
        return _failed(request, pk, _form_error(form))
    return _act(
        request,
        pk,
        lambda: case_route_add(
            case_id=pk, user=request.user, structure_id=form.cleaned_data["structure"]
        ),
        _("Dossier orienté vers une structure de plus."),
    )


@case_workers
def case_attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """A document of the case, downloaded (never shown inline)."""
    case, _access = _case(request, pk)
    attachment = case_attachment(case, attachment_id)
    if attachment is None:
        raise Http404(_("Document introuvable."))
    access_log_record(
        user=request.user, action="view", obj=case, detail=f"pièce jointe {attachment.pk}"
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
