"""Forms of the public pages of the Atlas that write: proposing a change, deciding on one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from atelier.territories.selectors import legal_category_families, naf_codes

from .enums import HeadcountBand
from .models import Organisation

ACTIVE_CHOICES = [("1", _("en activité")), ("0", _("a cessé son activité"))]


class DateInput(forms.DateInput):
    input_type = "date"


class ProposalForm(forms.Form):
    """The fields of an organisation anyone may propose to change, filled with its values;
    the values that differ become the proposal (services.proposals)."""

    name = forms.CharField(label=_("Nom"), max_length=255)
    acronym = forms.CharField(label=_("Sigle"), max_length=64, required=False)
    website = forms.URLField(
        label=_("Site web"), max_length=200, required=False, assume_scheme="https"
    )
    description = forms.CharField(
        label=_("Présentation"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    legal_category = forms.CharField(
        label=_("Catégorie juridique (code INSEE à 4 chiffres)"),
        max_length=4,
        required=False,
    )
    naf = forms.CharField(
        label=_("Activité principale (code NAF, par exemple 88.99B)"),
        max_length=6,
        required=False,
    )
    creation_date = forms.DateField(label=_("Date de création"), required=False, widget=DateInput)
    headcount_band = forms.ChoiceField(label=_("Effectif salarié"), choices=HeadcountBand.choices)
    is_active = forms.ChoiceField(label=_("Activité"), choices=ACTIVE_CHOICES)
    message = forms.CharField(
        label=_("Message (l'erreur constatée, vos sources)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    email = forms.EmailField(
        label=_("Votre adresse électronique"),
        help_text=_(
            "Nous vous envoyons un lien pour confirmer la proposition, puis la décision. "
            "Elle n'est ni publiée ni utilisée à d'autres fins."
        ),
    )

    def __init__(self, organisation: Organisation, *args: Any, signed_in: bool, **kwargs: Any):
        initial = {
            "name": organisation.name,
            "acronym": organisation.acronym,
            "website": organisation.website,
            "description": organisation.description,
            "legal_category": organisation.legal_category_id or "",
            "naf": organisation.naf_id or "",
            "creation_date": organisation.creation_date,
            "headcount_band": organisation.headcount_band,
            "is_active": "1" if organisation.is_active else "0",
        }
        super().__init__(*args, initial=initial, **kwargs)
        if signed_in:
            del self.fields["email"]
        else:
            self.fields["email"].widget.attrs["autocomplete"] = "email"
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_help"

    def clean_legal_category(self) -> str:
        code = self.cleaned_data["legal_category"].strip()
        if code and code not in legal_category_families():
            raise forms.ValidationError(_("Cette catégorie juridique n'existe pas."))
        return code

    def clean_naf(self) -> str:
        code = self.cleaned_data["naf"].strip().upper()
        if code and code not in naf_codes():
            raise forms.ValidationError(_("Ce code NAF n'existe pas."))
        return code

    def proposed_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "acronym": data["acronym"].strip(),
            "website": data["website"],
            "description": data["description"].strip(),
            "legal_category": data["legal_category"],
            "naf": data["naf"],
            "creation_date": data["creation_date"].isoformat() if data["creation_date"] else "",
            "headcount_band": data["headcount_band"],
            "is_active": data["is_active"] == "1",
        }


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (envoyé à l'auteur·rice)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
