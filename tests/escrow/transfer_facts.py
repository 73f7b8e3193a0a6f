"""Issue 11 item 4: the transfer agent's facts the approve page asks officer 2 for (EA 3.2)."""

from escrow.queries.clock import contract_today


def approve_page_facts():
    return {
        "transfer_date": contract_today().isoformat(),
        "transfer_agent": "Continental Stock Transfer & Trust Company",
        "recipient_account": "DTC participant 0352, account 88-120-4471",
    }
