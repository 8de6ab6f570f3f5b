"""Staff admin of the schemes catalogue.

- A scheme's lists (audiences, stages…) are checkboxes of the questionnaire's values, its
  perimeter one "level:code" key per line, checked against the reference (services.catalogue,
  the same checks as the catalogue file).
- Its parameters are dated values in an inline: a change is a new value with its start date,
  so the history is kept and an answer given on an earlier day stays the same. A value already
  in force (start today or before) cannot be changed or deleted there; a value to come can.
  Who entered a value is recorded.
- Entries whose facts were last checked more than SUPPORT_STALE_AFTER_DAYS ago (or never)
  are flagged: a list filter and a column (and the staff page /dispositifs/a-verifier/).
"""

import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import Scheme, SchemeParameter
from ..rules.registry import rule_choices
from ..rules.texts import value_label
from ..selectors.catalogue import is_stale, stale_after_days, today
from ..services.catalogue import LIST_VALUES, RESERVED_SLUGS, list_clean, perimeter_clean


def _list_choices(name: str) -> list[tuple[str, str]]:
    field = {"audiences": "situations", "stages": "stage", "projects": "project"}.get(name)
    field = field or {"legal_forms": "legal_form", "needs": "needs", "sectors": "sector"}[name]
    return [(v, value_label(field, v)) for v in LIST_VALUES[name]]


class SchemeAdminForm(forms.ModelForm):
    perimeter_text = forms.CharField(
        label=_("périmètre"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Un territoire par ligne, niveau:code : country:FR, region:11, departement:75, "
            "epci:…, ept:…, commune:93066, arrondissement:75119."
        ),
    )
    sources_text = forms.CharField(
        label=_("sources"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Une source par ligne : titre | adresse (l'adresse est facultative)."),
    )
    rule = forms.ChoiceField(label=_("règle d'éligibilité"), choices=())

    class Meta:
        model = Scheme
        fields = [
            "slug",
            "name",
            "summary",
            "kind",
            "operator",
            "operator_name",
            "variant_of",
            "audiences",
            "stages",
            "projects",
            "legal_forms",
            "sectors",
            "needs",
            "rule",
            "state",
            "opens_on",
            "closes_on",
            "last_checked_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = rule_choices()
        for name in LIST_VALUES:
            self.fields[name] = forms.MultipleChoiceField(
                label=Scheme._meta.get_field(name).verbose_name,
                choices=_list_choices(name),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Aucune case cochée : pas de condition."),
                initial=getattr(self.instance, name, None) or [],
            )
        if self.instance.pk:
            self.fields["perimeter_text"].initial = "\n".join(self.instance.perimeter or [])
            self.fields["sources_text"].initial = "\n".join(
                " | ".join(p for p in (s.get("title", ""), s.get("url", "")) if p)
                for s in self.instance.sources or []
            )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("Cet identifiant est réservé à une page du catalogue."))
        return slug

    def clean_perimeter_text(self):
        lines = [line.strip() for line in self.cleaned_data["perimeter_text"].splitlines()]
        return perimeter_clean([line for line in lines if line])

    def clean_sources_text(self):
        sources = []
        for line in self.cleaned_data["sources_text"].splitlines():
            title, _sep, url = (part.strip() for part in line.partition("|"))
            if title or url:
                if url and not url.startswith(("https://", "http://")):
                    raise ValidationError(_("Adresse de source invalide : %(url)s") % {"url": url})
                sources.append({"title": title or url, "url": url})
        return sources

    def clean(self):
        data = super().clean()
        for name in LIST_VALUES:
            if name in data:
                data[name] = list_clean(name, data[name])
        parent = data.get("variant_of")
        if parent is not None and self.instance.pk and parent.pk == self.instance.pk:
            self.add_error("variant_of", _("Un dispositif n'est pas la déclinaison de lui-même."))
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("La clôture précède l'ouverture."))
        return data

    def save(self, commit=True):
        self.instance.perimeter = self.cleaned_data["perimeter_text"]
        self.instance.sources = self.cleaned_data["sources_text"]
        return super().save(commit)


class ParameterInlineForm(forms.ModelForm):
    """A dated value; frozen once in force (its start is today or before)."""

    class Meta:
        model = SchemeParameter
        fields = ["name", "start", "value", "is_example", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.start <= today():
            for field in self.fields.values():
                field.disabled = True


class ParameterFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            row = form.instance
            if data.get("DELETE") and row.pk and row.start <= today():
                raise ValidationError(
                    _(
                        "La valeur de %(name)s en vigueur depuis le %(start)s ne peut pas être "
                        "supprimée : des réponses ont pu l'appliquer. Ajoutez une nouvelle valeur "
                        "à partir de la date du changement."
                    )  # fmt: skip
                    % {"name": row.name, "start": row.start.strftime("%d/%m/%Y")}
                )


class ParameterInline(admin.TabularInline):
    model = SchemeParameter
    form = ParameterInlineForm
    formset = ParameterFormSet
    fields = ["name", "start", "value", "is_example", "source", "set_by"]
    readonly_fields = ["set_by"]
    extra = 1
    ordering = ["name", "start"]
    verbose_name = _("valeur datée")
    verbose_name_plural = _(
        "valeurs datées des paramètres (un changement = une nouvelle valeur à partir de sa date)"
    )


class StaleFilter(admin.SimpleListFilter):
    title = _("vérification")
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [("stale", _("à vérifier")), ("fresh", _("vérifié récemment"))]

    def queryset(self, request, queryset):
        limit = today() - datetime.timedelta(days=stale_after_days())
        stale = Q(last_checked_on__isnull=True) | Q(last_checked_on__lt=limit)
        if self.value() == "stale":
            return queryset.filter(stale)
        if self.value() == "fresh":
            return queryset.exclude(stale)
        return queryset


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    form = SchemeAdminForm
    inlines = [ParameterInline]
    list_display = ["name", "kind", "state", "operator_shown", "last_checked_on", "to_check"]
    list_filter = [StaleFilter, "kind", "state"]
    search_fields = ["name", "slug", "summary", "operator_name"]
    raw_id_fields = ["operator"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["slug", "name", "summary", "kind", "operator", "operator_name"]}),
        (_("Territoire"), {"fields": ["perimeter_text", "variant_of"]}),
        (
            _("Pour qui"),
            {"fields": ["audiences", "stages", "projects", "legal_forms", "sectors", "needs"]},
        ),
        (_("Règle et état"), {"fields": ["rule", "state", "opens_on", "closes_on"]}),
        (_("Sources"), {"fields": ["sources_text", "last_checked_on"]}),
    ]

    @admin.display(description=_("opérateur"))
    def operator_shown(self, obj):
        return obj.operator or obj.operator_name or "—"

    @admin.display(description=_("à vérifier"), boolean=True)
    def to_check(self, obj):
        return is_stale(obj.last_checked_on)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("operator")

    def save_formset(self, request, form, formset, change):
        rows = formset.save(commit=False)
        for row in rows:
            if row.pk is None:
                row.set_by = request.user
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()
