"""Administration of the support journeys.

- **Support structures** (with their advisors): the staff of a network manage their network's
  structures (filters chosen from the questionnaire's lists; territories as "level:code" keys,
  checked against the reference); superusers manage all.
- **Cases**: read-only (they change through the case pages and services), visible as on the
  case pages (selectors.cases); each case page opened is access-logged; actions export the
  holders' data (JSON, CSV) and erase it (RGPD)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from atelier.accounts.enums import Role
from atelier.accounts.selectors import users_with_network_role
from atelier.core.services import access_log_record
from atelier.directory.enums import HeadcountBand

from ..enums import LegalForm, Need, Stage
from ..models import Case, StructureAdvisor, SupportStructure
from ..selectors.cases import cases_staffed_by, cases_visible_to, staff_network_ids
from ..selectors.places import territory_key_valid
from ..services.privacy import case_data_csv, case_data_erase, case_data_export, case_data_json

NAF_SECTIONS = [(c, c) for c in "ABCDEFGHIJKLMNOPQRSTU"]


class SupportStructureForm(forms.ModelForm):
    territories = forms.CharField(
        label=_("Territoires couverts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Une clé par ligne : country:FR, region:11, departement:75, epci:200054781, "
            "ept:200057867, commune:93066, arrondissement:75119. Vide : partout."
        ),
    )
    naf_sections = forms.MultipleChoiceField(
        label=_("Secteurs (sections NAF)"),
        choices=NAF_SECTIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucun coché : tous les secteurs."),
    )
    legal_forms = forms.MultipleChoiceField(
        label=_("Formes juridiques"),
        choices=LegalForm.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucune cochée : toutes."),
    )
    stages = forms.MultipleChoiceField(
        label=_("Étapes du projet"),
        choices=Stage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucune cochée : toutes."),
    )
    needs = forms.MultipleChoiceField(
        label=_("Besoins"),
        choices=Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucun coché : tous (au moins un besoin en commun sinon)."),
    )
    headcount_bands = forms.MultipleChoiceField(
        label=_("Tranches d'effectif"),
        choices=HeadcountBand.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucune cochée : toutes."),
    )

    class Meta:
        model = SupportStructure
        fields = [
            "organisation",
            "network",
            "label",
            "is_active",
            "territories",
            "naf_sections",
            "legal_forms",
            "stages",
            "needs",
            "headcount_bands",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["territories"] = "\n".join(self.instance.territories)

    def clean_territories(self) -> list[str]:
        keys = [k.strip() for k in self.cleaned_data["territories"].splitlines() if k.strip()]
        wrong = [k for k in keys if not territory_key_valid(k)]
        if wrong:
            raise forms.ValidationError(
                _("Territoire(s) inconnu(s) : %(keys)s.") % {"keys": ", ".join(wrong)}
            )
        return list(dict.fromkeys(keys))


class StructureAdvisorInline(admin.TabularInline):
    """The advisors, chosen among the users holding the advisor role in the staff user's
    networks (every active user for a superuser): no other account is listed."""

    model = StructureAdvisor
    extra = 1
    verbose_name = _("conseiller·ère")
    verbose_name_plural = _(
        "conseiller·ères (il leur faut aussi le rôle « conseiller·ère » dans le réseau)"
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            if request.user.is_superuser:
                users = get_user_model().objects.filter(is_active=True)
            else:
                users = users_with_network_role(
                    staff_network_ids(request.user), roles=[Role.ADVISOR]
                )
            kwargs["queryset"] = users.order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class NetworkScoped:
    """Staff users see and change their networks' objects only (superusers: all)."""

    network_field = "network_id"

    def _networks(self, request) -> set[int] | None:
        if request.user.is_superuser:
            return None
        if not hasattr(request, "_support_staff_networks"):
            request._support_staff_networks = staff_network_ids(request.user)
        return request._support_staff_networks

    def _may(self, request, obj) -> bool:
        allowed = self._networks(request)
        return obj is None or allowed is None or getattr(obj, self.network_field) in allowed


@admin.register(SupportStructure)
class SupportStructureAdmin(NetworkScoped, admin.ModelAdmin):
    form = SupportStructureForm
    list_display = ["__str__", "organisation", "network", "is_active"]
    list_filter = ["network", "is_active"]
    search_fields = ["label", "organisation__name"]
    autocomplete_fields = ["organisation"]
    inlines = [StructureAdvisorInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("organisation", "network")
        allowed = self._networks(request)
        return qs if allowed is None else qs.filter(network_id__in=allowed)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        allowed = self._networks(request)
        if db_field.name == "network" and allowed is not None:
            kwargs["queryset"] = db_field.related_model.objects.filter(pk__in=allowed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._may(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may(request, obj)

    def has_add_permission(self, request):
        allowed = self._networks(request)
        return super().has_add_permission(request) and (allowed is None or bool(allowed))


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "network", "state", "outcome", "created_at", "anonymised_at"]
    list_filter = ["state", "outcome", "network"]
    search_fields = ["reference", "email"]
    actions = ["export_json", "export_csv", "erase_personal_data"]
    exclude = ["holder_token_hash"]

    def get_queryset(self, request):
        return cases_visible_to(request.user).select_related("network", "taken_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and object_id:
            raise Http404  # not one of the user's cases: do not confirm it exists
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            case = self.get_object(request, object_id)
            access_log_record(user=request.user, action="view", obj=case, detail="admin")
        return response

    def _export(self, request, queryset, fmt: str) -> HttpResponse:
        records = case_data_export(user=request.user, cases=queryset, reason="admin : export RGPD")
        if fmt == "json":
            response = HttpResponse(
                case_data_json(records), content_type="application/json; charset=utf-8"
            )
        else:
            response = HttpResponse(
                "\ufeff" + case_data_csv(records), content_type="text/csv; charset=utf-8"
            )
        response["Content-Disposition"] = f'attachment; filename="dossiers-donnees.{fmt}"'
        return response

    @admin.action(
        description=_("Exporter les données personnelles (RGPD, JSON)"), permissions=["view"]
    )
    def export_json(self, request, queryset):
        return self._export(request, queryset, "json")

    @admin.action(
        description=_("Exporter les données personnelles (RGPD, CSV)"), permissions=["view"]
    )
    def export_csv(self, request, queryset):
        return self._export(request, queryset, "csv")

    @admin.action(description=_("Effacer les données personnelles (RGPD)"), permissions=["view"])
    def erase_personal_data(self, request, queryset):
        # The staff of the cases' networks only (an advisor with admin access reads them).
        queryset = queryset.filter(pk__in=cases_staffed_by(request.user).values("pk"))
        if request.POST.get("confirm") == "yes":
            erased = case_data_erase(
                user=request.user, cases=queryset, reason="admin : effacement RGPD"
            )
            self.message_user(
                request,
                ngettext(
                    "Données personnelles effacées pour %(n)d dossier.",
                    "Données personnelles effacées pour %(n)d dossiers.",
                    erased,
                )
                % {"n": erased},
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Effacer les données personnelles de ces dossiers ?"),
            "opts": self.model._meta,
            "cases": queryset,
            "objects": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "erase_personal_data",
        }
        return TemplateResponse(request, "admin/support/case/erase.html", context)
