"""The orientation questionnaire (/orientation/): a GET form, so that the results page's address
is the shareable link (the answers about the project, never a name or a contact)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from atelier.directory.enums import HeadcountBand

from .enums import LegalForm, Need, Project, Situation, Stage
from .profile import Profile
from .selectors.places import communes_matching, sector_labels

MAX_AMOUNT = 10_000_000
PLACE_CHOICES = 8  # communes offered when the place typed is ambiguous


class QuestionnaireForm(forms.Form):
    lieu = forms.CharField(
        label=_("Où se trouve votre projet ?"),
        help_text=_("Une commune, un arrondissement (« Paris 19e ») ou un code postal."),
        max_length=100,
    )
    commune = forms.ChoiceField(
        label=_("Précisez la commune"), required=False, widget=forms.RadioSelect
    )
    stage = forms.ChoiceField(
        label=_("Où en est votre projet ?"), choices=Stage.choices, widget=forms.RadioSelect
    )
    project = forms.ChoiceField(
        label=_("Quel est votre projet ?"), choices=Project.choices, widget=forms.RadioSelect
    )
    legal_form = forms.ChoiceField(
        label=_("Sous quelle forme ?"),
        choices=LegalForm.choices,
        initial=LegalForm.UNDECIDED,
        required=False,
    )
    amount = forms.IntegerField(
        label=_("De combien d'argent avez-vous besoin ? (en euros)"),
        help_text=_("Laissez vide si vous ne savez pas encore."),
        min_value=0,
        max_value=MAX_AMOUNT,
        required=False,
    )
    situations = forms.MultipleChoiceField(
        label=_("Votre situation (plusieurs réponses possibles)"),
        choices=Situation.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sector = forms.ChoiceField(label=_("Dans quel secteur ?"), required=False)
    headcount_band = forms.ChoiceField(
        choices=[("", "")] + [(b, b) for b in HeadcountBand.values],
        required=False,
        widget=forms.HiddenInput,
    )  # only from a SIREN/SIRET pre-fill (the structures' routing reads it)
    needs = forms.MultipleChoiceField(
        label=_("De quoi avez-vous besoin ? (plusieurs réponses possibles)"),
        choices=Need.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [("", _("je ne sais pas / autre"))] + [
            (letter, f"{letter} — {label}") for letter, label in sorted(sector_labels().items())
        ]
        self.places: list[tuple[str, str]] = []
        if self.is_bound:
            self.places = communes_matching(str(self.data.get("lieu", "")), limit=PLACE_CHOICES)
            self.fields["commune"].choices = self.places
        if len(self.places) < 2:
            self.fields["commune"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "lieu" not in data:
            return data
        codes = [code for code, _label in self.places]
        chosen = data.get("commune") or ""
        if not codes:
            self.add_error(
                "lieu",
                _(
                    "Aucune commune ne correspond à « %(lieu)s ». "
                    "Essayez son nom ou son code postal."
                )
                % {"lieu": data["lieu"]},
            )
        elif chosen in codes:
            data["commune_code"] = chosen
        elif len(codes) == 1:
            data["commune_code"] = codes[0]
        else:
            self.add_error(
                "commune",
                _("Plusieurs communes correspondent à « %(lieu)s » : choisissez la vôtre.")
                % {"lieu": data["lieu"]},
            )
        return data

    def profile(self) -> Profile:
        """The answers as a Profile (after is_valid())."""
        data = self.cleaned_data
        return Profile(
            stage=Stage(data["stage"]),
            project=Project(data["project"]),
            commune=data["commune_code"],
            legal_form=LegalForm(data.get("legal_form") or LegalForm.UNDECIDED),
            amount=data.get("amount"),
            situations=frozenset(Situation(s) for s in data.get("situations") or ()),
            sector=data.get("sector") or "",
            needs=frozenset(Need(n) for n in data.get("needs") or ()),
            headcount_band=data.get("headcount_band") or "",
        )
