"""Staff admin: an interface like the pages, the API and the commands. Deals, parties, share prices and
calendar overrides are written by their actions (create_deal, add_party, change_party_role, end_party,
enter_share_price, correct_share_price, set_calendar_override), which check the staff member's
permission and write the history with the values before and after. History, ledger, signatures,
instruments, documents, holds and penalty days are read-only; a deal is never edited into another state."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from escrow.actions.calendars import check_calendar_code, set_calendar_override
from escrow.actions.deals import check_terms, create_deal, policy_keys
from escrow.actions.parties import add_party, change_party_role, end_party
from escrow.actions.prices import correct_share_price, enter_share_price
from escrow.contract.errors import DomainError, InvalidInput
from escrow.models import (
    AuditReport,
    CalendarOverride,
    Deal,
    DealParty,
    HistoryChain,
    HistoryEntry,
    Hold,
    Instrument,
    Notification,
    OutboxMessage,
    PenaltyDay,
    ShareMovement,
    SharePrice,
    Signature,
    StoredDocument,
    Tranche,
)

DEAL_TERMS = (
    "slug",
    "name",
    "name_zh",
    "target_company",
    "total_shares",
    "tranche_count",
    "share_class",
    "ticker",
    "target_currency",
    "price_currency",
    "effective_date",
    "escrow_fee_per_year",
    "notes",
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff; nothing can be added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ActionAdmin(admin.ModelAdmin):
    """save_model calls one action; nothing else is saved. A DomainError the action raises (refused, or
    changed by someone else meanwhile) rolled everything back: it is shown, and the form comes back."""

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_related(self, request, form, formsets, change):
        pass  # the action wrote everything

    @staticmethod
    def created(obj, written):
        """Point the admin's unsaved object at the row the action wrote (for its log entry and redirect)."""
        obj.pk = written.pk
        obj._state.adding = False


def form_error(exc: InvalidInput):
    return ValidationError(exc.message)


class TrancheFormSet(BaseInlineFormSet):
    """The deal's tranches, checked with the deal's terms by the action's own rules before anything is saved."""

    def rows(self):
        return [
            (
                f.cleaned_data["year"],
                f.cleaned_data["period_start"],
                f.cleaned_data["period_end"],
                f.cleaned_data["target_revenue"],
            )
            for f in self.forms
            if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]

    def clean(self):
        super().clean()
        deal_form = getattr(self.instance, "_terms_form", None)
        if deal_form is None or deal_form.errors or any(self.errors):
            return
        try:
            check_terms(**deal_form.terms(self.rows()))
        except InvalidInput as exc:
            raise form_error(exc) from exc


class TrancheInline(admin.TabularInline):
    model = Tranche
    formset = TrancheFormSet
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
        fields = (*DEAL_TERMS, *policy_keys())

    def clean_calendar(self):
        try:
            return check_calendar_code(self.cleaned_data["calendar"])
        except InvalidInput as exc:
            raise form_error(exc) from exc

    def clean(self):
        self.instance._terms_form = self  # the tranche formset checks the whole deal with it
        return super().clean()

    def terms(self, tranches):
        """The keyword arguments of create_deal from this form and the tranche rows."""
        data = self.cleaned_data
        return {
            **{key: data.get(key) for key in DEAL_TERMS},
            "calendar": data.get("calendar"),
            "tranches": tranches,
            "policies": {key: data.get(key) for key in policy_keys() if key != "calendar"},
        }


@admin.register(Deal)
class DealAdmin(ActionAdmin):
    """A new deal and its tranches are written by actions.create_deal: checked terms, release dates
    (SPA 5.1) and the first history entry with the terms. A deal is never edited afterwards here."""

    form = DealForm
    inlines = [TrancheInline]
    list_display = ("slug", "name", "total_shares", "tranche_count", "state", "effective_date")
    list_filter = ("state",)
    search_fields = ("slug", "name", "name_zh", "target_company")
    readonly_fields = ("state", "created_at")
    prepopulated_fields = {"slug": ("name",)}

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # save_related has the tranches too, and creates everything in one action

    def save_related(self, request, form, formsets, change):
        formset = formsets[0]
        deal = create_deal(request.user, **form.terms(formset.rows()))
        self.created(form.instance, deal)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = list(deal.tranches.all()), [], []


@admin.register(Tranche)
class TrancheAdmin(ReadOnlyAdmin):
    list_display = (
        "deal",
        "year",
        "state",
        "target_revenue",
        "audited_revenue",
        "release_quantity",
        "release_due_date",
        "transfer_due_date",
        "released_on",
    )
    list_filter = ("state", "deal")
    list_select_related = ("deal",)


class DealPartyForm(forms.ModelForm):
    class Meta:
        model = DealParty
        fields = ("deal", "organisation", "role", "contract_name")


class DealPartyChangeForm(forms.ModelForm):
    """Change the role, or end it with a reason (SPA 9: the people stop seeing the deal at once)."""

    end_reason = forms.CharField(
        label=_("End this role: reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Fill in to end the organisation's role on the deal; it cannot be undone."),
    )

    class Meta:
        model = DealParty
        fields = ("role",)

    def clean(self):
        data = super().clean()
        if data.get("end_reason") and "role" in self.changed_data:
            raise ValidationError(_("Change the role or end it, not both at once."))
        return data


@admin.register(DealParty)
class DealPartyAdmin(ActionAdmin):
    """Adding a role runs add_party, changing it change_party_role, ending it end_party: each writes the
    deal's history with before and after, and re-syncs who may see the deal, in one transaction."""

    list_display = ("deal", "organisation", "role", "contract_name", "approved_at", "ended_at")
    list_filter = ("role", "deal")
    list_select_related = ("deal", "organisation")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = DealPartyChangeForm if obj else DealPartyForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return DealPartyForm._meta.fields
        return ("deal", "organisation", "contract_name", "role", "approved_at", "approved_by", "ended_at", "end_reason")

    def get_readonly_fields(self, request, obj=None):
        return (
            () if obj is None else ("deal", "organisation", "contract_name", "approved_at", "approved_by", "ended_at")
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.ended_at is None)

    def save_model(self, request, obj, form, change):
        if not change:
            self.created(
                obj, add_party(obj.deal, obj.organisation, obj.role, by=request.user, contract_name=obj.contract_name)
            )
        elif form.cleaned_data.get("end_reason"):
            end_party(request.user, obj, form.cleaned_data["end_reason"])
        elif "role" in form.changed_data:
            change_party_role(request.user, obj, obj.role)


class CalendarOverrideForm(forms.ModelForm):
    class Meta:
        model = CalendarOverride
        fields = ("calendar", "day", "is_business_day", "note")

    def clean_calendar(self):
        try:
            return check_calendar_code(self.cleaned_data["calendar"])
        except InvalidInput as exc:
            raise form_error(exc) from exc


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(ActionAdmin):
    """P6: set_calendar_override writes the day, the reference history (before and after), and has every
    deal on the calendar count its business days with it once the change commits."""

    form = CalendarOverrideForm
    list_display = ("calendar", "day", "is_business_day", "note")
    list_filter = ("calendar", "is_business_day")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("calendar", "day")

    def save_model(self, request, obj, form, change):
        self.created(obj, set_calendar_override(request.user, obj.calendar, obj.day, obj.is_business_day, obj.note))


class SharePriceChangeForm(forms.ModelForm):
    """A correction: the new close and why (SPA 8.2); the history keeps the old close."""

    reason = forms.CharField(
        label=_("Reason for the correction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = SharePrice
        fields = ("close",)


@admin.register(SharePrice)
class SharePriceAdmin(ActionAdmin):
    """Closing prices are entered (enter_share_price) or corrected with a reason (correct_share_price),
    never invented or silently rewritten (SPA 8.2)."""

    list_display = ("ticker", "day", "close", "currency", "source", "entered_by", "entered_at")
    list_filter = ("ticker",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = SharePriceChangeForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("ticker", "day", "close", "currency", "source")
        return ("ticker", "day", "currency", "source", "entered_by", "entered_at", "close", "reason")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("ticker", "day", "currency", "source", "entered_by", "entered_at")

    def save_model(self, request, obj, form, change):
        if change:
            correct_share_price(request.user, obj, form.cleaned_data["close"], form.cleaned_data["reason"])
        else:
            self.created(obj, enter_share_price(request.user, obj.ticker, obj.day, obj.close, obj.currency, obj.source))


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
    (
        PenaltyDay,
        ("tranche", "day", "liable", "shares", "price", "amount", "charged", "running_total", "cap", "capped"),
    ),
    (Notification, ("user", "deal", "subject", "created_at", "read_at")),
    (OutboxMessage, ("to_email", "subject", "created_at", "sent_at", "attempts")),
]:
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": columns}))


@admin.register(ShareMovement)
class ShareMovementAdmin(ReadOnlyAdmin):
    list_display = ("deal", "tranche", "kind", "quantity", "reference", "recorded_at", "recorded_by")
    list_filter = ("kind", "deal")
