"""WHO: organisations (legal entities and natural persons) and the people who act for them.

The admin is an interface like the pages and the API (issue 8 item 2): adding or changing a person or
an organisation here calls parties.actions (save_model), so an administrator adding, moving or
deactivating a person goes through the same checks, history and deal visibility as a command or a
test. The forms show the actions' own validation (clean_person, clean_organisation) next to the field.
Nothing is deleted: a person is deactivated, an organisation is kept (the history and deals name them).
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import actions
from .access import administers
from .client import client_ip
from .models import ApiToken, Organisation, User

PERSON_ADD_FIELDS = ("username", "first_name", "last_name", "email", "organisation", "title", "language")


class ActionAdmin(admin.ModelAdmin):
    """A refusal from the action that the form did not foresee (say a name taken a moment ago) is shown
    as a message on the same page; the admin's transaction has rolled back, so nothing was written."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except actions.InvalidInput as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(request.get_full_path())

    def has_delete_permission(self, request, obj=None):
        return False

    def save_related(self, request, form, formsets, change):
        """Nothing to save: the action in save_model wrote every field, groups and permissions included."""


def _action_errors(form, check):
    """Run one of the actions' validations on a form's cleaned data; its message goes next to the field."""
    try:
        form.cleaned_data.update(check())
    except actions.InvalidInput as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = actions.ORGANISATION_FIELDS

    def clean(self):
        cleaned = super().clean()
        names = [name for name in self.changed_data if name in actions.ORGANISATION_FIELDS and name in cleaned]
        organisation = self.instance if self.instance.pk else None
        _action_errors(
            self, lambda: actions.clean_organisation({n: cleaned[n] for n in names}, organisation=organisation)
        )
        return self.cleaned_data


@admin.register(Organisation)
class OrganisationAdmin(ActionAdmin):
    form = OrganisationForm
    list_display = ("name", "name_zh", "kind", "jurisdiction")
    search_fields = ("name", "name_zh", "registration_number")

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in actions.ORGANISATION_FIELDS if name in form.cleaned_data}
        if change:
            actions.change_organisation(request.user, obj, **{n: values[n] for n in form.changed_data if n in values})
            return
        _became(obj, actions.add_organisation(request.user, **values))


class PersonFormMixin:
    """The actions' validation of a person (parties.actions.clean_person), field by field."""

    def clean(self):
        cleaned = super().clean()
        names = [name for name in self.changed_data if name in actions.PERSON_FIELDS and name in cleaned]
        person = self.instance if self.instance.pk else None
        _action_errors(self, lambda: actions.clean_person({n: cleaned[n] for n in names}, person=person))
        return self.cleaned_data


class PersonCreationForm(PersonFormMixin, AdminUserCreationForm):
    pass


class PersonChangeForm(PersonFormMixin, UserChangeForm):
    pass


@admin.register(User)
class UserAdmin(ActionAdmin, BaseUserAdmin):
    form = PersonChangeForm
    add_form = PersonCreationForm
    list_display = ("username", "get_full_name", "organisation", "email", "is_staff", "is_active")
    list_filter = ("organisation", "is_staff", "is_active")
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Party"), {"fields": ("organisation", "title", "language")}))
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Party"), {"fields": ("organisation", "title", "language")}),
    )

    def get_readonly_fields(self, request, obj=None):
        """Sign-in dates are facts, not settings; privileges are granted by a superuser only (change_person)."""
        fields = ["last_login", "date_joined"]
        if not request.user.is_superuser:
            fields += actions.PRIVILEGES
        return fields

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "language":
            return forms.ChoiceField(
                label=db_field.verbose_name, choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in actions.PERSON_FIELDS}
            actions.change_person(request.user, obj, **changes)
            return
        password = data.get("password1") if data.get("set_usable_password", True) else None
        values = {name: data[name] for name in PERSON_ADD_FIELDS if name in data}
        _became(obj, actions.add_person(request.user, password=password, **values))


def _became(obj, saved):
    """The admin goes on with its own unsaved instance (the change message, the redirect): give it the
    identity of the row the action wrote."""
    obj.pk = saved.pk
    obj._state.adding, obj._state.db = False, saved._state.db


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Staff see every person's API tokens and revoke them (a lost laptop, a person who left) through
    parties.actions.revoke_token, which needs parties.revoke_apitoken and records who did it. Nothing
    else: a token is made only by its owner (a token made by staff would let them act as that person),
    and none is edited or deleted (the history names them)."""

    list_display = ("label", "user", "hint", "created_at", "last_used_at", "last_used_ip", "revoked_at", "revoked_by")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("label", "user__username", "hint")
    list_select_related = ("user", "revoked_by")
    readonly_fields = [field.name for field in ApiToken._meta.fields if field.name != "key_hash"]
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected API tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                actions.revoke_token(request.user, token, ip=client_ip(request))
            except actions.PartiesError as exc:
                messages.error(request, exc.message)
            else:
                revoked += 1
        message = ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", revoked)
        messages.success(request, message % {"count": revoked})

    def has_revoke_permission(self, request):
        return administers(request.user, "parties.revoke_apitoken")
