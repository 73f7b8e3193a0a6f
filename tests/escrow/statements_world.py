"""Kaixin's year 1 (tests/escrow/as_of_world.py) and a February 2027 around the shares: a dividend passed through
(SPA 3.2, EA 1.3), a meeting and the seller's voting instruction, the first escrow fee invoice issued and paid
(EA 4.4). Statements (issue 14 item 6) are read over it."""

from datetime import date

from escrow import actions
from escrow.actions import holdings as act
from tests.escrow.as_of_world import on, walk_year_one

DIVIDEND_PASSED, INVOICED, PAID, INSTRUCTED = date(2027, 2, 8), date(2027, 2, 1), date(2027, 2, 15), date(2027, 2, 20)


def walk_into_february(user_model):
    deal, people = walk_year_one(user_model)
    with on(INVOICED):
        invoice = actions.issue_fee_invoices(people["agent1"], deal)[0]
    with on(date(2027, 2, 2)):
        dividend = act.record_dividend(
            people["issuer"],
            deal,
            kind="cash",
            declared_on=date(2027, 1, 28),
            record_date=date(2027, 1, 29),
            payment_date=date(2027, 2, 5),
            per_share="0.05",
            currency="USD",
        )
        meeting = act.record_meeting(
            people["issuer"],
            deal,
            record_date=date(2027, 2, 3),
            meeting_date=date(2027, 3, 31),
            resolutions="Re-elect the directors\nAppoint the auditor\n",
        )
    with on(DIVIDEND_PASSED):
        act.record_dividend_pass_through(
            people["agent1"], deal, dividend.pk, paid_on=DIVIDEND_PASSED, reference="DIV-1", amount="600000.00"
        )
    with on(PAID):
        actions.record_fee_payment(people["agent1"], deal, invoice.pk, paid_on=PAID, reference="WIRE-1")
    with on(INSTRUCTED):
        act.instruct_vote(people["seller"], deal, meeting.pk, choices={1: "for", 2: "against"})
    return deal, people
