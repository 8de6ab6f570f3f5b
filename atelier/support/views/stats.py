"""/accompagnement/statistiques/: the outcome statistics of the cases the staff see (page and
CSV), for the network and its funders."""

from __future__ import annotations

from datetime import date

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from atelier.accounts.enums import Role
from atelier.accounts.perms import network_role

from ..selectors.stats import case_stats, case_stats_csv


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("Demandes reçues du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("La période commence après sa fin."))
        return data


def _period(request: HttpRequest) -> tuple[PeriodForm, date | None, date | None]:
    form = PeriodForm(request.GET or None)
    if form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, None, None


@network_role(Role.STAFF, superuser=True)
def case_stats_view(request: HttpRequest) -> HttpResponse:
    form, start, end = _period(request)
    stats = case_stats(request.user, start=start, end=end)
    context = {"form": form, "stats": stats, "query": request.GET.urlencode()}
    return render(request, "support/case_stats.html", context, status=400 if form.errors else 200)


@network_role(Role.STAFF, superuser=True)
def case_stats_csv_view(request: HttpRequest) -> HttpResponse:
    _form, start, end = _period(request)
    text = case_stats_csv(case_stats(request.user, start=start, end=end))
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="accompagnement-statistiques.csv"'
    return response
