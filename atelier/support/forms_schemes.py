"""Forms of the support app's pages: the catalogue's filters (a GET form, works without
JavaScript)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .enums import LegalForm, Need, Project, SchemeKind, SchemeState, Situation, Stage

ANY = [("", _("tous"))]


def _choices(enum, *, without=()):
    return ANY + [(m.value, m.label) for m in enum if m.value not in without]


class SchemeFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Mots du nom ou de la présentation"), required=False, max_length=100
    )
    territory = forms.CharField(
        label=_("Territoire"),
        required=False,
        max_length=40,
        help_text=_(
            "Code INSEE d'une commune (75119 = Paris 19e) ou niveau:code (departement:75, "
            "region:11)."
        ),
    )
    kind = forms.ChoiceField(label=_("Nature"), choices=_choices(SchemeKind), required=False)
    state = forms.ChoiceField(label=_("État"), choices=_choices(SchemeState), required=False)
    audience = forms.ChoiceField(
        label=_("Public"), choices=_choices(Situation, without={"none"}), required=False
    )
    stage = forms.ChoiceField(label=_("Étape du projet"), choices=_choices(Stage), required=False)
    project = forms.ChoiceField(
        label=_("Type de projet"), choices=_choices(Project), required=False
    )
    legal_form = forms.ChoiceField(
        label=_("Forme juridique"),
        choices=_choices(LegalForm, without={"undecided"}),
        required=False,
    )
    need = forms.ChoiceField(label=_("Besoin"), choices=_choices(Need), required=False)
