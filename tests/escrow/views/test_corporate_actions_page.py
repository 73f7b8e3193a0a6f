"""The corporate actions page (issue 14 item 4): every role reads it; the issuer is offered the proposal, the
escrow agent the confirmation (on or after the effective date), each only when it can act now; both
languages; the API read endpoint."""

import pytest
from django.urls import reverse

from escrow.models import CorporateAction, HistoryEntry, ShareMovement
from escrow.queries.clock import contract_today
from tests.conftest import open_and_file
from tests.escrow.views.test_chinese_first import chinese_client
from tests.latin import kaixin_names, latin_sentences

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(deposited):
    return reverse("escrow:corporate_actions", args=[deposited.slug])


PROPOSE = 'data-testid="propose-corporate-action"'
CONFIRM = 'data-testid="confirm-corporate-action"'


def propose_data(**extra):
    return {
        "op": "propose",
        "ratio_new": "1",
        "ratio_old": "30",
        "effective_date": contract_today().isoformat(),
        "fraction_policy": "round-up",
        "new_cusip": "G5223X167",
        **extra,
    }


def test_propose_then_confirm_through_the_page(client_for, deposited, url):
    deal_page = client_for("seller").get(reverse("escrow:deal", args=[deposited.slug])).content.decode()
    assert url in deal_page  # the tab
    issuer, agent = client_for("issuer"), client_for("agent1")
    page = issuer.get(url).content.decode()
    assert PROPOSE in page and CONFIRM not in page
    assert 'data-testid="tranche-size" data-year="1">3,000,000' in page
    assert PROPOSE not in agent.get(url).content.decode()  # the agent confirms; it does not propose
    assert issuer.post(url, propose_data()).status_code == 302
    assert PROPOSE not in issuer.get(url).content.decode()  # one proposal at a time
    page = agent.get(url).content.decode()
    assert CONFIRM in page
    assert agent.post(url, {"op": "confirm", "reference": "TA-77"}).status_code == 302
    page = agent.get(url).content.decode()
    assert 'data-testid="tranche-size" data-year="1">100,000' in page
    assert "15,000,000 became 500,000" in page
    assert ShareMovement.objects.filter(deal=deposited).balances()["in_escrow"] == 500_000


def test_refusals(client_for, deposited, people, url):
    assert client_for("auditor").get(url).status_code == 200  # every role reads it
    assert client_for("seller").post(url, propose_data()).status_code == 403
    assert client_for("agent1").post(url, {"op": "confirm"}).status_code == 409  # nothing proposed
    bad = client_for("issuer").post(url, propose_data(ratio_old="1", ratio_new="1"))
    assert bad.status_code == 400 and not CorporateAction.objects.exists()
    # A year fixed in old shares: the agent is told why and not offered the form.
    open_and_file(deposited, people, 1, "665000000")
    assert client_for("issuer").post(url, propose_data()).status_code == 302
    page = client_for("agent1").get(url).content.decode()
    assert CONFIRM not in page and 'data-testid="why-not-confirm"' in page
    assert client_for("agent1").post(url, {"op": "confirm"}).status_code == 409
    assert not ShareMovement.objects.filter(kind="rebase").exists()


def test_chinese_reader_reads_chinese(deposited, people, url):
    issuer = chinese_client(people["issuer"])
    assert issuer.post(url, propose_data()).status_code == 302
    agent = chinese_client(people["agent1"])
    assert agent.post(url, {"op": "confirm"}).status_code == 302
    html = agent.get(url).content.decode()
    assert latin_sentences(html, "corporate-actions", kaixin_names(people)) == []
    assert "30 股合为 1 股" in html
    history = agent.get(reverse("escrow:history", args=[deposited.slug])).content.decode()
    assert HistoryEntry.objects.filter(action="corporate_action_confirmed").exists()
    assert "合股已确认" in history


def test_api_read(client_for, deposited, people, url):
    client_for("issuer").post(url, propose_data())
    api = reverse("api:corporate-actions", args=[deposited.slug])
    got = client_for("agent1").get(api).json()
    assert got["may_confirm"] and not got["may_propose"]
    assert got["actions"][0]["state"] == "proposed" and got["actions"][0]["ratio_old"] == 30
    client_for("agent1").post(url, {"op": "confirm"})
    got = client_for("seller").get(api).json()
    assert [s["size"] for s in got["sizes"]] == [100_000] * 5
    assert got["actions"][0]["rebase"]["balance_after"] == 500_000
    assert client_for("seller").get(reverse("api:deal-detail", args=[deposited.slug])).json()["balances"] == {
        "deposited": 15_000_000,
        "rebased": -14_500_000,
        "released": 0,
        "returned": 0,
        "in_escrow": 500_000,
    }
