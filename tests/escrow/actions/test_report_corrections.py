"""Issue 12 item 8: the auditor previews the quantity before filing, and corrects a mistaken report while
nobody has signed for the year (SPA 4.2, EA 3.1(a)); once anyone signed, the path is EA 3.3 or SPA 5.3."""

from datetime import timedelta
from decimal import Decimal

import pytest

from escrow import actions
from escrow.contract.errors import InvalidInput, NotAllowed, WrongState
from escrow.models import AuditReport, Deal, HistoryAction, HistoryEntry, Instrument, Notification, StoredDocument
from escrow.queries.reconcile import first_difference
from tests.conftest import PASSWORD, make_pdf, open_and_file, sign_instruction, tranche

pytestmark = pytest.mark.django_db

# RULES.md worked example: year 1 revenue RMB 598.5M (10% short) releases 2,700,000 of 3,000,000 shares.
SHORT = "598,500,000"


def correct(people, t, revenue="665000000", reason="The report's revenue was typed from the draft.", **kw):
    return actions.correct_report(
        people["auditor"], t.pk, audited_revenue=revenue, pdf=make_pdf("corrected"), reason=reason, **kw
    )


def test_the_preview_computes_the_quantity_and_stores_nothing(deposited, people):
    t = tranche(deposited, 1)
    actions.open_year(t.pk, today=t.period_end + timedelta(days=1))
    before = (HistoryEntry.objects.count(), StoredDocument.objects.count(), AuditReport.objects.count())
    preview = actions.preview_report(people["auditor"], t.pk, audited_revenue=SHORT)
    assert preview.revenue == Decimal("598500000") and preview.quantity == 2_700_000
    assert preview.year.deducted == 300_000 and preview.year.explanations
    assert (HistoryEntry.objects.count(), StoredDocument.objects.count(), AuditReport.objects.count()) == before
    assert tranche(deposited, 1).state == "awaiting_report" and tranche(deposited, 1).audited_revenue is None


def test_the_preview_refuses_what_the_filing_refuses(deposited, people):
    t = tranche(deposited, 1)
    with pytest.raises(WrongState):  # the year has not ended
        actions.preview_report(people["auditor"], t.pk, audited_revenue=SHORT)
    with pytest.raises(NotAllowed):  # SPA 4.2: only the approved firm
        actions.preview_report(people["issuer"], t.pk, audited_revenue=SHORT)


def test_filing_with_a_quantity_the_preview_no_longer_gives_is_refused(deposited, people):
    t = tranche(deposited, 1)
    actions.open_year(t.pk, today=t.period_end + timedelta(days=1))
    with pytest.raises(WrongState, match="not the 3,000,000 you previewed"):
        actions.file_report(people["auditor"], t.pk, audited_revenue=SHORT, pdf=make_pdf(), expected_quantity=3_000_000)
    assert not AuditReport.objects.exists()
    actions.file_report(people["auditor"], t.pk, audited_revenue=SHORT, pdf=make_pdf(), expected_quantity=2_700_000)
    assert tranche(deposited, 1).release_quantity == 2_700_000


def test_a_correction_keeps_the_old_report_and_issues_a_new_instruction(deposited, people):
    t = open_and_file(deposited, people, 1, SHORT)
    old_instruction = t.instruments.get(status="open")
    correct(people, t)
    t = tranche(deposited, 1)
    assert t.state == "awaiting_instruction" and t.audited_revenue == Decimal("665000000")
    assert t.release_quantity == 3_000_000
    old, new = AuditReport.objects.filter(tranche=t).order_by("pk")
    assert old.superseded_by == new and new.superseded_by is None and old.audited_revenue == Decimal("598500000")
    assert new.correction_reason == "The report's revenue was typed from the draft."
    old_instruction.refresh_from_db()
    assert old_instruction.status == Instrument.Status.SUPERSEDED
    assert t.instruments.get(status="open").quantity == 3_000_000
    entry = HistoryEntry.objects.get(tranche=t, action=HistoryAction.REPORT_CORRECTED)
    assert entry.details["reason"] == "The report's revenue was typed from the draft."
    assert entry.details["previous_revenue"] == "598500000.00" and entry.from_state == "awaiting_instruction"
    actions_after = list(HistoryEntry.objects.filter(tranche=t, seq__gt=entry.seq).values_list("action", flat=True))
    assert actions_after == [HistoryAction.QUANTITY_COMPUTED, HistoryAction.JOINT_INSTRUCTION_ISSUED]
    assert first_difference(deposited) is None  # the replay reads the corrected revenue (reconcile.REPORTS)


def test_every_party_is_told_with_the_reason(deposited, people):
    t = open_and_file(deposited, people, 1, SHORT)
    correct(people, t)
    for who in ("issuer", "purchaser", "seller", "agent1"):
        note = Notification.objects.filter(user=people[who], dedupe_key__startswith="report-corrected:").get()
        assert "corrected" in note.subject and "typed from the draft" in note.body


def test_a_reason_is_required(deposited, people):
    t = open_and_file(deposited, people, 1, SHORT)
    with pytest.raises(InvalidInput, match="Say why") as refused:
        correct(people, t, reason="  ")
    assert refused.value.field == "reason"
    assert AuditReport.objects.filter(tranche=t).count() == 1


def test_refused_once_any_signature_exists(deposited, people):
    t = open_and_file(deposited, people, 1, SHORT)
    instruction = t.instruments.get(status="open")
    actions.sign_instrument(
        people["issuer"], instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD
    )
    with pytest.raises(WrongState, match=r"raise a dispute over the quantity \(EA 3.3\)"):
        correct(people, t)
    assert AuditReport.objects.filter(tranche=t).count() == 1
    assert tranche(deposited, 1).audited_revenue == Decimal("598500000")


def test_refused_after_the_instruction_is_signed(deposited, people):
    open_and_file(deposited, people, 1, SHORT)
    t, _instruction = sign_instruction(deposited, people, 1)
    with pytest.raises(WrongState, match="can no longer be corrected"):
        correct(people, t)


def test_refused_when_a_later_years_report_reads_it(deposited, people):
    open_and_file(deposited, people, 1, SHORT)
    open_and_file(deposited, people, 2, "732000000")
    with pytest.raises(WrongState, match=r"offsets read this year's revenue \(SPA 5.2\(2\)\)"):
        correct(people, tranche(deposited, 1))


def test_only_the_auditor_corrects(deposited, people):
    t = open_and_file(deposited, people, 1, SHORT)
    for who in ("issuer", "purchaser", "seller", "agent1"):
        with pytest.raises(NotAllowed):
            actions.correct_report(people[who], t.pk, audited_revenue="665000000", pdf=make_pdf(), reason="x")


def test_nothing_to_correct_before_a_report(deposited, people):
    t = tranche(deposited, 1)
    with pytest.raises(WrongState, match="no report to correct"):
        correct(people, t)


def test_a_correction_to_a_missed_target_under_settlement_only_leaves_no_open_instruction(deposited, people):
    """P5 settlement-only: the corrected year needs a settlement, so the instruction on the old figure goes."""
    Deal.objects.filter(pk=deposited.pk).update(partial_release="settlement-only")
    t = open_and_file(deposited, people, 1, "665000000")
    correct(people, t, revenue=SHORT)
    t = tranche(deposited, 1)
    assert t.calculation["requires_settlement"] and not t.instruments.filter(status="open").exists()
