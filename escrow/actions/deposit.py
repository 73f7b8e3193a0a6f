"""The deal's ends: the deposit into escrow (EA 1.1) and the return for cancellation (SPA 5.2(1))."""

from dataclasses import replace

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escrow.actions.base import lock_deal, run_transition
from escrow.actions.movements import write_movement
from escrow.actions.transfer_evidence import check_facts, record_evidence, store_confirmation
from escrow.contract.calendar import deposit_due
from escrow.models import HistoryAction, Role, ShareMovement
from escrow.notifications.notify import notify_roles
from escrow.notifications.texts import Text
from escrow.queries.clock import calendar_for, contract_today
from escrow.queries.preconditions import deposit_pending, returnable
from escrow.usecases.permissions import require


@transaction.atomic
def confirm_deposit(
    actor,
    deal,
    *,
    reference="",
    issue_date=None,
    transfer_agent=None,
    recipient_account=None,
    confirmation=None,
    confirmation_name="",
    today=None,
):
    """EA 1.1: the agent confirms the consideration shares were issued in its name.

    Issue 11 item 4: with the transfer agent's facts: the date of issue (not before the agreement took
    effect, not after today), the agent, the escrow account there, and its confirmation PDF when at hand.
    `today` dates a confirmation recorded later than it was made (load_kaixin: the demo's deposit on its
    contract date, inside the EA 1.1 window); never after today's contract date."""
    deal = lock_deal(deal.pk)
    party = require(actor, deal, "confirm_deposit")
    deposit_pending(deal)
    today = min(today or contract_today(), contract_today())
    facts = check_facts(
        transfer_date=issue_date,
        transfer_agent=transfer_agent,
        recipient_account=recipient_account,
        today=today,
        earliest=deal.effective_date,
        earliest_words=_("the agreement's effective date (EA 1.1)"),
    )
    document = store_confirmation(
        deal=deal, tranche=None, upload=confirmation, by=actor, original_name=confirmation_name
    )
    facts = replace(facts, confirmation=document)
    due = deposit_due(deal.effective_date, calendar_for(deal))
    movement = write_movement(
        deal=deal,
        kind=ShareMovement.Kind.DEPOSIT,
        quantity=deal.total_shares,
        fact_key=f"deposit:{deal.pk}",
        reference=reference,
        actor=actor,
    )
    record_evidence(movement, facts, actor)
    run_transition(
        deal,
        "confirm_deposit",
        actor=actor,
        party=party,
        action=HistoryAction.DEPOSIT_CONFIRMED,
        clause="EA 1.1",
        summary=f"{deal.total_shares:,} shares deposited in the escrow account",
        details={
            "quantity": deal.total_shares,
            "due": due.due,
            "confirmed_on": today,
            "late": today > due.due,
            # EA 1.1 asks for the issue within the window, so the date of issue decides, not the day it is
            # confirmed in the portal (issue 12 item 8); None when no date was given.
            "issued_late": facts.transfer_date > due.due if facts.transfer_date else None,
            "reference": reference,
            "transfer": facts.details(reference),
        },
    )
    notify_roles(
        deal,
        [Role.ISSUER, Role.PURCHASER, Role.SELLER],
        key=f"deposit:{deal.pk}",
        subject=Text(
            gettext_lazy("%(deal)s: %(shares)s shares are in escrow"), deal=deal.name, shares=f"{deal.total_shares:,}"
        ),
        clause="EA 1.1",
    )
    return deal


@transaction.atomic
def return_for_cancellation(actor, deal, *, reference=""):
    """SPA 5.2(1): on expiry, shares not released go back to the issuer for cancellation."""
    deal = lock_deal(deal.pk)
    party = require(actor, deal, "return_for_cancellation")
    returnable(deal)  # SPA 5.2(1): once, after the last year is released
    remaining = ShareMovement.objects.filter(deal=deal).balances()["in_escrow"]
    if remaining:
        write_movement(
            deal=deal,
            kind=ShareMovement.Kind.RETURN,
            quantity=remaining,
            fact_key=f"return:{deal.pk}",
            reference=reference,
            actor=actor,
        )
    run_transition(
        deal,
        "close",
        actor=actor,
        party=party,
        action=HistoryAction.RETURNED_FOR_CANCELLATION,
        clause="SPA 5.2(1)",
        summary=f"{remaining:,} deducted shares returned to the issuer for cancellation; escrow closed",
        details={"quantity": remaining, "reference": reference},
    )
    notify_roles(
        deal,
        [Role.ISSUER, Role.PURCHASER, Role.SELLER],
        key=f"return:{deal.pk}",
        subject=Text(
            gettext_lazy("%(deal)s: escrow closed, %(shares)s shares returned for cancellation"),
            deal=deal.name,
            shares=f"{remaining:,}",
        ),
        clause="SPA 5.2(1)",
    )
    return deal
