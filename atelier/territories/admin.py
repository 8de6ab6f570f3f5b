from django.contrib import admin

from .models import Commune, Departement, Grouping, LegalCategory, NafCode, Region


class ReadOnlyReferenceAdmin(admin.ModelAdmin):
    """Reference data is loaded by `atelier load-reference`, not edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyReferenceAdmin):
    list_display = ["code", "name"]


@admin.register(Departement)
class DepartementAdmin(ReadOnlyReferenceAdmin):
    list_display = ["code", "name", "region"]


@admin.register(Grouping)
class GroupingAdmin(ReadOnlyReferenceAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(Commune)
class CommuneAdmin(ReadOnlyReferenceAdmin):
    list_display = ["code", "name", "kind", "departement", "population", "position_precision"]
    list_filter = ["kind", "position_precision", "region"]
    search_fields = ["name", "code"]


@admin.register(NafCode)
class NafCodeAdmin(ReadOnlyReferenceAdmin):
    list_display = ["code", "label", "level", "section"]
    list_filter = ["level", "section"]
    search_fields = ["code", "label"]


@admin.register(LegalCategory)
class LegalCategoryAdmin(ReadOnlyReferenceAdmin):
    list_display = ["code", "label", "ess_family"]
    list_filter = ["ess_family"]
    search_fields = ["code", "label"]
