"""The staff form of a custom territory (its rules are in services.custom)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CustomTerritoryForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=200)
    code = forms.SlugField(
        label=_("Code (adresse de la page)"),
        max_length=40,
        required=False,
        help_text=_(
            "Lettres minuscules, chiffres et tirets ; tiré du nom si vide. Il ne change plus."
        ),
    )
    network = forms.TypedChoiceField(label=_("Réseau propriétaire"), coerce=int)
    communes = forms.CharField(
        label=_("Communes"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Une commune par ligne : code INSEE (93066) ou nom (Saint-Denis). Un nom porté par "
            "plusieurs communes demande le code."
        ),
    )

    def __init__(self, *args, networks: list[tuple[int, str]], editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = networks
        if editing:
            del self.fields["code"]
            del self.fields["network"]
