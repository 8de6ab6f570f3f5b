"""Change proposals on the public side: the form on an organisation, the confirmation of a
visitor's proposal by its signed link, the moderation queue and its decisions. Every page
works without JavaScript (plain forms); the rules live in services.proposals / access."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atelier.core.perms import authenticated, public

from ..forms import DecisionForm, ProposalForm
from ..selectors.organisations import OrganisationNotFound
from ..selectors.organisations import organisation_detail as organisation_get
from ..selectors.proposals import (
    ProposalNotFound,
    moderation_queue,
    proposal_changes_display,
    proposal_for_moderation,
    recent_decisions,
)
from ..services.access import may_edit_organisation, moderates_anything
from ..services.proposals import (
    ProposalError,
    proposal_accept,
    proposal_confirm,
    proposal_from_token,
    proposal_refuse,
    proposal_submit,
)


def _client_ip(request: HttpRequest) -> str | None:
    """The client's address as the login throttling reads it (ATELIER_LOGIN_PROXY_COUNT)."""
    return get_client_ip_address(request) or None


@public
def organisation_propose(request: HttpRequest, pk: int) -> HttpResponse:
    """/atlas/organisations/<pk>/proposer/: "Signaler une erreur / proposer une modification"."""
    try:
        org = organisation_get(pk, include_outside_ess=request.user.is_staff)
    except OrganisationNotFound:
        raise Http404 from None
    signed_in = request.user.is_authenticated
    form = ProposalForm(org, request.POST or None, signed_in=signed_in)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_submit(
                organisation=org,
                values=form.proposed_values(),
                message=form.cleaned_data["message"],
                user=request.user if signed_in else None,
                email=form.cleaned_data.get("email", ""),
                ip=_client_ip(request),
                confirm_url=lambda token: request.build_absolute_uri(
                    reverse("directory:proposal-confirm", args=[token])
                ),
                absolute_url=request.build_absolute_uri,
            )
        except ProposalError as exc:
            form.add_error(None, str(exc))
        else:
            if signed_in:
                messages.success(
                    request,
                    _(
                        "Merci : votre proposition n° %(n)d est transmise à l'équipe qui "
                        "modère cette fiche. Suivez-la dans « Mon espace »."
                    )
                    % {"n": proposal.pk},
                )
                return redirect("directory:organisation", pk=org.pk)
            return render(
                request, "directory/proposal_sent.html", {"organisation": org, "proposal": proposal}
            )
    context = {
        "organisation": org,
        "form": form,
        "may_edit": may_edit_organisation(request.user, org),
    }
    return render(
        request, "directory/proposal_form.html", context, status=400 if form.errors else 200
    )


@public
def proposal_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link e-mailed to a visitor: a page to confirm (POST) their proposal."""
    try:
        proposal = proposal_from_token(token)
    except ProposalError as exc:
        return render(request, "directory/proposal_confirm.html", {"error": str(exc)}, status=400)
    if request.method == "POST":
        proposal = proposal_confirm(token=token, absolute_url=request.build_absolute_uri)
        return render(
            request, "directory/proposal_confirm.html", {"proposal": proposal, "confirmed": True}
        )
    context = {
        "proposal": proposal,
        "changes": proposal_changes_display(proposal),
        "confirmed": False,
    }
    return render(request, "directory/proposal_confirm.html", context)


def _moderator_only(request: HttpRequest) -> None:
    if not moderates_anything(request.user):
        raise PermissionDenied


@authenticated
def moderation_queue_view(request: HttpRequest) -> HttpResponse:
    """/atlas/moderation/: the confirmed proposals the user may decide on."""
    _moderator_only(request)
    queue = [(p, proposal_changes_display(p)) for p in moderation_queue(request.user)]
    context = {"queue": queue, "decisions": recent_decisions(request.user)}
    return render(request, "directory/moderation_queue.html", context)


def _proposal(request: HttpRequest, pk: int):
    _moderator_only(request)
    try:
        return proposal_for_moderation(pk, request.user)
    except ProposalNotFound:
        raise Http404 from None


@authenticated
def moderation_proposal_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One proposal with its accept and refuse forms."""
    proposal = _proposal(request, pk)
    context = {
        "proposal": proposal,
        "changes": proposal_changes_display(proposal),
        "form": DecisionForm(),
    }
    return render(request, "directory/moderation_proposal.html", context)


def _decide(request: HttpRequest, pk: int, *, accept: bool) -> HttpResponse:
    proposal = _proposal(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if accept:
                proposal_accept(proposal=proposal, user=request.user, reason=reason)
                messages.success(request, _("Proposition n° %(n)d acceptée.") % {"n": pk})
            else:
                proposal_refuse(proposal=proposal, user=request.user, reason=reason)
                messages.success(request, _("Proposition n° %(n)d refusée.") % {"n": pk})
        except ProposalError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("directory:moderation")
    context = {"proposal": proposal, "changes": proposal_changes_display(proposal), "form": form}
    return render(request, "directory/moderation_proposal.html", context, status=400)


@authenticated
@require_POST
def moderation_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, accept=True)


@authenticated
@require_POST
def moderation_refuse_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, accept=False)
