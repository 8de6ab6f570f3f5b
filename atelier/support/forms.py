"""Forms of the support journeys: the holder's request (consent and minimal contact), and the
advisors' actions on a case. Validation rules live in the services; the forms only carry the
values (and show the services' messages on their fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .enums import CaseOutcome, CaseState, ContactWay
from .services.attachments import allowed_extensions
from .services.cases import FIRST_NAME_MAX, CaseContact, consent_wording


class CaseRequestForm(forms.Form):
    """What a project holder gives to be contacted: nothing more (no name, no address, no
    document)."""

    first_name = forms.CharField(
        label=_("Prénom ou pseudonyme"),
        max_length=FIRST_NAME_MAX,
        required=False,
        help_text=_("Comment la personne qui vous contactera peut vous appeler."),
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    email = forms.CharField(
        label=_("Adresse électronique"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        required=False,
        max_length=25,
        help_text=_("Une adresse électronique ou un téléphone suffit."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    contact_way = forms.ChoiceField(
        label=_("Je préfère être contacté·e"),
        choices=ContactWay.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(label="", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = consent_wording()

    def contact(self) -> CaseContact:
        data = self.cleaned_data
        return CaseContact(
            first_name=data.get("first_name", ""),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            contact_way=data.get("contact_way", ""),
        )

    def add_service_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)


class CaseFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[("", _("tous")), ("open", _("ouverts (non clos)")), *CaseState.choices],
    )
    structure = forms.TypedChoiceField(
        label=_("Structure"), required=False, coerce=int, empty_value=None
    )
    mine = forms.BooleanField(label=_("Seulement les dossiers que j'ai pris"), required=False)

    def __init__(self, *args: Any, structures: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["structure"].choices = [("", _("toutes"))] + [
            (s.pk, f"{s.display_name} ({s.network.name})") for s in structures
        ]


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(
        choices=[(CaseState.IN_PROGRESS, ""), (CaseState.NEW, "")], widget=forms.HiddenInput
    )
    text = forms.CharField(
        label=_("Commentaire (facultatif)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Issue"), choices=CaseOutcome.choices, widget=forms.RadioSelect
    )
    scheme = forms.TypedChoiceField(
        label=_("Dispositif (projet financé)"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    amount = forms.DecimalField(
        label=_("Montant obtenu en euros (projet financé)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        localize=True,
    )
    text = forms.CharField(
        label=_("Commentaire (facultatif)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, schemes: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheme"].choices = [("", "—"), *schemes]


class ReopenForm(forms.Form):
    text = forms.CharField(
        label=_("Pourquoi rouvrir ce dossier ? (facultatif)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=5000,
        help_text=_(
            "Visible des conseiller·ères et de l'équipe du réseau, jamais du porteur ou de la "
            "porteuse. Seulement ce qui sert l'accompagnement."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NextActionForm(forms.Form):
    on = forms.DateField(
        label=_("Date de la prochaine action"),
        required=False,
        help_text=_("Vide : aucune action prévue."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    text = forms.CharField(label=_("Action prévue (facultatif)"), required=False, max_length=5000)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Document"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mb = settings.SUPPORT_ATTACHMENT_MAX_BYTES / 1024**2
        self.fields["file"].help_text = _(
            "Jamais de pièce d'identité ni de document officiel d'identité (carte, passeport, "
            "titre de séjour, carte Vitale) : ils ne sont pas nécessaires à l'accompagnement. "
            "Types acceptés : %(types)s ; %(mb).0f Mo au plus."
        ) % {"types": allowed_extensions(), "mb": mb}


class RouteForm(forms.Form):
    structure = forms.TypedChoiceField(label=_("Orienter aussi vers"), coerce=int)

    def __init__(self, *args: Any, structures: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["structure"].choices = [
            (s.pk, f"{s.display_name} ({s.network.name})") for s in structures
        ]
