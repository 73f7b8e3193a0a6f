"""What an instrument states, read from the records once, as plain values the renderer lays out.

The figures are the engine's own (the tranche's stored calculation from escrow.queries.quantities
`schedule_for`, SPA 5.1, 5.2); this module only reads rows and words. Chinese words for the engine's
English (policy questions and readings, role names) come from the translation catalogue, the one place
they are kept (escrow/views/labels.py marks them).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation

from escrow.contract.policies import POLICY_DEFINITIONS
from escrow.models import AuditReport, DealParty, Role
from escrow.models.clock import contract_today

CHINESE = "zh-hans"
LETTERS = {Role.ISSUER: "A", Role.PURCHASER: "B", Role.SELLER: "C", Role.ESCROW_AGENT: "D"}


def both(message) -> tuple:
    """(English, Chinese) of a message id (the engine's English) or a lazy label, from the catalogue."""
    words = []
    for language in ("en", CHINESE):
        with translation.override(language):
            words.append(translation.gettext(message) if isinstance(message, str) else str(message))
    return tuple(words)


@dataclass(frozen=True)
class Party:
    role: str
    label: tuple  # (English, Chinese): "Issuer (Party A)", "发行人（甲方）"
    name: str
    name_zh: str = ""
    jurisdiction: str = ""
    registration: str = ""
    address: str = ""


@dataclass(frozen=True)
class Report:
    firm: str
    firm_zh: str
    revenue: Decimal
    filed_on: date  # in Beijing
    sha256: str


@dataclass(frozen=True)
class PolicyInForce:
    number: str
    clause: str
    question: tuple  # (English, Chinese)
    reading: tuple  # (English, Chinese)


@dataclass(frozen=True)
class InstrumentFacts:
    kind: str
    reference: str
    issued_on: date
    deal_name: str
    deal_name_zh: str
    deal_slug: str
    effective_date: date
    share_class: str
    total_shares: int
    tranche_count: int
    currency: str
    year: int
    period: tuple  # (start, end)
    target: Decimal
    quantity: int
    calculation: dict
    policies: list
    parties: dict  # role -> Party
    signer_roles: list
    report: Report | None = None
    reason: str = ""
    release_due_date: date | None = None
    new_release_due_date: date | None = None
    calculation_lines: list = field(default_factory=list)


def parties_of(deal) -> dict:
    """The deal's current contract parties, role -> Party."""
    rows = DealParty.objects.filter(deal=deal, role__in=list(LETTERS), ended_at__isnull=True).select_related(
        "organisation"
    )
    return {
        p.role: Party(
            role=p.role,
            label=both(Role(p.role).label),
            name=p.organisation.name,
            name_zh=p.organisation.name_zh,
            jurisdiction=p.organisation.jurisdiction,
            registration=p.organisation.registration_number,
            address=p.organisation.address,
        )
        for p in rows
    }


def report_of(tranche) -> Report | None:
    """The accounting firm's report the tranche's audited revenue comes from (EA 3.1(a), SPA 4.2)."""
    report = (
        AuditReport.objects.filter(tranche=tranche)
        .select_related("firm__organisation", "document")
        .order_by("-filed_at", "-pk")
        .first()
    )
    if report is None:
        return None
    organisation = report.firm.organisation
    beijing = ZoneInfo(settings.CONTRACT_TIME_ZONE)
    return Report(
        firm=organisation.name,
        firm_zh=organisation.name_zh,
        revenue=report.audited_revenue,
        filed_on=report.filed_at.astimezone(beijing).date(),
        sha256=report.document.sha256,
    )


def policies_in_force(policies) -> list:
    """Every policy of the deal in words, with its clause (no code keys: the reading, not its key)."""
    values = policies.as_dict()
    result = []
    for definition in POLICY_DEFINITIONS:
        value = values.get(definition.key)
        if value is None:
            continue
        meaning = definition.meanings.get(value)
        reading = both(meaning) if meaning else (f"the {value} calendar", f"{value}日历")
        result.append(PolicyInForce(definition.number, definition.clause, both(definition.question), reading))
    return result


def gather(
    *,
    kind,
    deal,
    tranche,
    quantity,
    reference,
    signer_roles,
    calculation=None,
    reason="",
    release_due_date=None,
    issued_on=None,
    calculation_lines=(),
) -> InstrumentFacts:
    """Everything an instrument of `kind` states about this tranche, read once."""
    return InstrumentFacts(
        kind=kind,
        reference=reference,
        issued_on=issued_on or contract_today(),
        deal_name=deal.name,
        deal_name_zh=deal.name_zh,
        deal_slug=deal.slug,
        effective_date=deal.effective_date,
        share_class=deal.share_class,
        total_shares=deal.total_shares,
        tranche_count=deal.tranche_count,
        currency=deal.target_currency,
        year=tranche.year,
        period=(tranche.period_start, tranche.period_end),
        target=tranche.target_revenue,
        quantity=quantity,
        calculation=dict(calculation or tranche.calculation or {}),
        policies=policies_in_force(deal.policies),
        parties=parties_of(deal),
        signer_roles=list(signer_roles),
        report=report_of(tranche),
        reason=reason,
        release_due_date=tranche.release_due_date,
        new_release_due_date=release_due_date,
        calculation_lines=list(calculation_lines),
    )
