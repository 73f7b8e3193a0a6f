"""The written instruments as PDFs (EA 3.1(b) joint instruction, EA 3.3 settlement, SPA 5.3
adjustment). Bilingual; Chinese renders with reportlab's built-in STSong-Light CID font, so no
font file is needed. invariant=1 makes the same content produce the same bytes (and hash)."""

import io
import re
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

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
) -> bytes:
    body, title = _styles()
    english, chinese = TITLES[kind]
    story = [Paragraph(text(english), title), Paragraph(text(chinese), title)]
    rows = [
        ["Deal / 交易", f"{deal.name} {deal.name_zh}".strip()],
        ["Assessment year / 考核年度", f"{tranche.year}: {tranche.period_start} – {tranche.period_end}"],
        ["Shares to release / 释放股份数", f"{quantity:,} {deal.share_class}"],
        ["Recipient / 接收方", recipient],
        ["Release due / 释放截止日", str(release_due_date or tranche.release_due_date or "")],
        ["Reference / 编号", reference],
    ]
    table = Table(
        [[Paragraph(text(a), body), Paragraph(text(str(b)), body)] for a, b in rows], colWidths=[55 * mm, 115 * mm]
    )
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, "#888888"), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
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
