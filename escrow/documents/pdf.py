"""The written instruments as PDFs (EA 3.1(b) joint instruction, EA 3.3 settlement, SPA 5.3 adjustment)
and the history export. Bilingual throughout, every font embedded (escrow.documents.fonts); invariant=1
makes the same content produce the same bytes (and hash). The instruments' content is laid out by
escrow.documents.instrument from the facts escrow.documents.facts reads.

The joint instruction also states the EA 3.2 transfer deadline it starts: 10 business days after the agent
has all documents, at the earliest counted from the day it is issued. When that count runs over a year whose
official holiday notice is not in the calendar yet (P6), the deadline is marked provisional, with the reason.
"""

from datetime import timedelta

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from escrow.contract.calendar import TRANSFER_BUSINESS_DAYS, BusinessCalendar, transfer_due
from escrow.documents import facts as instrument_facts
from escrow.documents import instrument, layout
from escrow.documents.fonts import FontMissing, markup
from escrow.models import CalendarOverride
from escrow.models.clock import contract_today

__all__ = ["FontMissing", "render_instrument", "render_table_pdf", "text", "transfer_rows"]

text = markup  # kept for callers of the earlier name

# Who signs each kind when the caller does not say (EA 3.1(b): A and B; EA 3.3, SPA 5.3: all four).
SIGNER_ROLES = {
    "joint_instruction": ["issuer", "purchaser"],
    "settlement": ["issuer", "purchaser", "seller", "escrow_agent"],
    "adjustment": ["issuer", "purchaser", "seller", "escrow_agent"],
}


def render_instrument(
    *,
    kind,
    deal,
    tranche,
    quantity,
    calculation_lines=(),
    reason="",
    release_due_date=None,
    reference="",
    calendar=None,
    issued_on=None,
    calculation=None,
    signer_roles=None,
    **_unused,
) -> bytes:
    """The instrument's bytes. `calculation` is the engine's figures for the year (the tranche's stored
    calculation by default); `calendar` (the deal's BusinessCalendar, P6) and `issued_on` (the contract date)
    default to the stored overrides and today in Asia/Shanghai. `recipient`, `signers` and `policies`, which
    earlier callers pass, are read from the records instead (one place)."""
    facts = instrument_facts.gather(
        kind=kind,
        deal=deal,
        tranche=tranche,
        quantity=quantity,
        reference=reference,
        signer_roles=signer_roles or SIGNER_ROLES[kind],
        calculation=calculation,
        reason=reason,
        release_due_date=release_due_date,
        issued_on=issued_on,
        calculation_lines=calculation_lines,
    )
    transfer = transfer_rows(deal, calendar, facts.issued_on) if kind == "joint_instruction" else None
    return instrument.render(facts, transfer)


PROVISIONAL_BACKGROUND = "#fff3cd"


def transfer_rows(deal, calendar=None, issued_on=None):
    """EA 3.2: the transfer deadline row of a joint instruction, and the P6 provisional row when the count of
    business days runs over a year whose holiday notice is not in the calendar yet (else None)."""
    code = str(deal.calendar).strip().upper()
    cal = calendar or BusinessCalendar(
        code, dict(CalendarOverride.objects.filter(calendar=code).values_list("day", "is_business_day"))
    )
    issued = issued_on or contract_today()
    due = transfer_due(issued, cal).due
    n = TRANSFER_BUSINESS_DAYS
    row = (
        ("Transfer due (EA 3.2)", "转让截止日（EA第3.2条）"),
        (
            f"{n} business days ({cal.code} calendar) after the escrow agent has received all documents (EA 3.1); "
            f"if received on {issued}, by {due}",
            f"托管代理收到全部文件（EA第3.1条）后{n}个工作日内（{cal.code}日历）；如于{layout.zh_date(issued)}收到，"
            f"则不迟于{layout.zh_date(due)}",
        ),
    )
    years = cal.provisional_years(issued + timedelta(days=1), due)
    if not years:
        return row, None
    listed = ", ".join(map(str, years))
    return row, (
        ("PROVISIONAL / 暂定", ""),
        (
            f"The {cal.code} holiday notice for {listed} is not in the calendar yet (no make-up working days, no "
            "override), so this business-day deadline may move when it is entered (P6).",
            f"{listed}年{cal.code}法定节假日安排（含调休工作日）尚未录入日历，该工作日截止日可能在录入后变动（P6）。",
        ),
    )


# The history export's columns in Chinese, and their widths on landscape A4 (277 mm between the margins).
COLUMNS = {
    "#": ("序号", 10),
    "at (Beijing time)": ("时间（北京时间）", 24),
    "actor": ("操作人", 24),
    "for": ("代表", 27),
    "yr": ("年度", 10),
    "action": ("操作", 30),
    "state": ("状态", 32),
    "clause": ("条款", 18),
    "summary": ("摘要（读者语言 / 英文原始记录）", 68),
    "hash": ("哈希值（SHA-256）", 34),
}
HEX = frozenset("0123456789abcdef")


def render_table_pdf(title_lines, header, rows) -> bytes:
    """A table report on landscape A4 (the history export): bilingual column heads repeated on every page,
    hashes wrapped in groups of 16 hex digits so the full value stays readable and copyable."""
    styles = layout.Styles()
    story = [layout.para(title_lines[0], styles.title), layout.para("交易历史记录（哈希链）", styles.subtitle)]
    story += [layout.para(line, styles.small) for line in title_lines[1:]]
    story.append(
        layout.para(
            "The history is kept in English, the language of the hash-chained record; a summary in the reader's "
            "language comes first, the English record after it; column heads are in both languages. / "
            "历史记录以英文保存（即哈希链记录的原文）；摘要先以读者语言显示，其后为英文原始记录；各栏标题为中英文对照。",
            styles.small,
        )
    )
    heads = [COLUMNS.get(str(h), (str(h), 0)) for h in header]
    data = [[layout.cell(str(h), zh, styles.table_head) for h, (zh, _w) in zip(header, heads, strict=True)]]
    data += [[Paragraph(_table_cell(c), styles.table) for c in row] for row in rows]
    widths = _widths([w for _zh, w in heads])
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        layout.table_style(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, layout.RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), layout.SHADE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), ["#ffffff", "#fafafa"]),
            ]
        )
    )
    story += [Spacer(1, 3 * mm), table]
    margins = 10 * mm
    return layout.build(
        story,
        title=str(title_lines[0]),
        footer=str(title_lines[0]),
        pagesize=layout.LANDSCAPE_A4,
        margins=margins,
    )


def _widths(mm_widths):
    """Known columns at their widths; unknown ones share what is left of the 277 mm."""
    known = sum(w for w in mm_widths if w)
    unknown = [w for w in mm_widths if not w]
    rest = max(277 - known, 20 * len(unknown)) / len(unknown) if unknown else 0
    return [(w or rest) * mm for w in mm_widths]


def _table_cell(value) -> str:
    value = str(value)
    if len(value) >= 32 and set(value) <= HEX:
        return "<br/>".join(value[i : i + 16] for i in range(0, len(value), 16))
    return markup(value)
