"""Back-office configuration of offices, platforms and users (never the workbench)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from jubao.accounts.models import Office, Platform, RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (None, {"fields": ("display_name", "office", "platform")}),
    )
    inlines = [RoleGrantInline]
    list_display = ("username", "display_name", "office", "platform", "is_active")


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "level", "parent")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "icp_number", "jurisdiction", "status")
    search_fields = ("name", "icp_number")
