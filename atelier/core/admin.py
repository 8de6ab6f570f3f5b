from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AccessLog

# The admin of every app speaks French first (model and field names included; English in
# /en/admin/ through the translation catalogue).
admin.site.site_header = _("Administration d'Atelier")
admin.site.site_title = _("Administration d'Atelier")
admin.site.index_title = _("Tableau de bord")


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "object_type", "object_id", "detail"]
    list_filter = ["action", "object_type"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
