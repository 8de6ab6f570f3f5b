"""Pages of "Premières heures" (/accompagnement/premieres-heures/…): the structures of the
networks where the user is staff, their beneficiaries, contracts and hours (plain forms), the
monthly statement (page, CSV, PDF) and the dated parameters.

Access: `network_role(Role.STAFF)` on every view, then a per-object check — the structure's
network must be one where the user is staff (selectors.insertion, 403 otherwise). Every page
showing beneficiaries writes an access-log entry per beneficiary shown."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from atelier.accounts.enums import Role
from atelier.accounts.perms import network_role
from atelier.accounts.selectors import network_list
from atelier.directory.selectors.organisations import OrganisationNotFound, organisation_detail

from ..forms_premieres_heures import (
    BeneficiaryForm,
    ContractForm,
    HoursForm,
    MonthField,
    ParameterForm,
    StructureForm,
    errors_apply,
)
from ..ph_documents import statement_csv_bytes, statement_filename, statement_pdf
from ..selectors.insertion import (
    beneficiary_contracts,
    beneficiary_of_staff,
    contract_of_staff,
    parameter_histories,
    staff_networks,
    statement_months,
    structure_beneficiaries,
    structure_of_staff,
    structures_of_staff,
)
from ..selectors.ph_statement import Statement, structure_statement
from ..selectors.premieres_heures import (
    ParametersMissing,
    first_of_month,
    month_text,
    next_month,
    previous_month,
)
from ..services.insertion import (
    beneficiary_create,
    contract_create,
    contract_update,
    hours_record,
    structure_register,
)
from ..services.insertion_personal_data import beneficiaries_access_log
from ..services.ph_parameters import ph_parameter_add

STAFF = network_role(Role.STAFF)
FORM_PAGE = "support/premieres_heures/form_page.html"


def _get(getter: Any, request: HttpRequest, pk: int) -> Any:
    try:
        return getter(request.user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def _structure_url(pk: int) -> str:
    return reverse("support:ph-structure", kwargs={"pk": pk})


def _beneficiary_url(pk: int) -> str:
    return reverse("support:ph-beneficiary", kwargs={"pk": pk})


def _month(value: str) -> date:
    """The month of a URL (2025-03); 404 when it is no month."""
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise Http404 from None


@STAFF
def structures(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "support/premieres_heures/structures.html",
        {"structures": list(structures_of_staff(request.user))},
    )


@STAFF
def structure_add(request: HttpRequest) -> HttpResponse:
    networks = network_list().filter(pk__in=staff_networks(request.user))
    form = StructureForm(request.POST or None, networks=networks)
    if request.method == "POST" and form.is_valid():
        try:
            org = organisation_detail(form.cleaned_data["organisation"], include_outside_ess=True)
        except OrganisationNotFound:
            form.add_error(
                "organisation", _("Aucune organisation de l'Atlas n'a cet identifiant ou ce SIREN.")
            )
        else:
            found = structure_register(
                organisation_id=org.pk, network_id=form.cleaned_data["network"].pk
            )
            messages.success(request, _("%(name)s participe à Premières heures.") % {"name": org})
            return redirect(_structure_url(found.pk))
    context = {
        "form": form,
        "title": _("Inscrire une structure à Premières heures"),
        "back": reverse("support:ph-structures"),
        "submit": _("Inscrire la structure"),
    }
    return render(request, FORM_PAGE, context)


@STAFF
def structure(request: HttpRequest, pk: int) -> HttpResponse:
    found = _get(structure_of_staff, request, pk)
    beneficiaries = structure_beneficiaries(found)
    beneficiaries_access_log(
        user=request.user,
        beneficiaries=beneficiaries,
        action="view",
        detail="Premières heures : liste des bénéficiaires",
    )
    today = timezone.localdate()
    context = {
        "structure": found,
        "beneficiaries": beneficiaries,
        "months": [(m, month_text(m)) for m in statement_months(found, today)],
        "current_month": f"{today:%Y-%m}",
        "form": BeneficiaryForm(),
    }
    return render(request, "support/premieres_heures/structure.html", context)


@STAFF
def beneficiary_add(request: HttpRequest, pk: int) -> HttpResponse:
    found = _get(structure_of_staff, request, pk)
    form = BeneficiaryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = beneficiary_create(structure=found, reference=form.cleaned_data["reference"])
        except ValidationError as exc:
            errors_apply(form, exc)
        else:
            messages.success(
                request,
                _("%(ref)s est enregistré·e : ajoutez son contrat.") % {"ref": created.reference},
            )
            return redirect(_beneficiary_url(created.pk))
    context = {
        "form": form,
        "title": _("Nouveau·elle bénéficiaire — %(name)s") % {"name": found},
        "back": _structure_url(found.pk),
        "submit": _("Enregistrer"),
    }
    return render(request, FORM_PAGE, context)


@STAFF
def beneficiary(request: HttpRequest, pk: int) -> HttpResponse:
    found = _get(beneficiary_of_staff, request, pk)
    contracts = beneficiary_contracts(found)
    beneficiaries_access_log(
        user=request.user,
        beneficiaries=[found],
        action="view",
        detail="Premières heures : fiche du bénéficiaire",
    )
    context = {
        "beneficiary": found,
        "structure": found.structure,
        "contracts": contracts,
        "contract_form": ContractForm(),
        "hours_form": HoursForm(contracts=contracts),
    }
    return render(request, "support/premieres_heures/beneficiary.html", context)


@STAFF
def contract_add(request: HttpRequest, pk: int) -> HttpResponse:
    found = _get(beneficiary_of_staff, request, pk)
    form = ContractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract_create(user=request.user, beneficiary=found, **form.cleaned_data)
        except ValidationError as exc:
            errors_apply(form, exc)
        else:
            messages.success(request, _("Contrat enregistré."))
            return redirect(_beneficiary_url(found.pk))
    context = {
        "form": form,
        "title": _("Nouveau contrat — %(ref)s") % {"ref": found.reference},
        "back": _beneficiary_url(found.pk),
        "submit": _("Enregistrer le contrat"),
    }
    return render(request, FORM_PAGE, context)


@STAFF
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = _get(contract_of_staff, request, pk)
    initial = {"start": found.start, "end": found.end, "outcome": found.outcome}
    form = ContractForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contract_update(user=request.user, contract=found, **form.cleaned_data)
        except ValidationError as exc:
            errors_apply(form, exc)
        else:
            messages.success(request, _("Contrat mis à jour."))
            return redirect(_beneficiary_url(found.beneficiary_id))
    context = {
        "form": form,
        "title": _("Contrat de %(ref)s : entrée, sortie") % {"ref": found.beneficiary.reference},
        "back": _beneficiary_url(found.beneficiary_id),
        "submit": _("Enregistrer"),
    }
    return render(request, FORM_PAGE, context)


@STAFF
def hours(request: HttpRequest, pk: int) -> HttpResponse:
    found = _get(beneficiary_of_staff, request, pk)
    contracts = beneficiary_contracts(found)
    initial = {"month": request.GET.get("mois", "")[:7]}
    form = HoursForm(request.POST or None, contracts=contracts, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = {c.pk: c for c in contracts}.get(form.cleaned_data["contract"] or 0)
        try:
            row = hours_record(
                user=request.user,
                beneficiary=found,
                month=form.cleaned_data["month"],
                hours=form.cleaned_data["hours"],
                contract=chosen,
            )
        except ValidationError as exc:
            errors_apply(form, exc)
        else:
            messages.success(
                request,
                _("%(hours)d h enregistrées pour %(month)s.")
                % {"hours": row.hours, "month": month_text(row.month)},
            )
            return redirect(_beneficiary_url(found.pk))
    context = {
        "form": form,
        "title": _("Heures du mois — %(ref)s") % {"ref": found.reference},
        "back": _beneficiary_url(found.pk),
        "submit": _("Enregistrer les heures"),
    }
    return render(request, FORM_PAGE, context)


@STAFF
def statement_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """The month picker's GET form: to the statement of the month chosen."""
    found = _get(structure_of_staff, request, pk)
    try:
        month = MonthField().clean(request.GET.get("mois", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_structure_url(found.pk))
    return redirect(
        reverse("support:ph-statement", kwargs={"pk": found.pk, "month": f"{month:%Y-%m}"})
    )


def _statement(request: HttpRequest, pk: int, month: str) -> tuple[Any, date, Statement | str]:
    """(structure, month, the statement or why there is none)."""
    found = _get(structure_of_staff, request, pk)
    chosen = _month(month)
    if chosen > first_of_month(timezone.localdate()):
        return (
            found,
            chosen,
            _("%(month)s n'a pas commencé : pas encore de relevé.") % {"month": month_text(chosen)},
        )
    try:
        return found, chosen, structure_statement(found.pk, chosen)
    except ParametersMissing as exc:
        return found, chosen, str(exc)


def _log(request: HttpRequest, statement: Statement, action: str, what: str) -> None:
    beneficiaries_access_log(
        user=request.user,
        beneficiaries=[line.beneficiary_id for line in statement.lines],
        action=action,
        detail=f"Premières heures : relevé {statement.month_key} ({what})",
    )


@STAFF
def statement(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    found, chosen, answer = _statement(request, pk, month)
    if isinstance(answer, Statement):
        _log(request, answer, "view", "page")
    context = {
        "structure": found,
        "month": chosen,
        "month_label": month_text(chosen),
        "statement": answer if isinstance(answer, Statement) else None,
        "problem": answer if isinstance(answer, str) else "",
        "previous": f"{previous_month(chosen):%Y-%m}",
        "next": f"{next_month(chosen):%Y-%m}",
        "has_next": next_month(chosen) <= first_of_month(timezone.localdate()),
    }
    return render(request, "support/premieres_heures/statement.html", context)


def _download(request: HttpRequest, pk: int, month: str, kind: str) -> HttpResponse:
    found, chosen, answer = _statement(request, pk, month)
    if not isinstance(answer, Statement):
        messages.error(request, answer)
        return redirect(
            reverse("support:ph-statement", kwargs={"pk": found.pk, "month": f"{chosen:%Y-%m}"})
        )
    _log(request, answer, "export", kind.upper())
    if kind == "csv":
        response = HttpResponse(statement_csv_bytes(answer), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(statement_pdf(answer), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statement_filename(answer, kind)}"'
    return response


@STAFF
def statement_csv(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    return _download(request, pk, month, "csv")


@STAFF
def statement_pdf_view(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    return _download(request, pk, month, "pdf")


@STAFF
def parameters(request: HttpRequest) -> HttpResponse:
    """The dated values of every parameter; a form to add one (a change from its start date)
    for those holding the permission to add scheme parameters."""
    may_edit = request.user.has_perm("support.add_schemeparameter")
    if request.method == "POST" and not may_edit:
        raise PermissionDenied
    today = timezone.localdate()
    form = ParameterForm(request.POST or None, initial={"start": next_month(today)})
    if request.method == "POST" and form.is_valid():
        try:
            ph_parameter_add(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_apply(form, exc)
        else:
            messages.success(request, _("Nouvelle valeur enregistrée."))
            return redirect(reverse("support:ph-parameters"))
    context = {"histories": parameter_histories(today), "form": form, "may_edit": may_edit}
    return render(request, "support/premieres_heures/parameters.html", context)
