"""Share prices on a page (SPA 8.2): the issuer of a deal enters, corrects and uploads its ticker's NASDAQ
closes on /deals/<slug>/prices/, platform staff on /prices/, through escrow.actions.prices (a permission
check, a reference-history entry with the value before and after and its source). Everyone else is refused
(another role on the deal: 403 with the reason; no role: 404), and a refusal changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from escrow.actions.prices import enter_share_price
from escrow.history.chain import REFERENCE_CHAIN
from escrow.models import HistoryEntry, SharePrice
from escrow.queries.clock import contract_today

pytestmark = pytest.mark.django_db

NOTHING_CHANGED = "Nothing was changed."


def deal_url(deal):
    return reverse("escrow:deal_prices", args=[deal.slug])


STAFF_URL = reverse("escrow:prices")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def staff_with(*codenames, username="price-desk"):
    user = get_user_model().objects.create_user(username, password="x", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="escrow", codename__in=codenames))
    return get_user_model().objects.get(pk=user.pk)


def enter(day, close="2.5100", **extra):
    return {
        "form": "enter",
        "enter-day": str(day),
        "enter-close": close,
        "enter-currency": "USD",
        "enter-source": "NASDAQ",
        **extra,
    }


def csv_upload(text, name="closes.csv"):
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


def reference_prices():
    return list(
        HistoryEntry.objects.filter(chain__key=REFERENCE_CHAIN, action__startswith="share_price").order_by("seq")
    )


def refused(response, status=400):
    html = response.content.decode()
    assert response.status_code == status, html[:500]
    return html


YESTERDAY = contract_today() - timedelta(days=1)
TOMORROW = contract_today() + timedelta(days=1)


# --- the issuer on its deal's page ------------------------------------------------------------------------


def test_the_deal_page_links_the_prices_page_for_the_issuer_only(kaixin, people):
    for who in ("issuer", "purchaser", "seller", "agent1", "auditor", "compliance"):
        html = signed_in(people[who]).get(reverse("escrow:deal", args=[kaixin.slug])).content.decode()
        assert (deal_url(kaixin) in html) == (who == "issuer"), who


def test_the_issuer_enters_a_close_and_sees_it_with_its_history(kaixin, people):
    client = signed_in(people["issuer"])
    page = client.get(deal_url(kaixin))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="price-form"' in html and 'data-testid="import-form"' in html
    assert "KXIN" in html and f'max="{contract_today().isoformat()}"' in html
    response = client.post(deal_url(kaixin), enter(YESTERDAY))
    assert response.status_code == 302 and response["Location"] == deal_url(kaixin)
    price = SharePrice.objects.get()
    assert (price.ticker, price.day, price.close, price.source, price.entered_by) == (
        "KXIN",
        YESTERDAY,
        Decimal("2.51"),
        "NASDAQ",
        people["issuer"],
    )
    (entry,) = reference_prices()
    assert (entry.action, entry.actor, entry.details["acting_for"]) == (
        "share_price_entered",
        people["issuer"],
        "Kaixin Holdings (issuer)",
    )
    assert entry.details["before"] is None and entry.details["after"] == {
        "close": "2.5100",
        "currency": "USD",
        "source": "NASDAQ",
    }
    html = client.get(deal_url(kaixin)).content.decode()
    assert "stored." in html  # the confirmation
    assert html.count('data-testid="price-row"') == 1 and "2.5100" in html
    assert 'data-testid="price-change"' in html and "KXIN closed at 2.5100 USD" in html


def test_the_issuer_corrects_a_close_with_a_reason(kaixin, people):
    price = enter_share_price(people["issuer"], "KXIN", YESTERDAY, "2.51", source="NASDAQ")
    client = signed_in(people["issuer"])
    form = client.get(deal_url(kaixin), {"correct": price.pk}).content.decode()
    assert 'data-testid="correct-form"' in form and "is stored as 2.5100 USD" in form
    data = {"form": "correct", "correct-price": price.pk, "correct-close": "2.15"}
    html = refused(client.post(deal_url(kaixin), {**data, "correct-reason": "  "}))
    assert "say why the close is corrected" in html and NOTHING_CHANGED in html
    assert SharePrice.objects.get().close == Decimal("2.51") and len(reference_prices()) == 1
    response = client.post(deal_url(kaixin), {**data, "correct-reason": "Digits swapped when typing"})
    assert response.status_code == 302
    assert SharePrice.objects.get().close == Decimal("2.15")
    entry = reference_prices()[-1]
    assert (entry.action, entry.details["before"]["close"], entry.details["after"]["close"]) == (
        "share_price_corrected",
        "2.5100",
        "2.15",
    )
    assert entry.details["reason"] == "Digits swapped when typing"
    assert "corrected from 2.5100 to 2.1500" in client.get(deal_url(kaixin)).content.decode()


def test_the_issuer_uploads_a_csv_on_the_same_page(kaixin, people):
    client = signed_in(people["issuer"])
    two_days = YESTERDAY - timedelta(days=1)
    text = f"ticker,date,close\nKXIN,{two_days},2.48\nKXIN,{YESTERDAY},2.51\n"
    response = client.post(deal_url(kaixin), {"form": "import", "import-file": csv_upload(text)})
    assert response.status_code == 302
    assert dict(SharePrice.objects.values_list("day", "close")) == {
        two_days: Decimal("2.48"),
        YESTERDAY: Decimal("2.51"),
    }
    (entry,) = reference_prices()
    assert (entry.details["created"], entry.details["source"], entry.details["acting_for"]) == (
        2,
        "closes.csv",
        "Kaixin Holdings (issuer)",
    )
    assert "closes.csv: 2 imported, 0 corrected, 0 already stored." in client.get(deal_url(kaixin)).content.decode()
    # A different close for a stored day is a correction: refused unless asked for, then recorded before/after.
    fix = f"ticker,date,close\nKXIN,{YESTERDAY},2.61\n"
    html = refused(client.post(deal_url(kaixin), {"form": "import", "import-file": csv_upload(fix)}))
    assert "is stored as 2.5100, the file says 2.61" in html and NOTHING_CHANGED in html
    response = client.post(
        deal_url(kaixin),
        {"form": "import", "import-file": csv_upload(fix), "import-replace": "on", "import-source": "NASDAQ"},
    )
    assert response.status_code == 302 and SharePrice.objects.get(day=YESTERDAY).close == Decimal("2.61")
    assert reference_prices()[-1].details["corrections"][0]["before"]["close"] == "2.5100"


@pytest.mark.parametrize(
    "text, message",
    [
        ("ticker,date,close\nKXIN,27/01/2026,2.50\nKXIN,2026-01-26,-1\n", ["line 2:", "line 3:", "YYYY-MM-DD"]),
        ("ticker,date\nKXIN,2026-01-28\n", ["line 1:", "missing: close"]),
        ("ticker,date,close\nKXIN,2026-01-26,2.50\nOTHR,2026-01-26,9.00\n", ["trade as OTHR"]),
        (b"ticker,date,close\nKXIN,2026-01-26,2\xff50\n", ["not UTF-8"]),
        ("ticker,date,close\n", ["no price rows"]),
    ],
    ids=["bad-lines", "missing-column", "other-ticker", "not-utf8", "empty"],
)
def test_a_bad_csv_imports_nothing_and_says_why(kaixin, people, text, message):
    client = signed_in(people["issuer"])
    html = refused(client.post(deal_url(kaixin), {"form": "import", "import-file": csv_upload(text)}))
    assert all(m in html for m in message), html[html.find("form-error") :][:600]
    assert NOTHING_CHANGED in html and not SharePrice.objects.exists() and not reference_prices()


def test_a_close_dated_in_the_future_is_refused_on_every_form(kaixin, people):
    client = signed_in(people["issuer"])
    html = refused(client.post(deal_url(kaixin), enter(TOMORROW)))
    assert f"{TOMORROW} is in the future: a close is known only after the session" in html and NOTHING_CHANGED in html
    text = f"ticker,date,close\nKXIN,{YESTERDAY},2.50\nKXIN,{TOMORROW},2.50\n"
    html = refused(client.post(deal_url(kaixin), {"form": "import", "import-file": csv_upload(text)}))
    assert f"line 3: {TOMORROW} is in the future" in html and "line 2:" not in html
    staff = signed_in(staff_with("add_shareprice", "change_shareprice"))
    html = refused(staff.post(STAFF_URL, enter(TOMORROW, **{"enter-ticker": "KXIN"})))
    assert "is in the future" in html
    assert not SharePrice.objects.exists() and not reference_prices()


@pytest.mark.parametrize("close", ["1e2", "2,5", "２.５", "1_000", "-2.5", "2.123456", "abc", "0"])
def test_a_mistyped_close_is_refused_with_the_form_it_takes(kaixin, people, close):
    html = refused(signed_in(people["issuer"]).post(deal_url(kaixin), enter(YESTERDAY, close)))
    assert "The price was not stored" in html and NOTHING_CHANGED in html
    assert not SharePrice.objects.exists()


def test_a_close_already_stored_is_corrected_not_entered_twice(kaixin, people):
    enter_share_price(people["issuer"], "KXIN", YESTERDAY, "2.51")
    html = refused(signed_in(people["issuer"]).post(deal_url(kaixin), enter(YESTERDAY, "2.60")))
    assert "is stored as 2.5100; correct that price instead" in html
    assert SharePrice.objects.get().close == Decimal("2.51")


# --- everyone else on the deal, and outsiders --------------------------------------------------------------


@pytest.mark.parametrize("who", ["purchaser", "seller", "agent1", "auditor", "compliance"])
def test_other_roles_on_the_deal_are_refused_and_nothing_changes(kaixin, people, who):
    client = signed_in(people[who])
    html = refused(client.get(deal_url(kaixin)), 403)
    assert "may not enter share prices (SPA 8.2)" in html
    refused(client.post(deal_url(kaixin), enter(YESTERDAY)), 403)
    text = f"ticker,date,close\nKXIN,{YESTERDAY},2.50\n"
    refused(client.post(deal_url(kaixin), {"form": "import", "import-file": csv_upload(text)}), 403)
    assert not SharePrice.objects.exists() and not reference_prices()


def test_an_outsider_or_staff_finds_no_deal_page(kaixin, outsider):
    for user in (outsider, staff_with("add_shareprice", "change_shareprice")):
        client = signed_in(user)
        assert client.get(deal_url(kaixin)).status_code == 404
        assert client.post(deal_url(kaixin), enter(YESTERDAY)).status_code == 404
    assert signed_in(outsider).get(reverse("escrow:deal_prices", args=["no-such-deal"])).status_code == 404
    assert not SharePrice.objects.exists()


def test_a_correction_of_another_tickers_close_is_refused_on_the_deal_page(kaixin, people):
    other = enter_share_price(staff_with("add_shareprice"), "OTHR", YESTERDAY, "9.00")
    client = signed_in(people["issuer"])
    assert 'data-testid="correct-form"' not in client.get(deal_url(kaixin), {"correct": other.pk}).content.decode()
    data = {"form": "correct", "correct-price": other.pk, "correct-close": "9.10", "correct-reason": "typo"}
    assert "no such close here" in refused(client.post(deal_url(kaixin), data))
    assert SharePrice.objects.get().close == Decimal("9")


def test_anonymous_is_sent_to_sign_in(kaixin):
    for url in (deal_url(kaixin), STAFF_URL):
        assert Client().get(url).status_code == 302


# --- staff on /prices/ -------------------------------------------------------------------------------------


def test_staff_enter_correct_and_upload_any_ticker(kaixin):
    desk = staff_with("add_shareprice", "change_shareprice")
    client = signed_in(desk)
    assert reverse("escrow:prices") in client.get(reverse("escrow:dashboard")).content.decode()
    html = client.get(STAFF_URL).content.decode()
    assert 'data-testid="price-form"' in html and 'data-testid="import-form"' in html and kaixin.name not in html
    assert client.post(STAFF_URL, enter(YESTERDAY, **{"enter-ticker": "othr"})).status_code == 302
    text = f"ticker,date,close\nKXIN,{YESTERDAY},2.50\n"
    assert client.post(STAFF_URL, {"form": "import", "import-file": csv_upload(text)}).status_code == 302
    assert sorted(SharePrice.objects.values_list("ticker", "close")) == [
        ("KXIN", Decimal("2.5")),
        ("OTHR", Decimal("2.51")),
    ]
    kxin = SharePrice.objects.get(ticker="KXIN")
    data = {"form": "correct", "correct-price": kxin.pk, "correct-close": "2.55", "correct-reason": "Vendor fix"}
    assert client.post(f"{STAFF_URL}?ticker=KXIN", data)["Location"] == f"{STAFF_URL}?ticker=KXIN"
    assert SharePrice.objects.get(ticker="KXIN").close == Decimal("2.55")
    assert {e.actor for e in reference_prices()} == {desk}
    filtered = client.get(STAFF_URL, {"ticker": "KXIN"}).content.decode()
    assert filtered.count('data-testid="price-row"') == 1 and filtered.count('data-testid="price-change"') == 2


def test_staff_see_only_the_forms_their_permissions_allow(kaixin):
    viewer = signed_in(staff_with("view_shareprice", username="viewer"))
    html = viewer.get(STAFF_URL).content.decode()
    assert 'data-testid="price-form"' not in html and 'data-testid="import-form"' not in html
    assert 'data-testid="correct-link"' not in html
    refused(viewer.post(STAFF_URL, enter(YESTERDAY, **{"enter-ticker": "KXIN"})), 403)
    corrector = signed_in(staff_with("change_shareprice", username="corrector"))
    html = corrector.get(STAFF_URL).content.decode()
    assert 'data-testid="price-form"' not in html and 'data-testid="import-form"' not in html
    adder = signed_in(staff_with("add_shareprice", username="adder"))
    html = adder.get(STAFF_URL).content.decode()
    assert 'data-testid="import-form"' in html and "import-replace" not in html  # replacing is a correction
    assert not SharePrice.objects.exists()


def test_people_who_are_not_price_staff_are_refused_the_staff_page(kaixin, people, outsider):
    for user in (people["issuer"], outsider, staff_with("add_deal", username="deal-desk")):
        client = signed_in(user)
        assert "may enter closing prices here" in refused(client.get(STAFF_URL), 403)
        refused(client.post(STAFF_URL, enter(YESTERDAY, **{"enter-ticker": "KXIN"})), 403)
        assert reverse("escrow:prices") not in client.get(reverse("escrow:dashboard")).content.decode()
    assert not SharePrice.objects.exists()


def test_a_deal_without_a_ticker_offers_no_price_forms(people):
    from tests.factories import make_deal

    deal, its_people = make_deal("noticker", deposit=False)
    client = signed_in(its_people["issuer"])
    html = client.get(deal_url(deal)).content.decode()
    assert 'data-testid="no-ticker"' in html and 'data-testid="price-form"' not in html
    assert deal_url(deal) not in client.get(reverse("escrow:deal", args=[deal.slug])).content.decode()
    refused(client.post(deal_url(deal), enter(YESTERDAY)), 403)
    assert not SharePrice.objects.exists()
