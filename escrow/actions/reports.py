"""The assessment year closes and the approved firm reports (SPA 4.2, 5.1; EA 3.1(a))."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from escrow.actions.base import lock_tranche, run_transition
from escrow.actions.instruments import issue_joint_instruction
from escrow.contract.errors import NotFound, WrongState
from escrow.contract.numbers import InputProblem, parse_amount
from escrow.documents.storage import store_pdf
from escrow.models import AuditReport, HistoryAction, Role, StoredDocument, Tranche, TrancheState
from escrow.notifications.notify import notify_roles
from escrow.notifications.texts import Text
from escrow.queries.clock import contract_today
from escrow.queries.preconditions import report_due
from escrow.queries.quantities import calculation_lines, schedule_for
from escrow.usecases.permissions import require

# A revenue beyond this many times the target is taken for a typing error, not a result.
ABSURD_MULTIPLE = 100
ABSURD = gettext_noop("%(revenue)s is more than %(multiple)s times the target of %(target)s; check the figure.")
# The notice that a year has ended; the sweep's batch form (actions/deadlines.py) sends the same words.
YEAR_ENDED = gettext_lazy("%(deal)s: year %(year)s ended — the audited report is due")


@transaction.atomic
def open_year(tranche_id, *, today=None):
    """SPA 5.1: the assessment year has ended; the report and the 60-day clock start. Idempotent."""
    tranche = lock_tranche(tranche_id)
    today = today or contract_today()
    if tranche.state != TrancheState.SCHEDULED or today <= tranche.period_end:
        return tranche
    if tranche.deal.state != tranche.deal.State.IN_ESCROW:
        return tranche  # nothing to release before the deposit (EA 1.1)
    run_transition(
        tranche,
        "open_for_report",
        actor=None,
        action=HistoryAction.YEAR_ENDED,
        clause="SPA 5.1",
        summary=f"Assessment year {tranche.year} ended on {tranche.period_end}; release due by "
        f"{tranche.release_due_date}",
        details={"period_end": tranche.period_end, "release_due_date": tranche.release_due_date},
    )
    notify_roles(
        tranche.deal,
        [Role.AUDITOR, Role.ISSUER],
        tranche=tranche,
        key=f"year-ended:{tranche.pk}",
        subject=Text(YEAR_ENDED, deal=tranche.deal.name, year=tranche.year),
        clause="SPA 4.2, 5.1",
        due=tranche.release_due_date,
    )
    return tranche


def parse_revenue(value, tranche) -> Decimal:
    """SPA 4.2, 5.2: the audited revenue as typed on the page, sent over the API or passed by a command,
    read by the one parser (escrow.contract.numbers: digits, commas in threes, at most two decimals),
    its refusal in the reader's language; then a figure beyond ABSURD_MULTIPLE times the target is
    taken for a typing error."""
    try:
        revenue = parse_amount(value)
    except InputProblem as exc:
        raise exc.translated(_, field="audited_revenue", clause="SPA 4.2") from None
    if revenue > tranche.target_revenue * ABSURD_MULTIPLE:
        raise InputProblem(
            "amount_absurd",
            ABSURD,
            field="audited_revenue",
            clause="SPA 4.2",
            revenue=f"{revenue:,}",
            multiple=ABSURD_MULTIPLE,
            target=f"{tranche.target_revenue:,}",
        ).translated(_)
    return revenue


@dataclass(frozen=True)
class ReportPreview:
    """What the engine would release for a revenue typed by the auditor (issue 12 item 8): nothing stored."""

    tranche: object
    revenue: Decimal
    year: object  # escrow.queries.quantities.ScheduledYear: own release, deducted, offsets, explanations

    @property
    def quantity(self) -> int:
        return self.year.total_release


def preview_report(actor, tranche_id, *, audited_revenue) -> ReportPreview:
    """SPA 5.2: the figures filing this report would fix, after the same checks the filing makes, so a
    preview refuses what the filing would refuse. A read: no lock, no row, no history."""
    tranche = tranche_to_read(tranche_id)
    _party, revenue = _check_filing(actor, tranche, audited_revenue)
    return ReportPreview(tranche, revenue, _year_with(tranche, revenue))


def tranche_to_read(tranche_id):
    tranche = Tranche.objects.select_related("deal").filter(pk=tranche_id).first()
    if tranche is None:
        raise NotFound(_("No such tranche."))
    return tranche


def _year_with(tranche, revenue):
    """The year's figures with `revenue` in place of its audited revenue (earlier years as audited)."""
    tranches = list(tranche.deal.tranches.order_by("year"))
    actuals = [t.audited_revenue for t in tranches if t.year < tranche.year] + [revenue]
    return schedule_for(tranche.deal, tranches=tranches, actuals=actuals).years[tranche.year - 1]


def _check_filing(actor, tranche, audited_revenue):
    """The filing's checks, shared by the preview: the approved firm (SPA 4.2), the open year, year order
    (SPA 5.2(2)), in escrow.queries.preconditions (one place, also what the pages offer)."""
    party = require(actor, tranche.deal, "file_report")
    report_due(tranche, party, timezone.now())
    return party, parse_revenue(audited_revenue, tranche)


def _expect_previewed(tranche, revenue, expected_quantity):
    """The page's confirm step names the quantity the auditor saw; if the figures moved since (another
    year's report, a policy), nothing is filed and the auditor previews again."""
    if expected_quantity is None:
        return
    quantity = _year_with(tranche, revenue).total_release
    if int(expected_quantity) != quantity:
        raise WrongState(
            _(
                "The quantity is now %(quantity)s shares, not the %(previewed)s you previewed; nothing was "
                "filed. Preview the report again."
            )
            % {"quantity": f"{quantity:,}", "previewed": f"{int(expected_quantity):,}"}
        )


@transaction.atomic
def file_report(actor, tranche_id, *, audited_revenue, pdf: bytes, original_name="", expected_quantity=None):
    """SPA 4.2, EA 3.1(a): the approved firm files its written report; the engine computes the
    quantity (SPA 5.2) and the joint instruction is generated for signature (EA 3.1(b)).
    `expected_quantity`: the quantity the auditor confirmed on the preview (issue 12 item 8)."""
    tranche = lock_tranche(tranche_id)
    deal = tranche.deal
    party, revenue = _check_filing(actor, tranche, audited_revenue)
    _expect_previewed(tranche, revenue, expected_quantity)
    now = timezone.now()
    document = store_pdf(
        deal=deal,
        tranche=tranche,
        kind=StoredDocument.Kind.AUDIT_REPORT,
        data=pdf,
        by=actor,
        original_name=original_name,
    )
    AuditReport.objects.create(
        tranche=tranche, firm=party, audited_revenue=revenue, document=document, filed_by=actor, filed_at=now
    )
    run_transition(
        tranche,
        "record_report",
        revenue,
        actor=actor,
        party=party,
        action=HistoryAction.REPORT_FILED,
        clause="SPA 4.2, EA 3.1(a)",
        summary=f"Audited revenue of year {tranche.year}: RMB {revenue:,} (target {tranche.target_revenue:,})",
        details={"audited_revenue": revenue, "document_sha256": document.sha256, "file": original_name},
    )
    return _compute_and_instruct(tranche, actor)


def _compute_and_instruct(tranche, actor):
    tranches = list(tranche.deal.tranches.order_by("year"))
    year = schedule_for(tranche.deal, tranches=tranches).years[tranche.year - 1]
    # schedule_for applies SPA 5.1's cap on offsets (a year never releases more than its fifth) once, for
    # every reader: this action, the pages, the what-if and the API read the same figures.
    offset_shares, capped = year.offset_shares, year.offset_capped_for_years
    tranche.own_release, tranche.deducted = year.own_release, year.deducted
    tranche.offset_shares = {str(k): v for k, v in offset_shares.items()}
    tranche.release_quantity = year.total_release
    tranche.calculation = year.as_dict()
    run_transition(
        tranche,
        "await_instruction",
        actor=None,
        action=HistoryAction.QUANTITY_COMPUTED,
        clause="SPA 5.1, 5.2",
        summary=f"{tranche.release_quantity:,} shares to release for year {tranche.year} "
        f"(own {year.own_release:,}, deducted {year.deducted:,}, offset {sum(offset_shares.values()):,})"
        + (f"; offset capped for years {capped}: earlier settled quantities" if capped else ""),
        details={"calculation": tranche.calculation, "policies": tranche.deal.policies.as_dict()},
    )
    if year.requires_settlement:
        notify_roles(
            tranche.deal,
            [Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT],
            tranche=tranche,
            key=f"settlement-needed:{tranche.pk}",
            clause="EA 3.1(a), P5",
            due=tranche.release_due_date,
            subject=Text(
                gettext_lazy(
                    "%(deal)s: year %(year)s missed its target — a settlement signed "
                    "by all parties is needed before any release (P5 settlement-only)"
                ),
                deal=tranche.deal.name,
                year=tranche.year,
            ),
        )
        return tranche
    issue_joint_instruction(
        tranche,
        quantity=tranche.release_quantity,
        actor=actor,
        calculation_lines=calculation_lines(year),
        calculation=tranche.calculation,
    )
    return tranche
