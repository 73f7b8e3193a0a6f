"""Data and invariants. Writers live in escrow.actions; nothing here sends or enqueues anything."""

from escrow.models.callbacks import CallBack
from escrow.models.checkpoints import Checkpoint
from escrow.models.clock import DemoClock
from escrow.models.corporate_actions import CorporateAction
from escrow.models.deal import CalendarOverride, Deal, DealParty, DealUserObjectPermission, Role
from escrow.models.documents import Decline, Instrument, Signature, StoredDocument
from escrow.models.fees import FeeInvoice
from escrow.models.history import HistoryAction, HistoryChain, HistoryEntry
from escrow.models.holdings import Dividend, Meeting, VotingInstruction
from escrow.models.holds import Hold
from escrow.models.ledger import ShareMovement
from escrow.models.notifications import Notification, OutboxMessage
from escrow.models.prices import PenaltyDay, SharePrice
from escrow.models.register import RegisterChange, Signatory
from escrow.models.tranche import AuditReport, PenaltyPosition, Tranche, TrancheState
from escrow.models.transfers import TransferEvidence
from escrow.models.verification import VerificationRun

__all__ = [
    "AuditReport",
    "CalendarOverride",
    "CallBack",
    "Checkpoint",
    "CorporateAction",
    "Deal",
    "DealParty",
    "DealUserObjectPermission",
    "Decline",
    "DemoClock",
    "Dividend",
    "FeeInvoice",
    "HistoryAction",
    "HistoryChain",
    "HistoryEntry",
    "Hold",
    "Instrument",
    "Meeting",
    "Notification",
    "OutboxMessage",
    "PenaltyDay",
    "PenaltyPosition",
    "RegisterChange",
    "Role",
    "ShareMovement",
    "SharePrice",
    "Signatory",
    "Signature",
    "StoredDocument",
    "Tranche",
    "TrancheState",
    "TransferEvidence",
    "VerificationRun",
    "VotingInstruction",
]
