"""Staff admin. History, ledger, signatures, instruments, documents, holds and penalty days are
read-only; deals and tranches can be created with their terms, never edited into another state.
Roles are added through escrow.actions.add_party, so the history and visibility follow."""
from django.contrib import admin
from django.core.exceptions import ValidationError
from django import forms
from django.utils.translation import gettext_lazy as _

from escrow import actions
from escrow.contract.calendar import is_known_calendar, release_due
from escrow.models import (
    ShareMovement,
    HistoryChain, HistoryEntry, AuditReport, CalendarOverride, Deal, DealParty, Hold, Instrument, Notification,
    OutboxMessage, PenaltyDay, SharePrice, Signature, StoredDocument, Tranche,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff; nothing can be added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CreateOnlyAdmin(admin.ModelAdmin):
    """Staff may add rows; an existing row is never edited or deleted."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TrancheInline(admin.TabularInline):
    model = Tranche
    fields = ("year", "period_start", "period_end", "target_revenue")
    extra = 5
    can_delete = False

    def get_extra(self, request, obj=None, **kwargs):
        return 5 if obj is None else 0

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.fields

    def has_add_permission(self, request, obj=None):
        return obj is None

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DealForm(forms.ModelForm):
    class Meta:
        model = Deal
        exclude = ("state",)

    def clean_calendar(self):
        code = self.cleaned_data["calendar"].strip().upper()
        if not is_known_calendar(code):
            raise ValidationError(_("Unknown calendar code %(code)s (P6)."), params={"code": code})
        return code


@admin.register(Deal)
class DealAdmin(CreateOnlyAdmin):
    form = DealForm
    inlines = [TrancheInline]
    list_display = ("slug", "name", "total_shares", "tranche_count", "state", "effective_date")
    list_filter = ("state",)
    search_fields = ("slug", "name", "name_zh", "target_company")
    readonly_fields = ("state", "created_at")
    prepopulated_fields = {"slug": ("name",)}

    def save_formset(self, request, form, formset, change):
        """SPA 5.1: each new tranche's release is due 60 calendar days after its year ends."""
        for tranche in formset.save(commit=False):
            tranche.release_due_date = tranche.release_due_date or release_due(tranche.period_end).due
            tranche.save()
        formset.save_m2m()


@admin.register(Tranche)
class TrancheAdmin(ReadOnlyAdmin):
    list_display = ("deal", "year", "state", "target_revenue", "audited_revenue", "release_quantity",
                    "release_due_date", "transfer_due_date", "released_on")
    list_filter = ("state", "deal")
    list_select_related = ("deal",)


class DealPartyForm(forms.ModelForm):
    class Meta:
        model = DealParty
        fields = ("deal", "organisation", "role", "contract_name")


@admin.register(DealParty)
class DealPartyAdmin(CreateOnlyAdmin):
    """Adding a role runs actions.add_party: history entry and deal visibility in one transaction."""

    form = DealPartyForm
    list_display = ("deal", "organisation", "role", "contract_name", "approved_at", "ended_at")
    list_filter = ("role", "deal")
    list_select_related = ("deal", "organisation")

    def save_model(self, request, obj, form, change):
        party = actions.add_party(obj.deal, obj.organisation, obj.role, by=request.user,
                                  contract_name=obj.contract_name)
        obj.pk = party.pk

    def save_related(self, request, form, formsets, change):
        pass  # nothing related; the action wrote everything


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("calendar", "day", "is_business_day", "note")
    list_filter = ("calendar", "is_business_day")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SharePrice)
class SharePriceAdmin(CreateOnlyAdmin):
    """Closing prices are entered, never invented or rewritten (SPA 8.2)."""

    list_display = ("ticker", "day", "close", "currency", "source", "entered_by", "entered_at")
    list_filter = ("ticker",)
    fields = ("ticker", "day", "close", "currency", "source")

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdmin):
    list_display = ("chain", "seq", "at", "actor_name", "acting_for", "action", "from_state", "to_state", "clause")
    list_filter = ("action", "chain")
    search_fields = ("summary", "actor_name", "acting_for", "hash")
    list_select_related = ("chain",)


@admin.register(HistoryChain)
class HistoryChainAdmin(ReadOnlyAdmin):
    list_display = ("key", "length", "head_hash")


@admin.register(StoredDocument)
class StoredDocumentAdmin(ReadOnlyAdmin):
    list_display = ("deal", "tranche", "kind", "sha256", "size", "original_name", "uploaded_by", "uploaded_at")
    list_filter = ("kind",)
    exclude = ("file",)  # bytes leave only through the permission-checked download view


for model, columns in [
    (Instrument, ("tranche", "kind", "status", "quantity", "created_at", "effective_at")),
    (Signature, ("instrument", "party", "signer", "sha256", "signed_at", "auth_method", "ip_address")),
    (AuditReport, ("tranche", "firm", "audited_revenue", "filed_by", "filed_at")),
    (Hold, ("tranche", "kind", "started_on", "ended_on", "raised_by", "reason")),
    (PenaltyDay, ("tranche", "day", "liable", "shares", "price", "amount", "running_total", "cap", "capped")),
    (Notification, ("user", "deal", "subject", "created_at", "read_at")),
    (OutboxMessage, ("to_email", "subject", "created_at", "sent_at", "attempts")),
]:
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": columns}))


@admin.register(ShareMovement)
class ShareMovementAdmin(ReadOnlyAdmin):
    list_display = ("deal", "tranche", "kind", "quantity", "reference", "recorded_at", "recorded_by")
    list_filter = ("kind", "deal")
