"""The auditor corrects a mistaken report while nobody has signed for that year (issue 12 item 8).

SPA 4.2 and EA 3.1(a) make the approved firm's written report the basis of the quantity; until a party has
signed an instrument for the year, nothing rests on it but the portal's own computation, so the firm may
replace it. The old report and its PDF are kept (superseded, never deleted), the history says why, the
quantity is computed again (SPA 5.2) and a new joint instruction is issued (EA 3.1(b)); every open document
of the year is superseded and the parties are told. Once any signature exists the figure binds a party: the
path is then a dispute and settlement (EA 3.3) or an adjustment (SPA 5.3).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escrow.actions.base import lock_tranche, run_transition
from escrow.actions.reports import (
    ReportPreview,
    _compute_and_instruct,
    _expect_previewed,
    _year_with,
    parse_revenue,
    tranche_to_read,
)
from escrow.contract.errors import InvalidInput
from escrow.documents.storage import store_pdf
from escrow.models import AuditReport, HistoryAction, Instrument, StoredDocument
from escrow.models.deal import CONTRACT_PARTIES
from escrow.notifications.notify import notify_roles
from escrow.notifications.texts import Text
from escrow.queries import preconditions
from escrow.queries.reports import report_in_force
from escrow.usecases.permissions import require

CLAUSE = "SPA 4.2, EA 3.1(a)"
CORRECTED = gettext_lazy(
    "%(deal)s: the audited report for year %(year)s was corrected (revenue %(revenue)s); a new joint "
    "instruction replaces the earlier one"
)
CORRECTED_BODY = gettext_lazy("The accounting firm's reason: %(reason)s")


def preview_correction(actor, tranche_id, *, audited_revenue, reason="") -> ReportPreview:
    """SPA 5.2: what the corrected report would release, after the correction's own checks (a read)."""
    tranche = tranche_to_read(tranche_id)
    _party, _current, revenue = _check_correction(actor, tranche, audited_revenue, reason=reason, preview=True)
    return ReportPreview(tranche, revenue, _year_with(tranche, revenue))


def _check_correction(actor, tranche, audited_revenue, *, reason, preview=False):
    party = require(actor, tranche.deal, "correct_report")
    preconditions.correctable(tranche, party)  # what the pages offer the correction by (one place)
    current = report_in_force(tranche)
    if not preview and not (reason or "").strip():
        problem = InvalidInput(_("Say why the report is corrected; every party reads it in the history."))
        problem.field = "reason"
        raise problem
    return party, current, parse_revenue(audited_revenue, tranche)


@transaction.atomic
def correct_report(actor, tranche_id, *, audited_revenue, pdf: bytes, reason, original_name="", expected_quantity=None):
    """Replace the year's report before any signature: old report kept, new quantity, new instruction."""
    tranche = lock_tranche(tranche_id)
    party, current, revenue = _check_correction(actor, tranche, audited_revenue, reason=reason)
    _expect_previewed(tranche, revenue, expected_quantity)
    reason = reason.strip()
    document = store_pdf(
        deal=tranche.deal,
        tranche=tranche,
        kind=StoredDocument.Kind.AUDIT_REPORT,
        data=pdf,
        by=actor,
        original_name=original_name,
    )
    report = AuditReport.objects.create(
        tranche=tranche,
        firm=party,
        audited_revenue=revenue,
        document=document,
        filed_by=actor,
        filed_at=timezone.now(),
        correction_reason=reason,
    )
    current.superseded_by = report
    current.save(update_fields=["superseded_by"])
    open_before = list(tranche.instruments.filter(status=Instrument.Status.OPEN).values_list("pk", flat=True))
    run_transition(
        tranche,
        "correct_report",
        revenue,
        actor=actor,
        party=party,
        action=HistoryAction.REPORT_CORRECTED,
        clause=CLAUSE,
        summary=f"Audited revenue of year {tranche.year} corrected: RMB {current.audited_revenue:,} -> "
        f"RMB {revenue:,} (target {tranche.target_revenue:,}). Reason: {reason}",
        details={
            "audited_revenue": revenue,
            "previous_revenue": current.audited_revenue,
            "reason": reason,
            "document_sha256": document.sha256,
            "previous_document_sha256": current.document.sha256,
            "file": original_name,
            "instruments_superseded": open_before,  # issued on the old figure; none was signed
        },
    )
    _compute_and_instruct(tranche, actor)
    _supersede_left_open(tranche, open_before)
    notify_roles(
        tranche.deal,
        list(CONTRACT_PARTIES),
        tranche=tranche,
        key=f"report-corrected:{report.pk}",
        clause=CLAUSE,
        subject=Text(CORRECTED, deal=tranche.deal.name, year=tranche.year, revenue=f"RMB {revenue:,}"),
        body=Text(CORRECTED_BODY, reason=reason),
    )
    return tranche


def _supersede_left_open(tranche, pks):
    """Documents issued on the old figure and not replaced by a new one of their kind (a settlement or an
    adjustment proposed on it, or an instruction when the corrected year now needs a settlement, P5)."""
    for instrument in Instrument.objects.filter(pk__in=pks, status=Instrument.Status.OPEN):
        instrument.status = Instrument.Status.SUPERSEDED
        instrument.save(update_fields=["status"])
