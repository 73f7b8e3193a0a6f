"""Issue 11 item 4: the transfer agent's facts the approve page asks officer 2 for (EA 3.2)."""

from escrow.queries.clock import contract_today


def approve_page_facts():
    return {
        "transfer_date": contract_today().isoformat(),
        "transfer_agent": "Continental Stock Transfer & Trust Company",
        "recipient_account": "DTC participant 0352, account 88-120-4471",
    }


AGENT = "Continental Stock Transfer & Trust Company"
ACCOUNT = "DTC participant 0352\nAccount 88-120-4471"


def release_with_record(deal, people, year, revenue, reference):
    """Issue 12: a year filed, signed, prepared, called back and approved by officer 2 with the transfer
    agent's full record (reference, date, agent, the seller's account, the confirmation PDF; EA 3.2)."""
    from escrow import actions
    from tests.conftest import PASSWORD, make_pdf, open_and_file, sign_instruction, tranche
    from tests.escrow.call_backs import confirm_call_back

    open_and_file(deal, people, year, revenue)
    t, instruction = sign_instruction(deal, people, year)
    digest = instruction.document.sha256
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=digest, password=PASSWORD)
    confirm_call_back(deal, people, t)
    actions.approve_release(
        people["agent2"],
        t.pk,
        expected_sha256=digest,
        transfer_reference=reference,
        transfer_date=contract_today(),
        transfer_agent=AGENT,
        recipient_account=ACCOUNT,
        confirmation=make_pdf(f"Transfer confirmation {reference}"),
        confirmation_name=f"{reference}.pdf",
        password=PASSWORD,
    )
    return tranche(deal, year)
