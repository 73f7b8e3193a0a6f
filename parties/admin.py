from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "kind", "jurisdiction")
    search_fields = ("name", "name_zh", "registration_number")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "organisation", "email", "is_staff")
    list_filter = ("organisation", "is_staff", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + ((_("Party"), {"fields": ("organisation", "title", "language")}),)
