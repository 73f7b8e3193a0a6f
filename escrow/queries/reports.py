"""The audited reports of a year as the pages and the API read them, and whether the one in force may
still be corrected (issue 12 item 8; the rule the correction action and the offered actions share)."""

from escrow.models import AuditReport, Decline, Signature, TrancheState

# Why a report cannot be corrected now (escrow.actions.corrections words each one).
NO_REPORT, SIGNED_OR_MOVED, LATER_REPORT = "no_report", "signed_or_moved", "later_report"


def reports_of(tranche, documents=None):
    """Every report filed for the year, the superseded ones included, oldest first (the model's order within
    one tranche, without the join to the tranche and its deal that sorting by "tranche" would add).
    `documents`: the year's stored documents when the caller read them (the tranche page lists them); each
    report's PDF, stored with its year, is taken from them instead of joined again."""
    related = (
        ("firm__organisation", "filed_by") if documents is not None else ("document", "firm__organisation", "filed_by")
    )
    reports = AuditReport.objects.filter(tranche=tranche).select_related(*related).order_by("filed_at")
    if documents is None:
        return reports
    by_pk = {document.pk: document for document in documents}
    reports = list(reports)
    for report in reports:
        if report.document_id in by_pk:
            report.document = by_pk[report.document_id]
    return reports


def report_in_force(tranche):
    return reports_of(tranche).filter(superseded_by__isnull=True).last()


def correction_blocked(tranche) -> str:
    """ "" when the year's report may be corrected: it awaits its joint instruction and nobody has signed
    any document for the year (a signature makes the figure a party's; then EA 3.3 or SPA 5.3), and no
    later year's report reads its revenue (SPA 5.2(2)). Otherwise the reason's code."""
    if not tranche.reports.filter(superseded_by__isnull=True).exists():
        return NO_REPORT
    signed = Signature.objects.filter(instrument__tranche=tranche).exists()
    if signed or tranche.state != TrancheState.AWAITING_INSTRUCTION:
        return SIGNED_OR_MOVED
    if tranche.deal.tranches.filter(year__gt=tranche.year, audited_revenue__isnull=False).exists():
        return LATER_REPORT
    return ""


def declines_of(tranche):
    """Every decline to sign on the year's documents (issue 12 item 8), with whether that party signed since."""
    related = ("instrument", "party__organisation", "person")
    declines = list(Decline.objects.filter(instrument__tranche=tranche).select_related(*related))
    if not declines:  # the usual case: no signatures to compare
        return declines
    signed = set(Signature.objects.filter(instrument__tranche=tranche).values_list("instrument_id", "party_id"))
    for decline in declines:
        decline.signed_since = (decline.instrument_id, decline.party_id) in signed
    return declines
