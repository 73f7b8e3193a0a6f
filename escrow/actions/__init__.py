"""One function per use case: the only writers. Each checks who may act (a contract role, or platform
staff with a Django permission), locks and re-reads, runs the transition, writes ledger and history in
one transaction, and queues notifications. People and organisations are written by parties.actions."""

from escrow.actions.calendars import set_calendar_override
from escrow.actions.callbacks import record_call_back, set_call_back_waiver
from escrow.actions.corporate_actions import confirm_corporate_action, propose_corporate_action
from escrow.actions.corrections import correct_report, preview_correction
from escrow.actions.deals import create_deal
from escrow.actions.declines import decline_to_sign
from escrow.actions.deposit import confirm_deposit, return_for_cancellation
from escrow.actions.fees import issue_fee_invoices, record_fee_payment
from escrow.actions.holds import lift_suspension, raise_dispute, suspend_release
from escrow.actions.instruments import file_award, propose_adjustment, propose_settlement, sign_instrument
from escrow.actions.parties import add_party, approve_auditor, approve_new_auditor, change_party_role, end_party
from escrow.actions.prices import correct_share_price, enter_share_price, import_prices
from escrow.actions.releases import approve_release, prepare_release, withdraw_preparation
from escrow.actions.reports import file_report, open_year, preview_report

__all__ = [
    "add_party",
    "approve_auditor",
    "approve_new_auditor",
    "approve_release",
    "change_party_role",
    "confirm_corporate_action",
    "confirm_deposit",
    "correct_report",
    "correct_share_price",
    "create_deal",
    "decline_to_sign",
    "end_party",
    "enter_share_price",
    "file_award",
    "file_report",
    "import_prices",
    "issue_fee_invoices",
    "lift_suspension",
    "open_year",
    "prepare_release",
    "preview_correction",
    "preview_report",
    "propose_adjustment",
    "propose_corporate_action",
    "propose_settlement",
    "raise_dispute",
    "record_call_back",
    "record_fee_payment",
    "return_for_cancellation",
    "set_calendar_override",
    "set_call_back_waiver",
    "sign_instrument",
    "suspend_release",
    "withdraw_preparation",
]
