"""The facts an escrow fee invoice PDF restates (EA 4.4; issue 14 item 5), rendered by
escrow.documents.fee_invoice."""

from dataclasses import dataclass

from escrow.contract.fees import DUE_DAYS
from escrow.documents import fee_invoice
from escrow.documents.facts import parties_of
from escrow.models import Role


@dataclass(frozen=True)
class InvoiceFacts:
    invoice: object  # escrow.models.FeeInvoice
    deal_name: str
    deal_name_zh: str
    deal_slug: str
    agent: object  # escrow.documents.facts.Party or None
    payers: list  # (role, Party or None)
    shares: list  # (role, Decimal) when split between payers; [] otherwise
    due_days: int


def invoice_facts(invoice) -> InvoiceFacts:
    deal = invoice.deal
    parties = parties_of(deal)
    shares = invoice.shares
    return InvoiceFacts(
        invoice=invoice,
        deal_name=deal.name,
        deal_name_zh=deal.name_zh,
        deal_slug=deal.slug,
        agent=parties.get(Role.ESCROW_AGENT),
        payers=[(role, parties.get(role)) for role in shares],
        shares=list(shares.items()) if len(shares) > 1 else [],
        due_days=DUE_DAYS,
    )


def invoice_pdf(invoice) -> tuple[bytes, str]:
    """(PDF bytes, file name)."""
    return fee_invoice.render(invoice_facts(invoice)), f"{invoice.number}.pdf"
