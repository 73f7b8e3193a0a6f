"""The written instruments as PDFs (EA 3.1(b) joint instruction, EA 3.3 settlement, SPA 5.3
adjustment). Bilingual; Chinese renders with reportlab's built-in STSong-Light CID font, so no
font file is needed. invariant=1 makes the same content produce the same bytes (and hash).

The joint instruction also states the EA 3.2 transfer deadline it starts: 10 business days after the agent
has all documents, at the earliest counted from the day it is issued. When that count runs over a year whose
official holiday notice is not in the calendar yet (P6), the deadline is marked provisional, with the reason.
"""

import io
import re
from datetime import timedelta
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from escrow.contract.calendar import TRANSFER_BUSINESS_DAYS, BusinessCalendar, transfer_due
from escrow.models import CalendarOverride

LATIN, FONT = "Helvetica", "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
# Arrows, CJK ideographs, punctuation and full-width forms go to the CID font; Latin keeps Helvetica's metrics.
CJK_RUN = re.compile(r"[\u2190-\u21ff\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+")


def text(value) -> str:
    """Paragraph markup for mixed English and Chinese text, escaped."""
    return CJK_RUN.sub(lambda m: f'<font name="{FONT}">{m.group(0)}</font>', escape(str(value)))


TITLES = {
    "joint_instruction": ("Joint Written Instruction (EA 3.1(b))", "联合书面指示（托管协议第3.1(b)条）"),
    "settlement": ("Settlement Agreement (EA 3.3)", "和解协议（托管协议第3.3条）"),
    "adjustment": ("Written Adjustment Agreement (SPA 5.3)", "书面调整协议（股份购买协议第5.3条）"),
}


def _styles():
    base = ParagraphStyle("body", fontName=LATIN, fontSize=10, leading=14)
    return base, ParagraphStyle("title", parent=base, fontSize=15, leading=20, spaceAfter=6)


def render_instrument(
    *,
    kind,
    deal,
    tranche,
    quantity,
    recipient,
    signers,
    calculation_lines,
    policies,
    reason="",
    release_due_date=None,
    reference="",
    calendar=None,
    issued_on=None,
) -> bytes:
    """`calendar` (the deal's BusinessCalendar, P6) and `issued_on` (the contract date) default to the stored
    overrides and today in Asia/Shanghai; they date the joint instruction's EA 3.2 transfer deadline."""
    body, title = _styles()
    english, chinese = TITLES[kind]
    story = [Paragraph(text(english), title), Paragraph(text(chinese), title)]
    rows = [
        ["Deal / 交易", f"{deal.name} {deal.name_zh}".strip()],
        ["Assessment year / 考核年度", f"{tranche.year}: {tranche.period_start} – {tranche.period_end}"],
        ["Shares to release / 释放股份数", f"{quantity:,} {deal.share_class}"],
        ["Recipient / 接收方", recipient],
        ["Release due / 释放截止日", str(release_due_date or tranche.release_due_date or "")],
    ]
    marked = []
    if kind == "joint_instruction":
        row, provisional = transfer_rows(deal, calendar, issued_on)
        rows.append(row)
        if provisional:
            rows.append(provisional)
            marked.append(len(rows) - 1)
    rows.append(["Reference / 编号", reference])
    table = Table(
        [[Paragraph(text(a), body), Paragraph(text(str(b)), body)] for a, b in rows], colWidths=[55 * mm, 115 * mm]
    )
    style = [("GRID", (0, 0), (-1, -1), 0.4, "#888888"), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    style += [("BACKGROUND", (0, i), (-1, i), PROVISIONAL_BACKGROUND) for i in marked]
    table.setStyle(TableStyle(style))
    story += [table, Spacer(1, 6 * mm)]
    if reason:
        story += [Paragraph(text(f"Reason / 事由: {reason}"), body), Spacer(1, 3 * mm)]
    story.append(Paragraph(text("Calculation (SPA 5.1, 5.2) / 计算过程"), body))
    story += [Paragraph(text(line), body) for line in calculation_lines]
    story += [Spacer(1, 3 * mm), Paragraph(text("Policies in force / 适用政策"), body)]
    story += [Paragraph(text(f"{k} = {v}"), body) for k, v in policies.items()]
    story += [Spacer(1, 6 * mm), Paragraph(text("To be signed by / 签署方"), body)]
    story += [Paragraph(text(s), body) for s in signers]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=english, author="Escrow portal", invariant=1).build(story)
    return buffer.getvalue()


PROVISIONAL_BACKGROUND = "#fff3cd"


def transfer_rows(deal, calendar=None, issued_on=None):
    """EA 3.2: the transfer deadline row of a joint instruction, and the P6 provisional row when the count of
    business days runs over a year whose holiday notice is not in the calendar yet (else None)."""
    code = str(deal.calendar).strip().upper()
    cal = calendar or BusinessCalendar(
        code, dict(CalendarOverride.objects.filter(calendar=code).values_list("day", "is_business_day"))
    )
    issued = issued_on or timezone.localdate(timezone=ZoneInfo(settings.CONTRACT_TIME_ZONE))
    due = transfer_due(issued, cal).due
    n = TRANSFER_BUSINESS_DAYS
    row = [
        "Transfer due (EA 3.2) / 转让截止日（托管协议第3.2条）",
        f"{n} business days ({cal.code} calendar) after the escrow agent has received all documents (EA 3.1); "
        f"if received on {issued}, by {due} / 托管代理收到全部文件（第3.1条）后{n}个工作日内（{cal.code}日历）；"
        f"如于{issued}收到，则不迟于{due}",
    ]
    years = cal.provisional_years(issued + timedelta(days=1), due)
    if not years:
        return row, None
    listed = ", ".join(map(str, years))
    return row, [
        "PROVISIONAL / 暂定",
        f"The {cal.code} holiday notice for {listed} is not in the calendar yet (no make-up working days, no "
        f"override), so this business-day deadline may move when it is entered (P6). / {listed}年{cal.code}"
        f"法定节假日安排（含调休工作日）尚未录入日历，该工作日截止日可能在录入后变动（P6）。",
    ]


def render_table_pdf(title_lines, header, rows) -> bytes:
    """A plain table report (history export)."""
    body, title = _styles()
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=9)
    story = [Paragraph(text(line), title if i == 0 else body) for i, line in enumerate(title_lines)]
    data = [[Paragraph(text(str(c)), small) for c in header]]
    data += [[Paragraph(text(str(c)), small) for c in row] for row in rows]
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, "#999999"), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Spacer(1, 4 * mm), table]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=10 * mm, rightMargin=10 * mm, invariant=1).build(story)
    return buffer.getvalue()
