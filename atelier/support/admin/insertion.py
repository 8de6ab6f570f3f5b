"""Staff admin of the support app.

Premières heures: structures, beneficiaries (with their contracts and hours, read-only here:
they are entered through the Premières heures pages, whose services check the rules). A staff
user sees the structures and beneficiaries of the networks where they hold the staff role;
superusers see all. Opening a beneficiary writes an access-log entry; two actions answer a
person's requests — export their data (CSV) and erase them (after a confirmation page), both
logged (services.insertion_personal_data)."""

from django.contrib import admin
from django.contrib.admin import helpers
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from atelier.accounts.enums import Role
from atelier.accounts.selectors import user_network_ids

from ..models import Beneficiary, Contract, InsertionStructure, MonthlyHours
from ..services.insertion_personal_data import (
    beneficiaries_access_log,
    beneficiary_erase,
    beneficiary_export,
    beneficiary_export_csv,
)


class NetworkScoped:
    """Rows of the networks where the user is staff (all for a superuser)."""

    network_path = "network"

    def _network_ids(self, request) -> set[int] | None:
        if request.user.is_superuser:
            return None
        if not hasattr(request, "_ph_network_ids"):
            request._ph_network_ids = user_network_ids(request.user, roles=[Role.STAFF])
        return request._ph_network_ids

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        allowed = self._network_ids(request)
        return qs if allowed is None else qs.filter(**{f"{self.network_path}_id__in": allowed})

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and object_id:
            raise Http404  # another network's row: do not even confirm it exists
        return obj


@admin.register(InsertionStructure)
class InsertionStructureAdmin(NetworkScoped, admin.ModelAdmin):
    list_display = ["organisation", "network", "created_at"]
    list_filter = ["network"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation", "network"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "network":
            allowed = self._network_ids(request)
            if allowed is not None:
                kwargs["queryset"] = db_field.related_model.objects.filter(pk__in=allowed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ContractInline(admin.TabularInline):
    model = Contract
    fields = ("start", "end", "outcome", "set_by")
    readonly_fields = ("start", "end", "outcome", "set_by")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Beneficiary)
class BeneficiaryAdmin(NetworkScoped, admin.ModelAdmin):
    network_path = "structure__network"
    list_display = ["reference", "structure", "erased_at"]
    list_filter = ["structure__network"]
    search_fields = ["reference"]
    list_select_related = ["structure__organisation", "structure__network"]
    fields = ["structure", "reference", "erased_at", "hours_display"]
    readonly_fields = ["structure", "erased_at", "hours_display"]
    inlines = [ContractInline]
    actions = ["export_personal_data", "erase_personal_data"]

    @admin.display(description=_("heures par mois"))
    def hours_display(self, obj: Beneficiary) -> str:
        rows = MonthlyHours.objects.filter(contract__beneficiary=obj).order_by("month")
        return ", ".join(f"{h.month:%m/%Y} : {h.hours} h" for h in rows) or "—"

    def has_add_permission(self, request):
        return False  # through the Premières heures pages (services validate)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if request.method == "GET" and response.status_code == 200 and changelist is not None:
            beneficiaries_access_log(
                user=request.user,
                beneficiaries=list(changelist.result_list),
                action="view",
                detail="admin : liste des bénéficiaires Premières heures",
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, object_id)
            beneficiaries_access_log(
                user=request.user,
                beneficiaries=[obj],
                action="view",
                detail="admin : bénéficiaire Premières heures",
            )
        return response

    @admin.action(
        description=_("Exporter les données personnelles (RGPD, CSV)"), permissions=["view"]
    )
    def export_personal_data(self, request, queryset):
        records = beneficiary_export(
            user=request.user, beneficiaries=queryset, reason="admin : export RGPD"
        )
        response = HttpResponse(
            "\ufeff" + beneficiary_export_csv(records), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            'attachment; filename="premieres-heures-donnees-personnelles.csv"'
        )
        return response

    @admin.action(description=_("Effacer les bénéficiaires (RGPD)"), permissions=["change"])
    def erase_personal_data(self, request, queryset):
        if request.POST.get("confirm") == "yes":
            erased = beneficiary_erase(
                user=request.user, beneficiaries=queryset, reason="admin : effacement RGPD"
            )
            self.message_user(
                request,
                ngettext(
                    "%(n)d bénéficiaire effacé·e (référence remplacée, plus aucune saisie).",
                    "%(n)d bénéficiaires effacé·es (références remplacées, plus aucune saisie).",
                    erased,
                )
                % {"n": erased},
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Effacer ces bénéficiaires ?"),
            "opts": self.model._meta,
            "beneficiaries": queryset.select_related("structure__organisation"),
            "objects": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "erase_personal_data",
        }
        return TemplateResponse(request, "admin/support/beneficiary/erase.html", context)
