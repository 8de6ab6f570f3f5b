from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Network, NetworkRole, User


class NetworkRoleInline(admin.TabularInline):
    model = NetworkRole
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [NetworkRoleInline]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent"]
    prepopulated_fields = {"slug": ["name"]}
