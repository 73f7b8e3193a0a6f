"""/deals/new/: staff create a deal from its terms (SPA 1.4, 4.1, 5.1), through the same action as the
admin, the API and the commands. Anyone else gets the 403 page; nothing is shown to them."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from escrow.actions.deals import create_deal, policy_keys
from escrow.contract.errors import NotAllowed
from escrow.contract.policies import DEFINITIONS_BY_KEY
from escrow.models import Deal
from escrow.usecases.permissions import require_staff
from escrow.views.common import attempt, done
from escrow.views.forms import AmountField, IsoDateField, QuantityField

DEFAULT_ROWS, MAX_ROWS = 5, 30
DEAL_FIELDS = (
    "slug",
    "name",
    "name_zh",
    "target_company",
    "total_shares",
    "share_class",
    "ticker",
    "target_currency",
    "price_currency",
    "effective_date",
    "escrow_fee_per_year",
    "notes",
    "calendar",
)


def _text(label, max_length, required=True, **kwargs):
    return forms.CharField(label=label, max_length=max_length, required=required, **kwargs)


class DealTermsForm(forms.Form):
    """The deal's terms and its policies; the action checks them (shape only here)."""

    slug = _text(_("Address (letters, digits, hyphens)"), 50, help_text=_("e.g. kaixin-2025; it never changes"))
    name = _text(_("Name"), 200)
    name_zh = _text(_("Chinese name"), 200, required=False)
    target_company = _text(_("Target company"), 200)
    total_shares = QuantityField(label=_("Consideration shares (SPA 1.1)"))
    share_class = _text(_("Share class"), 100, initial=Deal._meta.get_field("share_class").default)
    ticker = _text(_("Ticker (for the closing prices, SPA 8.2)"), 20, required=False)
    target_currency = _text(_("Currency of the targets"), 3, initial="CNY")
    price_currency = _text(_("Currency of the share prices"), 3, initial="USD")
    effective_date = IsoDateField(label=_("Agreement effective date (EA 1.1 counts from it)"))
    escrow_fee_per_year = AmountField(label=_("Escrow fee per year (EA 4.4)"), initial=0)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    calendar = _text(
        _("P6 calendar for business days"),
        20,
        initial="CN",
        help_text=_("A country or market code, e.g. CN (mainland China), HK or NASDAQ."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in policy_keys():
            if key == "calendar":
                continue
            definition = DEFINITIONS_BY_KEY[key]
            self.fields[key] = forms.ChoiceField(
                label=f"{definition.number} ({definition.clause})",
                initial=definition.default,
                help_text=gettext(definition.question),
                choices=[(value, gettext(definition.meanings.get(value, value))) for value in definition.choices],
            )

    def policy_fields(self):
        return [self[key] for key in policy_keys() if key in self.fields]

    def term_fields(self):
        """The deal's own terms; the calendar is shown once, with the other readings (P6)."""
        return [self[key] for key in DEAL_FIELDS if key not in policy_keys()]

    def terms(self, tranches):
        data = self.cleaned_data
        return {
            **{key: data.get(key) for key in DEAL_FIELDS},
            "tranches": tranches,
            "policies": {key: data[key] for key in policy_keys() if key in self.fields},
        }


class TrancheRowForm(forms.Form):
    # One parser for typed numbers and dates (escrow.contract.numbers), as on every other page and the API.
    period_start = IsoDateField(label=_("First day"))
    period_end = IsoDateField(label=_("Last day"))
    target_revenue = AmountField(label=_("Target operating revenue"))


class BaseTrancheRows(forms.BaseFormSet):
    def rows(self):
        """Filled rows in order, numbered as assessment years 1, 2, 3 ... (SPA 1.4)."""
        filled = [f.cleaned_data for f in self.forms if f.has_changed()]
        return [(n, row["period_start"], row["period_end"], row["target_revenue"]) for n, row in enumerate(filled, 1)]


def tranche_rows(count):
    return forms.formset_factory(
        TrancheRowForm, formset=BaseTrancheRows, extra=count, max_num=MAX_ROWS, validate_max=True
    )


@login_required
def create_deal_page(request):
    """Staff with escrow.add_deal: the terms, then the deal is created with its first history entry."""
    try:
        require_staff(request.user, "create_deal")
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    data = request.POST if request.method == "POST" else None
    form = DealTermsForm(data)
    tranches = tranche_rows(_row_count(request))(data, prefix="tranches")
    if data is not None and form.is_valid() and tranches.is_valid():
        deal, ok = attempt(request, form, create_deal, request.user, **form.terms(tranches.rows()))
        if ok:
            done(
                request,
                gettext("Deal %(name)s created with %(count)s tranches; add its parties next.")
                % {"name": deal.name, "count": deal.tranche_count},
            )
            return redirect(_next_page(request.user, deal))
    return render(
        request,
        "escrow/deal_create.html",
        {"form": form, "tranches": tranches},
        status=400 if data is not None else 200,
    )


def _next_page(user, deal):
    """The next step is adding the parties (admin); staff who may not do that go back to their dashboard."""
    if user.has_perm("escrow.add_dealparty"):
        return f"{reverse('admin:escrow_dealparty_add')}?deal={deal.pk}"
    return reverse("escrow:dashboard")


def _row_count(request):
    try:
        return max(1, min(MAX_ROWS, int(request.GET.get("rows", DEFAULT_ROWS))))
    except ValueError:
        return DEFAULT_ROWS
