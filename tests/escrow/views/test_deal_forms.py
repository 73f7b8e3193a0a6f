"""Deal-level form pages: the issuer's approval of the accounting firm (SPA 4.2) and the agent's return
of the shares not released for cancellation (SPA 5.2(1))."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from escrow import actions
from escrow.contract.errors import InvalidInput, NotAllowed
from escrow.models import Deal, DealParty, HistoryEntry, Role, ShareMovement
from parties.actions import add_person
from parties.models import Organisation
from tests.conftest import PASSWORD, make_pdf, open_and_file, post_report, release, tranche

pytestmark = pytest.mark.django_db

WORKED = ["598500000", "865000000", "805000000", "885000000", "974000000"]
NEW_FIRM = {
    "organisation": "",
    "name": "Lixin Certified Public Accountants LLP",
    "name_zh": "立信会计师事务所",
    "jurisdiction": "PRC",
    "registration_number": "91310101568093764U",
}


def auditor_url(deal):
    return reverse("escrow:approve_auditor", args=[deal.slug])


def return_url(deal):
    return reverse("escrow:return_for_cancellation", args=[deal.slug])


def changes(deal):
    """What an approval or a return would change."""
    return (
        Organisation.objects.count(),
        DealParty.objects.filter(deal=deal).count(),
        HistoryEntry.objects.filter(deal=deal).count(),
        ShareMovement.objects.filter(deal=deal).count(),
        Deal.objects.get(pk=deal.pk).state,
    )


# --- approve_auditor (SPA 4.2) ----------------------------------------------------------------------------


def test_the_issuer_approves_a_new_firm_whose_auditor_then_files_a_report(deposited, people, client_for, admin_user):
    client = client_for("issuer")
    page = client.get(auditor_url(deposited)).content.decode()
    assert 'data-testid="auditor-form"' in page and "SPA 4.2" in page
    assert "a report counts only from a firm the issuer approved before it was filed" in page
    assert page.count('data-testid="approved-auditor"') == 1  # Kaixin's firm, approved by load_kaixin

    response = client.post(auditor_url(deposited), NEW_FIRM)
    assert response.status_code == 302 and response["Location"] == reverse("escrow:deal", args=[deposited.slug])
    firm = Organisation.objects.get(name=NEW_FIRM["name"])
    assert (firm.kind, firm.name_zh, firm.jurisdiction, firm.registration_number) == (
        "accounting_firm",
        "立信会计师事务所",
        "PRC",
        "91310101568093764U",
    )
    party = DealParty.objects.get(deal=deposited, organisation=firm)
    assert party.role == Role.AUDITOR and party.approved_at and party.approved_by == people["issuer"]
    assert HistoryEntry.objects.filter(
        deal=deposited, action="auditor_approved", details__organisation=firm.name
    ).exists()

    page = client.get(auditor_url(deposited)).content.decode()
    assert page.count('data-testid="approved-auditor"') == 2 and NEW_FIRM["name"] in page
    assert f'value="{firm.pk}"' not in page  # no longer offered for approval

    # A person added to the firm after the approval is granted the deal by the action that adds them.
    partner = add_person(admin_user, username="partner", organisation=firm, password=PASSWORD)
    t = tranche(deposited, 1)
    actions.open_year(t.pk, today=t.period_end + timedelta(days=1))
    client = Client()
    client.force_login(partner)
    response = post_report(
        client,
        deposited,
        1,
        {
            "audited_revenue": "598,500,000.00",
            "report": SimpleUploadedFile("report.pdf", make_pdf(), content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    t = tranche(deposited, 1)
    assert t.state == "awaiting_instruction" and t.reports.get().firm == party


def test_the_issuer_approves_a_firm_already_in_the_portal(kaixin, people, client_for):
    firm = Organisation.objects.create(name="Existing Audit Firm", kind="accounting_firm", jurisdiction="HK")
    company = Organisation.objects.create(name="Not An Auditor Ltd", jurisdiction="HK")
    page = client_for("issuer").get(auditor_url(kaixin)).content.decode()
    assert f'value="{firm.pk}"' in page and f'value="{company.pk}"' not in page
    response = client_for("issuer").post(auditor_url(kaixin), {"organisation": firm.pk})
    assert response.status_code == 302
    assert DealParty.objects.get(deal=kaixin, organisation=firm).approved_at is not None


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Choose a firm from the list or enter a new one."),
        ({"name": "", "jurisdiction": "PRC"}, "Enter the firm&#x27;s legal name."),
        ({"name": "New Firm LLP"}, "Enter the firm&#x27;s jurisdiction."),
        ({"name": "unrelated capital", "jurisdiction": "HK"}, "already exists"),
    ],
)
def test_approval_errors_are_shown_and_change_nothing(kaixin, outsider, client_for, data, message):
    before = changes(kaixin)
    response = client_for("issuer").post(auditor_url(kaixin), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert changes(kaixin) == before


def test_choosing_a_firm_and_entering_one_is_refused(kaixin, client_for):
    firm = Organisation.objects.create(name="Existing Audit Firm", kind="accounting_firm", jurisdiction="HK")
    before = changes(kaixin)
    response = client_for("issuer").post(auditor_url(kaixin), {**NEW_FIRM, "organisation": firm.pk})
    assert response.status_code == 400 and "not both" in response.content.decode()
    assert changes(kaixin) == before


@pytest.mark.parametrize("persona", ["purchaser", "seller", "agent1", "auditor", "compliance"])
def test_only_the_issuer_may_approve_the_firm(kaixin, client_for, persona):
    before = changes(kaixin)
    client = client_for(persona)
    response = client.get(auditor_url(kaixin))
    assert response.status_code == 403 and "approve auditor (SPA 4.2)" in response.content.decode()
    assert client.post(auditor_url(kaixin), NEW_FIRM).status_code == 403
    assert changes(kaixin) == before
    deal_page = client.get(reverse("escrow:deal", args=[kaixin.slug])).content.decode()
    assert 'data-testid="approve-auditor-link"' not in deal_page


def test_an_outsider_gets_404(kaixin, outsider):
    client = Client()
    client.force_login(outsider)
    before = changes(kaixin)
    for url in (auditor_url(kaixin), return_url(kaixin)):
        assert client.get(url).status_code == 404
        assert client.post(url, {**NEW_FIRM, "reference": "R", "confirm": "on"}).status_code == 404
    assert changes(kaixin) == before


def test_the_new_firm_action_is_one_transaction(kaixin, people):
    """A refused or invalid approval creates no organisation."""
    with pytest.raises(NotAllowed):
        actions.approve_new_auditor(people["purchaser"], kaixin, name="Sneaky LLP", jurisdiction="PRC")
    with pytest.raises(InvalidInput):
        actions.approve_new_auditor(people["issuer"], kaixin, name="  ", jurisdiction="PRC")
    assert not Organisation.objects.filter(name__in=["Sneaky LLP", ""]).exists()


def test_the_deal_page_offers_the_approval_to_the_issuer(kaixin, client_for):
    html = client_for("issuer").get(reverse("escrow:deal", args=[kaixin.slug])).content.decode()
    assert f'href="{auditor_url(kaixin)}"' in html and 'data-testid="return-link"' not in html


# --- return_for_cancellation (SPA 5.2(1)) -----------------------------------------------------------------


def test_the_return_is_refused_while_years_are_open(deposited, client_for):
    """Issue 12 item 3: not offered while years are open; the page says why instead of showing the form."""
    client = client_for("agent1")
    page = client.get(return_url(deposited)).content.decode()
    assert 'data-testid="return-form"' not in page and "SPA 5.2(1)" in page and 'data-testid="open-years"' in page
    assert 'data-testid="stale-reason"' in page and "are not released yet" in page
    before = changes(deposited)
    response = client.post(return_url(deposited), {"reference": "RET-1", "confirm": "on"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "are not released yet" in html and "Nothing was changed." in html
    assert f'href="{reverse("escrow:deal", args=[deposited.slug])}" data-testid="stale-link"' in html
    assert changes(deposited) == before
    assert ShareMovement.objects.filter(deal=deposited).balances()["in_escrow"] == 15_000_000


def test_a_form_posted_while_years_are_open_is_answered_before_its_fields(deposited, client_for):
    """The state is checked before the form's fields (the confirmation box is tried once the years are released,
    below): what can no longer be done is said first."""
    before = changes(deposited)
    response = client_for("agent1").post(return_url(deposited), {"reference": "RET-1"})
    assert response.status_code == 409 and "are not released yet" in response.content.decode()
    assert changes(deposited) == before


@pytest.mark.parametrize("persona", ["issuer", "purchaser", "seller", "auditor", "compliance"])
def test_only_the_agent_may_return_the_shares(deposited, client_for, persona):
    before = changes(deposited)
    client = client_for(persona)
    assert client.get(return_url(deposited)).status_code == 403
    assert client.post(return_url(deposited), {"reference": "RET-1", "confirm": "on"}).status_code == 403
    assert changes(deposited) == before


def test_after_five_released_years_300000_go_back_and_the_deal_closes(deposited, people, client_for):
    Deal.objects.filter(pk=deposited.pk).update(excess_credit="whole-excess-over-50pct")
    deal = Deal.objects.get(pk=deposited.pk)
    for year, revenue in enumerate(WORKED, 1):
        open_and_file(deal, people, year, revenue)
        release(deal, people, year)
    deal_url = reverse("escrow:deal", args=[deal.slug])
    assert 'data-testid="return-link"' not in client_for("issuer").get(deal_url).content.decode()
    client = client_for("agent2")
    assert f'href="{return_url(deal)}"' in client.get(deal_url).content.decode()

    page = client.get(return_url(deal)).content.decode()
    assert 'data-testid="return-quantity">300,000' in page and 'data-testid="open-years"' not in page
    unticked = client.post(return_url(deal), {"reference": "RET-2031"})
    assert unticked.status_code == 400 and "Tick the box to confirm the return." in unticked.content.decode()
    response = client.post(return_url(deal), {"reference": "RET-2031", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == deal_url
    assert Deal.objects.get(pk=deal.pk).state == "closed"
    assert ShareMovement.objects.filter(deal=deal).balances() == {
        "deposited": 15_000_000,
        "rebased": 0,
        "released": 14_700_000,
        "returned": 300_000,
        "in_escrow": 0,
    }
    returned = ShareMovement.objects.get(deal=deal, kind="return")
    assert (returned.quantity, returned.reference, returned.recorded_by) == (300_000, "RET-2031", people["agent2"])

    html = client.get(deal_url).content.decode()
    assert 'data-testid="return-link"' not in html and 'data-testid="ledger-returned">300,000' in html
    # Issue 12 item 4: a closed escrow has nothing to do and says what happened and when.
    assert 'data-testid="nothing-to-do"' in html and "shares went back to the issuer for cancellation" in html
    # Issue 12 item 3: a stale form posted again explains, changes nothing and links to the deal.
    again = client.post(return_url(deal), {"reference": "RET-2031", "confirm": "on"})
    assert again.status_code == 409 and "Nothing was changed." in again.content.decode()
    assert 'data-testid="stale-reason"' in again.content.decode()
    assert ShareMovement.objects.filter(deal=deal, kind="return").count() == 1


def test_both_pages_speak_chinese(deposited, client_for):
    pages = {
        "issuer": (
            auditor_url(deposited),
            [
                "认可会计师事务所",
                "仅由在报告提交前已获发行人认可的会计师事务所出具的报告方为有效",
                "新会计师事务所的法定名称",
            ],
        ),
        "agent1": (
            return_url(deposited),
            ["退还股份以注销", "15,000,000 股", "尚未释放的年度", "年尚未释放；协议须在最后一个年度结清后方告届满"],
        ),
    }
    for persona, (url, words) in pages.items():
        client = client_for(persona)
        client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
        html = client.get(url).content.decode()
        assert all(word in html for word in words), (persona, [w for w in words if w not in html])
    refused = client.post(auditor_url(deposited), NEW_FIRM)  # the agent, in Chinese
    assert refused.status_code == 403 and "认可会计师事务所" in refused.content.decode()
