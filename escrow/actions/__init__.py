"""One function per use case: the only writers. Each checks the actor's role, locks and re-reads,
runs the transition, writes ledger and history in one transaction, and queues notifications."""
from escrow.actions.deposit import confirm_deposit, return_for_cancellation
from escrow.actions.holds import lift_suspension, raise_dispute, suspend_release
from escrow.actions.instruments import file_award, propose_adjustment, propose_settlement, sign_instrument
from escrow.actions.parties import add_party, approve_auditor, approve_new_auditor
from escrow.actions.releases import approve_release, prepare_release, withdraw_preparation
from escrow.actions.reports import file_report, open_year

__all__ = [
    "add_party", "approve_auditor", "approve_new_auditor", "approve_release", "confirm_deposit", "file_award", "file_report",
    "lift_suspension", "open_year", "prepare_release", "propose_adjustment", "propose_settlement",
    "raise_dispute", "return_for_cancellation", "sign_instrument", "suspend_release", "withdraw_preparation",
]
