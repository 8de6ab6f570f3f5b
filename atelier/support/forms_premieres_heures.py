""" "Premières heures" forms: plain HTML forms (no script needed). They parse what is typed;
the rules are the services' (services/insertion.py, services/ph_parameters.py), whose messages
are put beside the field they concern (`errors_apply`)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .enums import ExitOutcome
from .models.insertion import MONTH_HOURS_MAX, REFERENCE_MAX_LENGTH
from .selectors.premieres_heures import PARAMETERS, day_text

_MONTH = re.compile(r"^\s*(?:(\d{4})-(\d{1,2})|(\d{1,2})/(\d{4}))\s*$")


def errors_apply(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's messages on the form: beside their field, or above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class MonthField(forms.CharField):
    """A month typed as 2025-03 (what `<input type="month">` sends) or 03/2025."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "AAAA-MM"})

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        found = _MONTH.match(text)
        if found:
            year, month = (found[1], found[2]) if found[1] else (found[4], found[3])
            if 1 <= int(month) <= 12 and 1900 <= int(year) <= 9999:
                return date(int(year), int(month), 1)
        raise ValidationError(_("Indiquez un mois sous la forme AAAA-MM, par exemple 2025-03."))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class StructureForm(forms.Form):
    network: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label=_("Réseau qui suit la structure")
    )
    organisation = forms.CharField(
        label=_("Organisation de l'Atlas (identifiant ou SIREN)"),
        max_length=40,
        help_text=_("Le numéro de la fiche de l'Atlas (dans son adresse) ou le SIREN."),
    )

    def __init__(self, *args: Any, networks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = networks  # type: ignore[attr-defined]
        if networks.count() == 1:
            self.fields["network"].initial = networks.first()


class BeneficiaryForm(forms.Form):
    reference = forms.CharField(
        label=_("Référence pseudonyme"),
        max_length=REFERENCE_MAX_LENGTH,
        help_text=_("Choisie par la structure, par exemple PH-2025-07 : ni nom, ni numéro."),
    )


class ContractForm(forms.Form):
    start = forms.DateField(label=_("Date d'entrée"), widget=DateInput())
    end = forms.DateField(
        label=_("Date de sortie"),
        required=False,
        widget=DateInput(),
        help_text=_("À remplir à la sortie, avec son issue."),
    )
    outcome = forms.ChoiceField(
        label=_("Issue de la sortie"),
        required=False,
        choices=[("", _("— pas encore sorti·e —")), *ExitOutcome.choices],
    )


class HoursForm(forms.Form):
    month = MonthField(label=_("Mois"))
    hours = forms.IntegerField(
        label=_("Heures travaillées dans le mois"),
        help_text=_("En heures entières, de 0 à %(max)d.") % {"max": MONTH_HOURS_MAX},
        error_messages={
            "invalid": _("Saisissez un nombre entier d'heures (le dispositif compte des heures).")
        },
        widget=forms.NumberInput(attrs={"min": 0, "max": MONTH_HOURS_MAX, "step": 1}),
    )
    contract = forms.TypedChoiceField(
        label=_("Contrat"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Seulement si deux contrats couvrent le mois."),
    )

    def __init__(self, *args: Any, contracts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, Any]] = [("", _("celui du mois"))]
        for c in contracts:
            label = (
                _("entré·e le %(start)s") % {"start": day_text(c.start)}
                if c.end is None
                else _("du %(start)s au %(end)s")
                % {"start": day_text(c.start), "end": day_text(c.end)}
            )
            choices.append((c.pk, label))
        self.fields["contract"].choices = choices  # type: ignore[attr-defined]


class ParameterForm(forms.Form):
    name = forms.ChoiceField(label=_("Paramètre"), choices=[(p.name, p.label) for p in PARAMETERS])
    start = forms.DateField(
        label=_("En vigueur à partir du"),
        widget=DateInput(),
        help_text=_("Le premier jour d'un mois : la valeur s'applique aux relevés de ce mois."),
    )
    value = forms.CharField(label=_("Valeur (€ ou heures)"), max_length=20)
    is_example = forms.BooleanField(
        label=_("Valeur d'exemple (pas encore fixée par l'opérateur)"), required=False
    )
    source = forms.CharField(
        label=_("Source (délibération, convention…)"), max_length=300, required=False
    )
