"""Share prices on a page (SPA 8.2): the NASDAQ closes that value the delay penalty, entered one by one,
corrected with a reason, or uploaded as a CSV, all through escrow.actions.prices (the same actions as the
admin and `manage.py import_prices`, which check who may and write the reference history).

Two doors to one page: the issuer of a deal uses /deals/<slug>/prices/ for the deal's ticker (the contract
use case enter_share_prices; anyone else on the deal gets the refusal, anyone not on it a 404, SPA 9);
platform staff use /prices/ for any ticker, each form offered only with its Django permission (the staff
use cases enter_share_price, correct_share_price, import_share_prices). Staff never see a deal here.
"""

import hashlib
from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escrow.actions.prices import TICKER, correct_share_price, enter_share_price, import_prices, parse_price_csv
from escrow.contract.errors import InvalidInput
from escrow.history.chain import REFERENCE_CHAIN
from escrow.models import HistoryAction, HistoryEntry, SharePrice
from escrow.queries.clock import contract_today
from escrow.usecases import STAFF_USE_CASES
from escrow.views.common import attempt, deal_for, done, viewer
from escrow.views.forms import IsoDateField
from parties.access import administers

PER_PAGE = 50
MAX_CSV_BYTES = 2_000_000  # about 50,000 rows: decades of closes for several tickers
RECENT_CHANGES, CHANGES_SCANNED = 20, 500


class EnterPriceForm(forms.Form):
    """One close (SPA 8.2). Shape only: enter_share_price decides whether it is a price, a past day, and
    whether the person may enter it."""

    ticker = forms.CharField(label=gettext_lazy("Ticker"), max_length=20)
    day = IsoDateField(  # the one date parser (escrow.contract.numbers), as on every page and the API
        label=gettext_lazy("Trading day"),
        help_text=gettext_lazy("YYYY-MM-DD; today at the latest: a close is known only after the session."),
        attrs={"data-testid": "price-day"},
    )
    close = forms.CharField(
        label=gettext_lazy("Closing price"),
        max_length=30,
        help_text=gettext_lazy("As NASDAQ published it, digits and a point, e.g. 2.51"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "data-testid": "price-close"}),
    )
    currency = forms.CharField(label=gettext_lazy("Currency"), max_length=3, initial="USD")
    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=SharePrice._meta.get_field("source").max_length,
        required=False,
        help_text=gettext_lazy("Where the close comes from, e.g. NASDAQ official close"),
    )

    def __init__(self, *args, ticker="", today=None, **kwargs):
        super().__init__(*args, **kwargs)
        if ticker:
            del self.fields["ticker"]  # the deal's own ticker (SPA 8.2: its shares' closes)
        if today:
            self.fields["day"].widget.attrs["max"] = today.isoformat()


class CorrectPriceForm(forms.Form):
    """A stored close was wrong: the new close and why (the history keeps both)."""

    price = forms.IntegerField(widget=forms.HiddenInput, required=False)  # a missing one: "no such close here"
    close = forms.CharField(
        label=gettext_lazy("Corrected closing price"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "data-testid": "correct-close"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why the close is corrected"),
        required=False,  # correct_share_price refuses a correction without a reason, in the same words everywhere
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "correct-reason"}),
    )


class ImportPricesForm(forms.Form):
    """A CSV with the header ticker,date,close[,currency]; all or nothing (escrow.actions.prices)."""

    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "UTF-8, header ticker,date,close[,currency], one close per line, dates YYYY-MM-DD. A file with any "
            "bad line imports nothing; each bad line is named."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv", "data-testid": "price-file"}),
    )
    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=SharePrice._meta.get_field("source").max_length,
        required=False,
        help_text=gettext_lazy("Stored with each close; the file's name when left empty."),
    )
    replace = forms.BooleanField(
        label=gettext_lazy("Correct stored closes that differ from the file"),
        required=False,
    )


@dataclass(frozen=True)
class Scope:
    """Whose page: the closes it shows and the forms it offers (only those the person may use)."""

    url: str
    ticker: str = ""  # the one ticker of a deal's page; "" on the staff page (the person names it)
    enter: bool = False
    correct: bool = False
    import_csv: bool = False
    replace: bool = False
    deal: object = None

    def prices(self, request):
        prices = SharePrice.objects.select_related("entered_by").order_by("-day", "ticker")
        chosen = self.ticker or self.chosen(request)
        return prices.filter(ticker=chosen) if chosen else prices

    def chosen(self, request):
        """On the staff page, the ticker picked in the filter (?ticker=KXIN); "" for all."""
        if self.ticker:
            return self.ticker
        ticker = request.GET.get("ticker", "").strip().upper()
        return ticker if TICKER.match(ticker) else ""


@login_required
def deal_prices(request, slug):
    """SPA 8.2: the deal's issuer enters and corrects its ticker's closes (RULES.md "Delay penalty")."""
    deal = deal_for(request, slug, action="enter_share_prices")  # 404 without a role, 403 for other roles
    role, can = viewer(request, deal)
    ticker = deal.ticker
    scope = Scope(
        reverse("escrow:deal_prices", args=[deal.slug]),
        ticker=ticker,
        enter=bool(ticker),
        correct=bool(ticker),
        import_csv=bool(ticker),
        replace=bool(ticker),
        deal=deal,
    )
    return _page(request, scope, {"deal": deal, "role": role, "can": can, "currency": deal.price_currency})


@login_required
def staff_prices(request):
    """Platform staff with the share-price permissions, for any ticker (no deal is shown: SPA 9)."""
    user = request.user
    may_enter = administers(user, STAFF_USE_CASES["enter_share_price"].permission)
    may_correct = administers(user, STAFF_USE_CASES["correct_share_price"].permission)
    may_import = administers(user, STAFF_USE_CASES["import_share_prices"].permission)
    if not (may_enter or may_correct or may_import or administers(user, "escrow.view_shareprice")):
        raise PermissionDenied(
            _(
                "Only platform staff with the permission %(permission)s may enter closing prices here; the "
                "issuer of a deal enters its closes on the deal's page."
            )
            % {"permission": STAFF_USE_CASES["enter_share_price"].permission}
        )
    scope = Scope(
        reverse("escrow:prices"),
        enter=may_enter,
        correct=may_correct,
        import_csv=may_import,
        replace=may_import and may_correct,
    )
    tickers = SharePrice.objects.order_by("ticker").values_list("ticker", flat=True).distinct()
    return _page(request, scope, {"tickers": list(tickers), "currency": "USD"})


def _page(request, scope, context):
    today = contract_today()
    kind = request.POST.get("form", "") if request.method == "POST" else ""
    posted = {"data": request.POST, "files": request.FILES} if kind else {}
    built = {
        "enter": scope.enter
        and EnterPriceForm(
            **(posted if kind == "enter" else {}),
            prefix="enter",
            ticker=scope.ticker,
            today=today,
            initial={"currency": context["currency"]},
        ),
        "correct": scope.correct and _correction_form(request, scope, posted if kind == "correct" else {}),
        "import": scope.import_csv and ImportPricesForm(**(posted if kind == "import" else {}), prefix="import"),
    }
    if built.get("import") and not scope.replace:
        del built["import"].fields["replace"]
    if kind:
        form = built.get(kind)
        if not form:  # no such form, or one this person is not offered: the action would refuse it
            raise PermissionDenied(_("You may not do this on this page."))
        if form.is_valid():
            message, ok = attempt(request, form, RUN[kind], request.user, scope, form.cleaned_data)
            if ok:
                done(request, message)
                return redirect(_back(request, scope))
    page = Paginator(scope.prices(request), PER_PAGE).get_page(request.GET.get("page"))
    chosen = scope.chosen(request)
    return render(
        request,
        "escrow/prices.html",
        {
            **context,
            "scope": scope,
            "today": today,
            "enter_form": built["enter"] or None,
            "correct_form": built["correct"] or None,
            "import_form": built.get("import") or None,
            "page": page,
            "chosen": chosen,
            "query": urlencode({"ticker": chosen}) if chosen and not scope.ticker else "",
            "changes": _recent_changes(chosen),
        },
        status=400 if kind else 200,
    )


def _correction_form(request, scope, posted):
    """The correction form: for the close picked in the list (?correct=<id>), or the one posted; `stored` is
    that close (not `price`: a template reads form.price as the field)."""
    if posted:
        form = CorrectPriceForm(**posted, prefix="correct")
        picked = request.POST.get("correct-price", "")
        form.stored = scope.prices(request).filter(pk=picked).first() if picked.isdigit() else None
        return form
    picked = request.GET.get("correct", "")
    price = scope.prices(request).filter(pk=picked).first() if picked.isdigit() else None
    if price is None:
        return None
    form = CorrectPriceForm(prefix="correct", initial={"price": price.pk, "close": ""})
    form.stored = price
    return form


def _enter(user, scope, data):
    price = enter_share_price(
        user, scope.ticker or data["ticker"], data["day"], data["close"], data["currency"], data["source"]
    )
    return _("%(ticker)s closed at %(close)s %(currency)s on %(day)s: stored.") % {
        "ticker": price.ticker,
        "close": price.close,
        "currency": price.currency,
        "day": price.day.isoformat(),
    }


def _correct(user, scope, data):
    price = SharePrice.objects.filter(pk=data["price"]).first()
    if price is None or (scope.ticker and price.ticker != scope.ticker):
        raise InvalidInput(_("There is no such close here; pick the one to correct from the list."), clause="SPA 8.2")
    before = price.close
    price = correct_share_price(user, price, data["close"], data["reason"])
    return _("%(ticker)s %(day)s corrected from %(before)s to %(after)s; the history keeps both and why.") % {
        "ticker": price.ticker,
        "day": price.day.isoformat(),
        "before": before,
        "after": price.close,
    }


def _import(user, scope, data):
    upload = data["file"]
    if upload.size > MAX_CSV_BYTES:
        raise InvalidInput(
            _("The file is larger than %(limit)s bytes; split it and upload the parts.") % {"limit": MAX_CSV_BYTES}
        )
    raw = upload.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text; save it as CSV (UTF-8) and upload it again.")) from None
    counts = import_prices(
        user,
        parse_price_csv(text),
        source=data["source"] or upload.name,
        replace=bool(data.get("replace")),
        file_sha256=hashlib.sha256(raw).hexdigest(),
    )
    return _("%(name)s: %(created)s imported, %(replaced)s corrected, %(unchanged)s already stored.") % {
        "name": upload.name,
        **counts,
    }


RUN = {"enter": _enter, "correct": _correct, "import": _import}


def _back(request, scope):
    chosen = scope.chosen(request)
    return scope.url + (f"?{urlencode({'ticker': chosen})}" if chosen and not scope.ticker else "")


def _recent_changes(ticker):
    """The reference history's latest price entries for the ticker shown (all tickers on the staff page
    without a filter): what was entered or corrected, before and after, by whom and from which source."""
    entries = (
        HistoryEntry.objects.filter(
            chain__key=REFERENCE_CHAIN,
            action__in=[HistoryAction.SHARE_PRICE_ENTERED, HistoryAction.SHARE_PRICE_CORRECTED],
        )
        .select_related("actor")
        .order_by("-seq")[:CHANGES_SCANNED]
    )
    if not ticker:
        return list(entries[:RECENT_CHANGES])
    mine = [e for e in entries if e.details.get("ticker") == ticker or ticker in e.details.get("tickers", [])]
    return mine[:RECENT_CHANGES]
