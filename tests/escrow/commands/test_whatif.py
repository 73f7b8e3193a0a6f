"""`manage.py whatif` (issue 2 item 6): the RULES.md worked example, JSON shape, clear usage errors."""

import io
import json

import pytest
from django.core.management import call_command

from escrow.models import Deal, HistoryEntry

pytestmark = pytest.mark.django_db
WORKED = "598500000,865000000,805000000,885000000,974000000"


def whatif(*args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("whatif", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def test_worked_example_default_policies(kaixin):
    code, out = whatif("--deal", "kaixin-2025", "--actuals", WORKED, "--json")
    data = json.loads(out)
    assert code == 0 and data["deal"] == "kaixin-2025"
    assert data["policies"]["excess_credit"] == "half-of-excess"
    year1, year2 = data["years"][:2]
    assert (year1["own_release"], year1["deducted"], year1["total_release"]) == (2_700_000, 300_000, 2_700_000)
    assert year2["offset_shares"] == {"1": 300_000} and year2["total_release"] == 3_300_000
    assert [y["total_release"] for y in data["years"][2:]] == [3_000_000] * 3
    assert data["cancelled_at_expiry"] == 0
    assert set(year1) == {"year", "target", "actual", "own_release", "deducted", "offset_shares", "total_release"}


def test_worked_example_under_the_6k_reading(kaixin):
    _code, out = whatif(
        "--deal", "kaixin-2025", "--actuals", WORKED, "--policy", "excess_credit=whole-excess-over-50pct", "--json"
    )
    data = json.loads(out)
    assert data["years"][1]["offset_shares"] == {} and data["cancelled_at_expiry"] == 300_000


def test_table_output_and_partial_years(kaixin):
    code, out = whatif("--deal", "kaixin-2025", "--actuals", "598500000")
    assert code == 0 and "2,700,000" in out and "not known until every year is audited" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--deal", "nope", "--actuals", "1"], "unknown deal"),
        (["--deal", "kaixin-2025", "--actuals", "1,x"], "not a number"),
        (["--deal", "kaixin-2025", "--actuals", "-5"], ">= 0"),
        (["--deal", "kaixin-2025", "--actuals", "1,2,3,4,5,6"], "has 5 years"),
        (["--deal", "kaixin-2025", "--actuals", "1", "--policy", "colour=red"], "unknown policy"),
        (["--deal", "kaixin-2025", "--actuals", "1", "--policy", "rounding=ceiling"], "rounding"),
    ],
)
def test_bad_input_is_one_line_on_stderr_exit_2(kaixin, capsys, args, message):
    before = HistoryEntry.objects.count()
    code, out = whatif(*args)
    err = capsys.readouterr().err
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1
    assert HistoryEntry.objects.count() == before


def test_load_kaixin_is_idempotent(kaixin):
    before = (HistoryEntry.objects.count(), Deal.objects.count())
    call_command("load_kaixin", stdout=io.StringIO())
    assert (HistoryEntry.objects.count(), Deal.objects.count()) == before
    deal = Deal.objects.get(slug="kaixin-2025")
    assert deal.total_shares == 15_000_000 and deal.tranche_count == 5
    assert next(str(t.release_due_date) for t in deal.tranches.all()) == "2027-01-29"  # SPA 5.1
    assert set(deal.parties.values_list("role", flat=True)) == {
        "issuer",
        "purchaser",
        "seller",
        "escrow_agent",
        "auditor",
        "compliance",
    }
    assert "$15 million" in deal.notes  # RULES.md: show the 6-K discrepancy
