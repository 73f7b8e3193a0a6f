"""Issue 11 item 4: officer 2 fills in the transfer agent's facts on the approve page (EA 3.2)."""

from escrow.queries.clock import contract_today
from tests.conftest import make_pdf

AGENT = "Continental Stock Transfer & Trust Company"
SELLER_ACCOUNT = "DTC participant 0352 (J.P. Morgan Securities LLC), account 88-120-4471, Wenzhou Kaixin Investment"
DEPOSIT_ACCOUNT = "Account 77-001, Trustee Escrow Services Ltd as escrow agent"
# What officers type is shown as typed (names and accounts have no translation): tests.latin leaves it out.
TYPED = [AGENT, SELLER_ACCOUNT, DEPOSIT_ACCOUNT]


def pdf_file(name, text):
    return {"name": name, "mimeType": "application/pdf", "buffer": make_pdf(text)}


def fill_transfer_facts(page, *, confirmation=True):
    page.get_by_test_id("transfer-date").fill(contract_today().isoformat())
    page.get_by_test_id("transfer-agent").fill(AGENT)
    page.get_by_test_id("recipient-account").fill(SELLER_ACCOUNT)
    if confirmation:
        page.get_by_test_id("transfer-confirmation").set_input_files(pdf_file("ta-confirmation.pdf", "TA-2027-001"))
