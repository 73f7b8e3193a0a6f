"""Data and invariants. Writers live in escrow.actions; nothing here sends or enqueues anything."""
from .deal import CalendarOverride, Deal, DealParty, DealUserObjectPermission, Role
from .documents import Instrument, Signature, StoredDocument
from .history import AuditChain, AuditEntry
from .holds import Hold
from .ledger import ShareMovement
from .notifications import Notification, OutboxMessage
from .prices import PenaltyDay, SharePrice
from .tranche import AuditReport, Tranche, TrancheState

__all__ = [
    "AuditChain", "AuditEntry", "AuditReport", "CalendarOverride", "Deal", "DealParty",
    "DealUserObjectPermission", "Hold", "Instrument", "Notification", "OutboxMessage", "PenaltyDay",
    "Role", "ShareMovement", "SharePrice", "Signature", "StoredDocument", "Tranche", "TrancheState",
]
