"""create_deal: one action behind the admin, the staff page, the API, the `create_deal` command and
`load_kaixin`. A deal's history starts with DEAL_CREATED recording its terms (SPA 1.4, 4.1, 5.1)."""

import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from escrow.actions.deals import create_deal
from escrow.contract.errors import InvalidInput, NotAllowed
from escrow.models import Deal, HistoryEntry, Tranche
from tests.parties import tokens

pytestmark = pytest.mark.django_db

POLICIES = {
    "excess_credit",
    "offset_base",
    "offset_order",
    "rounding",
    "partial_release",
    "calendar",
    "penalty_cap_valuation",
    "hold_days",
    "escrow_fee_payer",  # P9 (issue 14 item 5)
}


def acme(**changes):
    """Three calendar years of Acme, Hong Kong business days, the 6-K reading of P1."""
    terms = dict(
        slug="acme-2026",
        name="Acme earn-out",
        target_company="Acme Ltd",
        total_shares=900,
        effective_date=date(2026, 1, 5),
        ticker="ACME",
        calendar="hk",
        policies={"excess_credit": "whole-excess-over-50pct", "penalty_cap_valuation": "each-day"},
        tranches=[
            (1, date(2026, 1, 1), date(2026, 12, 31), Decimal("100")),
            (2, date(2027, 1, 1), date(2027, 12, 31), Decimal("200")),
            (3, date(2028, 1, 1), date(2028, 12, 31), Decimal("300")),
        ],
    )
    terms.update(changes)
    return terms


def first_entry(deal):
    return HistoryEntry.objects.filter(deal=deal).order_by("seq").first()


def assert_acme_terms(deal, actor):
    """The deal, its tranches with SPA 5.1 release dates, and the first history entry with the terms."""
    assert (deal.state, deal.calendar, deal.tranche_count, deal.total_shares) == ("awaiting_deposit", "HK", 3, 900)
    assert list(deal.tranches.order_by("year").values_list("year", "release_due_date")) == [
        (1, date(2027, 3, 1)),
        (2, date(2028, 2, 29)),
        (3, date(2029, 3, 1)),
    ]
    entry = first_entry(deal)
    assert (entry.seq, entry.action, entry.actor, entry.deal) == (1, "deal_created", actor, deal)
    terms = entry.details
    assert (terms["total_shares"], terms["tranche_count"], terms["effective_date"], terms["calendar"]) == (
        900,
        3,
        "2026-01-05",
        "HK",
    )
    assert [
        (t["year"], t["period_start"], t["period_end"], Decimal(t["target_revenue"])) for t in terms["tranches"]
    ] == [
        (1, "2026-01-01", "2026-12-31", 100),
        (2, "2027-01-01", "2027-12-31", 200),
        (3, "2028-01-01", "2028-12-31", 300),
    ]
    assert set(terms["policies"]) == POLICIES
    assert terms["policies"]["excess_credit"] == {
        "number": "P1",
        "clause": "SPA 5.2(2)",
        "value": "whole-excess-over-50pct",
    }
    assert terms["policies"]["calendar"]["value"] == "HK" and terms["policies"]["rounding"]["value"] == "floor"
    assert terms["policies"]["penalty_cap_valuation"]["number"] == "P7"
    assert "900 " in entry.summary and "3 tranches" in entry.summary and "P1 whole-excess-over-50pct" in entry.summary


@pytest.fixture
def staff(db):
    """Platform staff with exactly the permission to add deals (no superuser shortcut)."""
    user = get_user_model().objects.create_user("deskstaff", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_deal"))
    return get_user_model().objects.get(pk=user.pk)


# --- the action itself ---


def test_staff_create_a_deal_whose_history_starts_with_its_terms(staff):
    deal = create_deal(staff, **acme())
    assert_acme_terms(deal, staff)


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(calendar="XX"), "Unknown calendar code XX (P6)"),
        (dict(tranche_count=5), "The deal has 5 tranches but 3 assessment years were given"),
        (dict(tranches=[]), "Give at least one tranche"),
        (
            dict(
                tranches=[
                    (1, date(2026, 1, 1), date(2026, 12, 31), 100),
                    (2, date(2027, 2, 1), date(2027, 12, 31), 200),
                ]
            ),
            "Year 2 must start on 2027-01-01, the day after year 1 ends: the assessment periods are contiguous",
        ),
        (dict(tranches=[(1, date(2026, 1, 1), date(2026, 12, 31), 0)]), "Year 1: the target operating revenue must be"),
        (dict(tranches=[(2, date(2026, 1, 1), date(2026, 12, 31), 100)]), "tranche 1 says year 2"),
        (
            dict(tranches=[(1, date(2026, 12, 31), date(2026, 1, 1), 100)]),
            "Year 1 ends on 2026-01-01, not after it starts",
        ),
        (dict(total_shares=0), "The consideration shares must be a whole number above zero"),
        (dict(total_shares=2), "2 shares cannot be split into 3 tranches"),
        (
            dict(policies={"rounding": "ceiling"}),
            "ceiling is not a reading of P4 rounding (SPA 5.2); choose one of: floor",
        ),
        (dict(policies={"generosity": "high"}), "Unknown policy generosity"),
        (dict(slug="new"), "The address new is reserved"),
        (dict(slug="not a slug"), "short address of letters, digits and hyphens"),
        (dict(name=" "), "Enter the deal's name."),
        (dict(ticker="kx in"), "The ticker KX IN is not a symbol like KXIN."),
    ],
)
def test_bad_terms_are_refused_with_a_clear_message_and_nothing_is_written(staff, changes, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        create_deal(staff, **acme(**changes))
    assert not Deal.objects.exists() and not Tranche.objects.exists()
    assert not HistoryEntry.objects.filter(deal__isnull=False).exists()


def test_every_problem_is_named_at_once(staff):
    with pytest.raises(InvalidInput) as error:
        create_deal(staff, **acme(calendar="XX", total_shares=0, policies={"rounding": "ceiling"}))
    assert all(part in error.value.message for part in ("XX", "whole number above zero", "ceiling"))


def test_a_taken_address_is_refused(staff):
    create_deal(staff, **acme())
    with pytest.raises(InvalidInput, match="Another deal already uses the address acme-2026"):
        create_deal(staff, **acme(name="Acme again"))
    assert Deal.objects.count() == 1


def test_only_staff_with_the_permission_create_deals(kaixin, people, staff):
    bare_staff = get_user_model().objects.create_user("bare", password="x", is_staff=True)
    for user in (people["issuer"], people["agent1"], people["compliance"], bare_staff):
        with pytest.raises(NotAllowed, match=r"escrow\.add_deal"):
            create_deal(user, **acme())
    assert not Deal.objects.filter(slug="acme-2026").exists()


# --- load_kaixin: the same action, idempotent, the same deal ---


def test_load_kaixin_creates_the_deal_through_the_action_once(kaixin):
    entries = list(HistoryEntry.objects.filter(deal=kaixin).order_by("seq"))
    created, *rest = entries
    assert created.action == "deal_created" and created.actor is None
    assert created.details["total_shares"] == 15_000_000 and created.details["calendar"] == "CN"
    assert [(t["period_start"], Decimal(t["target_revenue"])) for t in created.details["tranches"]] == [
        ("2025-12-01", 665_000_000),
        ("2026-12-01", 732_000_000),
        ("2027-12-01", 805_000_000),
        ("2028-12-01", 885_000_000),
        ("2029-12-01", 974_000_000),
    ]
    assert {p["value"] for p in created.details["policies"].values()} >= {"half-of-excess", "shortfall-year"}
    # Issue 10 item 1: the signatory register from the signed agreement, proposed and confirmed.
    assert {e.action for e in rest} == {
        "party_added",
        "auditor_approved",
        "register_change_proposed",
        "register_change_confirmed",
    }
    assert (kaixin.ticker, kaixin.effective_date, kaixin.escrow_fee_per_year) == ("KXIN", date(2025, 12, 2), 5000)
    assert kaixin.tranches.values_list("year", "release_due_date").first() == (1, date(2027, 1, 29))
    out = io.StringIO()
    call_command("load_kaixin", stdout=out)
    assert "Already loaded" in out.getvalue()
    assert HistoryEntry.objects.filter(deal=kaixin).count() == len(entries) and Tranche.objects.count() == 5


def test_load_kaixin_by_a_staff_member_names_them(staff):
    staff.user_permissions.add(Permission.objects.get(codename="add_dealparty"))
    # load_kaixin adds its organisations through parties' action, which staff do with this permission
    staff.user_permissions.add(Permission.objects.get(codename="add_organisation"))
    get_user_model().objects.create_user("plain")
    with pytest.raises(CommandError, match=r"escrow\.add_deal"):
        call_command("load_kaixin", "--by", "plain", stdout=io.StringIO())
    assert not Deal.objects.exists()
    call_command("load_kaixin", "--by", "deskstaff", "--no-demo-users", stdout=io.StringIO())
    deal = Deal.objects.get(slug="kaixin-2025")
    assert {e.actor for e in HistoryEntry.objects.filter(deal=deal)} == {get_user_model().objects.get(pk=staff.pk)}


# --- the admin ---


def test_the_admin_add_form_creates_the_deal_through_the_action(admin_client, admin_user):
    response = admin_client.post(reverse("admin:escrow_deal_add"), admin_form(acme_admin()))
    assert response.status_code == 302, response.content.decode()[:3000]
    deal = Deal.objects.get(slug="acme-2026")
    assert_acme_terms(deal, admin_user)


def test_the_admin_shows_the_actions_message_and_saves_nothing(admin_client):
    data = acme_admin()
    data["tranches"][1] = ("2027-02-01", "2027-12-31", "200")
    response = admin_client.post(reverse("admin:escrow_deal_add"), admin_form(data))
    assert response.status_code == 200
    assert "the assessment periods are contiguous" in response.content.decode()
    assert not Deal.objects.exists() and not HistoryEntry.objects.filter(deal__isnull=False).exists()


def acme_admin():
    return {
        "fields": {
            "slug": "acme-2026",
            "name": "Acme earn-out",
            "name_zh": "",
            "target_company": "Acme Ltd",
            "total_shares": "900",
            "tranche_count": "3",
            "share_class": "Class A ordinary shares",
            "ticker": "ACME",
            "target_currency": "CNY",
            "price_currency": "USD",
            "effective_date": "2026-01-05",
            "escrow_fee_per_year": "0",
            "notes": "",
            "excess_credit": "whole-excess-over-50pct",
            "offset_base": "shortfall-year",
            "offset_order": "earliest-first",
            "rounding": "floor",
            "partial_release": "by-formula",
            "calendar": "hk",
            "penalty_cap_valuation": "each-day",
            "hold_days": "civil-code",
            "escrow_fee_payer": "issuer",
        },
        "tranches": [
            ("2026-01-01", "2026-12-31", "100"),
            ("2027-01-01", "2027-12-31", "200"),
            ("2028-01-01", "2028-12-31", "300"),
        ],
    }


def admin_form(data):
    form = dict(
        data["fields"],
        **{
            "tranches-TOTAL_FORMS": "5",
            "tranches-INITIAL_FORMS": "0",
            "tranches-MIN_NUM_FORMS": "0",
            "tranches-MAX_NUM_FORMS": "1000",
        },
    )
    for i, (start, end, target) in enumerate(data["tranches"]):
        form.update(
            {
                f"tranches-{i}-year": str(i + 1),
                f"tranches-{i}-period_start": start,
                f"tranches-{i}-period_end": end,
                f"tranches-{i}-target_revenue": target,
            }
        )
    return form


# --- the API ---


def api_body(**changes):
    body = {
        "slug": "acme-2026",
        "name": "Acme earn-out",
        "target_company": "Acme Ltd",
        "total_shares": 900,
        "effective_date": "2026-01-05",
        "ticker": "ACME",
        "calendar": "hk",
        "policies": {"excess_credit": "whole-excess-over-50pct", "penalty_cap_valuation": "each-day"},
        "tranches": [
            {"year": 1, "period_start": "2026-01-01", "period_end": "2026-12-31", "target_revenue": "100"},
            {"year": 2, "period_start": "2027-01-01", "period_end": "2027-12-31", "target_revenue": "200"},
            {"year": 3, "period_start": "2028-01-01", "period_end": "2028-12-31", "target_revenue": "300"},
        ],
    }
    body.update(changes)
    return body


def token_client(user):
    return tokens.token_client(user)


def test_staff_create_a_deal_over_the_api_with_a_token(staff):
    response = token_client(staff).post("/api/deals/", api_body(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["slug"], body["state"], body["tranche_count"]) == ("acme-2026", "awaiting_deposit", 3)
    assert body["policies"]["excess_credit"] == "whole-excess-over-50pct"
    assert [t["release_due_date"] for t in body["tranches"]] == ["2027-03-01", "2028-02-29", "2029-03-01"]
    assert_acme_terms(Deal.objects.get(slug="acme-2026"), staff)


def test_the_api_refuses_non_staff_and_bad_terms_in_the_error_shape(kaixin, people, staff):
    refused = token_client(people["issuer"]).post("/api/deals/", api_body(), format="json")
    assert refused.status_code == 403 and "escrow.add_deal" in refused.json()["detail"]
    assert set(refused.json()) >= {"detail", "clause"}
    bad = token_client(staff).post("/api/deals/", api_body(calendar="XX"), format="json")
    assert bad.status_code == 400 and "Unknown calendar code XX (P6)" in bad.json()["detail"]
    shapeless = token_client(staff).post("/api/deals/", api_body(total_shares="many"), format="json")
    assert shapeless.status_code == 400 and "total_shares" in shapeless.json()["detail"]
    assert APIClient().post("/api/deals/", api_body(), format="json").status_code == 401
    assert not Deal.objects.filter(slug="acme-2026").exists()


def test_the_schema_documents_creating_a_deal(staff):
    schema = token_client(staff).get("/api/schema/", {"format": "json"}).json()
    post = schema["paths"]["/api/deals/"]["post"]
    assert {"201", "400", "403"} <= set(post["responses"]) and post["description"]
    assert list(post["requestBody"]["content"]) == ["application/json"] and "get" in schema["paths"]["/api/deals/"]
    terms = schema["components"]["schemas"]["DealInput"]
    assert {"tranches", "policies", "calendar", "total_shares", "effective_date"} <= set(terms["properties"])


# --- the staff page ---


def page_form(**changes):
    data = {
        "slug": "acme-2026",
        "name": "Acme earn-out",
        "name_zh": "",
        "target_company": "Acme Ltd",
        "total_shares": "900",
        "share_class": "Class A ordinary shares",
        "ticker": "ACME",
        "target_currency": "CNY",
        "price_currency": "USD",
        "effective_date": "2026-01-05",
        "escrow_fee_per_year": "0",
        "notes": "",
        "calendar": "hk",
        "excess_credit": "whole-excess-over-50pct",
        "offset_base": "shortfall-year",
        "offset_order": "earliest-first",
        "rounding": "floor",
        "partial_release": "by-formula",
        "penalty_cap_valuation": "each-day",
        "hold_days": "civil-code",
        "escrow_fee_payer": "issuer",
        "tranches-TOTAL_FORMS": "5",
        "tranches-INITIAL_FORMS": "0",
        "tranches-MIN_NUM_FORMS": "0",
        "tranches-MAX_NUM_FORMS": "30",
    }
    for i, (start, end, target) in enumerate(
        [("2026-01-01", "2026-12-31", "100"), ("2027-01-01", "2027-12-31", "200"), ("2028-01-01", "2028-12-31", "300")]
    ):
        data.update(
            {
                f"tranches-{i}-period_start": start,
                f"tranches-{i}-period_end": end,
                f"tranches-{i}-target_revenue": target,
            }
        )
    data.update(changes)
    return data


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_staff_create_a_deal_on_the_page_linked_from_their_dashboard(staff):
    client = signed_in(staff)
    assert reverse("escrow:create_deal") in client.get(reverse("escrow:dashboard")).content.decode()
    page = client.get(reverse("escrow:create_deal"))
    assert page.status_code == 200 and "P6" in page.content.decode()
    response = client.post(reverse("escrow:create_deal"), page_form())
    deal = Deal.objects.get(slug="acme-2026")
    assert response.status_code == 302 and response["Location"] == reverse("escrow:dashboard")
    assert_acme_terms(deal, staff)


def test_staff_who_add_parties_are_taken_to_the_next_step(staff):
    """After the terms come the parties: the admin's add page with the new deal already chosen."""
    staff.user_permissions.add(Permission.objects.get(codename="add_dealparty"))
    client = signed_in(staff)
    response = client.post(reverse("escrow:create_deal"), page_form())
    deal = Deal.objects.get(slug="acme-2026")
    assert response["Location"] == f"{reverse('admin:escrow_dealparty_add')}?deal={deal.pk}"
    form = client.get(response["Location"]).context["adminform"].form
    assert form.initial["deal"] == str(deal.pk)


def test_the_page_shows_the_actions_message_and_saves_nothing(staff):
    bad = page_form(calendar="XX", **{"tranches-1-period_start": "2027-02-01"})
    response = signed_in(staff).post(reverse("escrow:create_deal"), bad)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Unknown calendar code XX (P6)" in html and "the assessment periods are contiguous" in html
    assert not Deal.objects.exists()


def test_the_page_is_refused_to_everyone_else(kaixin, people):
    for user in (people["issuer"], people["agent1"], people["compliance"]):
        client = signed_in(user)
        assert client.get(reverse("escrow:create_deal")).status_code == 403
        assert client.post(reverse("escrow:create_deal"), page_form()).status_code == 403
        assert reverse("escrow:create_deal") not in client.get(reverse("escrow:dashboard")).content.decode()
    assert Client().get(reverse("escrow:create_deal")).status_code == 302  # to the sign-in page
    assert not Deal.objects.filter(slug="acme-2026").exists()


# --- the command ---


def write_terms(tmp_path, **changes):
    path = tmp_path / "terms.json"
    path.write_text(json.dumps(api_body(**changes)))
    return str(path)


def test_the_command_creates_a_deal_from_a_json_file(tmp_path, staff):
    out = io.StringIO()
    call_command("create_deal", write_terms(tmp_path), "--by", "deskstaff", stdout=out)
    assert "Created: Acme earn-out (acme-2026), 900 shares in 3 tranches." in out.getvalue()
    assert_acme_terms(Deal.objects.get(slug="acme-2026"), staff)


def test_the_command_refuses_clearly(tmp_path, staff, kaixin):
    with pytest.raises(CommandError, match=r"--by nobody: nobody has that username"):
        call_command("create_deal", write_terms(tmp_path), "--by", "nobody")
    with pytest.raises(CommandError, match=r"escrow\.add_deal"):
        call_command("create_deal", write_terms(tmp_path), "--by", "issuer")
    with pytest.raises(CommandError, match="Unknown calendar code XX"):
        call_command("create_deal", write_terms(tmp_path, calendar="XX"), "--by", "deskstaff")
    with pytest.raises(CommandError, match="unknown terms colour"):
        call_command("create_deal", write_terms(tmp_path, colour="blue"), "--by", "deskstaff")
    with pytest.raises(CommandError, match="--by"):
        call_command("create_deal", write_terms(tmp_path))
    assert not Deal.objects.filter(slug="acme-2026").exists()
