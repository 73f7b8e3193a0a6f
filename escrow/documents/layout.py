"""Page, type and bilingual building blocks shared by every generated PDF.

Every line a party reads is in English and Simplified Chinese (the SPA and EA are bilingual); Latin is set
in DejaVu, Chinese in AR PL UMing CN, both embedded (escrow.documents.fonts). `invariant=1` makes the same
content produce the same bytes, so a document's SHA-256 identifies its content.
"""

import io
from decimal import Decimal
from fractions import Fraction

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from escrow.contract.words import chinese_rmb
from escrow.documents import fonts

INK, MUTED, RULE, SHADE = colors.HexColor("#111111"), colors.HexColor("#555555"), "#9a9a9a", "#f1f1f1"


class Styles:
    """The type of the instruments (serif, like the agreements) and of tables (sans, narrower)."""

    def __init__(self):
        fonts.register()
        self.body = ParagraphStyle(
            "body", fontName=fonts.SERIF, bulletFontName=fonts.SERIF, fontSize=9.5, leading=13.5, textColor=INK
        )
        self.zh = ParagraphStyle(
            "zh", parent=self.body, textColor=colors.HexColor("#222222"), spaceAfter=3, wordWrap="CJK"
        )
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=10.5, textColor=MUTED)
        self.title = ParagraphStyle(
            "title", parent=self.body, fontName=fonts.SERIF_BOLD, fontSize=16, leading=21, alignment=1
        )
        self.subtitle = ParagraphStyle("subtitle", parent=self.body, fontSize=10.5, leading=15, alignment=1)
        self.heading = ParagraphStyle(
            "heading", parent=self.body, fontName=fonts.SERIF_BOLD, fontSize=11, leading=15, spaceBefore=9
        )
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=9, leading=12.5)
        self.label = ParagraphStyle("label", parent=self.cell, fontName=fonts.SERIF_BOLD)
        self.big = ParagraphStyle("big", parent=self.body, fontName=fonts.SERIF_BOLD, fontSize=13, leading=18)
        self.table = ParagraphStyle("table", parent=self.body, fontName=fonts.SANS, fontSize=7.2, leading=9.2)
        self.table_head = ParagraphStyle("table_head", parent=self.table, fontName=fonts.SANS_BOLD)
        for style, regular in ((self.label, fonts.SERIF), (self.cell, fonts.SERIF), (self.table_head, fonts.SANS)):
            style.chinese = ParagraphStyle(f"{style.name}-zh", parent=style, fontName=regular, wordWrap="CJK")


def para(value, style) -> Paragraph:
    return Paragraph(fonts.markup(value), style)


def pair(english, chinese, styles, style=None) -> list:
    """One statement in both languages: English, then Chinese right below it."""
    return [para(english, style or styles.body), para(chinese, styles.zh if style is None else style)]


def cell(english, chinese, style) -> list:
    """A table cell holding both languages: English, then Chinese (regular weight even under a bold English
    label). Only the Chinese line wraps CJK-style (anywhere between characters): reportlab's CJK line breaking
    is slow on long English text."""
    flowables = [Paragraph(fonts.markup(english), style)]
    if chinese and chinese != english:
        flowables.append(Paragraph(fonts.markup(chinese), getattr(style, "chinese", style)))
    return flowables


def table_style(commands) -> TableStyle:
    """A table style whose cells set an embedded font (reportlab's default cell font is Helvetica, which
    would otherwise appear in the PDF unembedded even when every cell is a Paragraph)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.SERIF), *commands])


def grid(rows, widths, styles, shaded=()) -> Table:
    """A two-column (label, value) table; each item of `rows` is ((en, zh), (en, zh))."""
    data = [[cell(*label, styles.label), cell(*value, styles.cell)] for label, value in rows]
    table = Table(data, colWidths=widths)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (0, -1), SHADE),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), "#fff3cd") for i in shaded]
    table.setStyle(table_style(style))
    return table


def build(story, *, title, footer, pagesize=A4, margins=18 * mm) -> bytes:
    """Lay out the story on pages with a bilingual footer (reference and page number) on each."""
    buffer = io.BytesIO()

    def on_page(canvas, doc):
        canvas.saveState()
        # A footer with Chinese in it (a deal named in Chinese) is set in the CJK face, which has Latin too.
        canvas.setFont(fonts.CJK if fonts.CJK_RUN.search(footer) else fonts.SANS, 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(doc.leftMargin, 9 * mm, footer)
        canvas.setFont(fonts.CJK, 7)
        canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 9 * mm, f"Page {doc.page} / 第{doc.page}页")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=margins,
        rightMargin=margins,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="Escrow portal",
        invariant=1,
        initialFontName=fonts.SERIF,
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


LANDSCAPE_A4 = landscape(A4)


def money(amount) -> str:
    """RMB 665,000,000.00: amounts to the fen, grouped."""
    return f"{Decimal(amount):,.2f}"


def exact(value: Fraction) -> str:
    """An exact intermediate figure: whole numbers grouped; others to 4 places, marked as approximate."""
    value = Fraction(value)
    if value.denominator == 1:
        return f"{value.numerator:,}"
    return f"≈ {Decimal(value.numerator) / Decimal(value.denominator):,.4f}"


def en_date(day) -> str:
    return f"{day.day} {day:%B} {day.year} ({day.isoformat()})" if day else "—"


def zh_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "—"


def amount(amount, currency) -> tuple:
    """(English, Chinese): RMB amounts also in the financial numerals (大写)."""
    label = "RMB" if currency.upper() in ("CNY", "RMB") else currency.upper()
    english = f"{label} {money(amount)}"
    if label != "RMB":
        return english, english
    return english, f"人民币{money(amount)}元（大写：{chinese_rmb(amount)}）"
