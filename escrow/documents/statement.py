"""The seller's release statement as a PDF (issue 12 item 8), in English and Simplified Chinese throughout,
every font embedded, laid out like the instruments (escrow.documents.layout).

A statement, not an instrument: nobody signs it and it changes nothing; it restates the portal's records for
Party C. Like the instruments its wording is kept here as English/Chinese pairs (the agreements are
bilingual and the seller may hand the statement to a bank or a tax adviser reading either language).
The facts come from escrow.queries.statements; the calculation's steps are the instruments' own
(escrow.documents.calculation), so the statement and the joint instruction explain a year in the same words.
"""

from types import SimpleNamespace

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table

from escrow.contract.words import shares_in_words
from escrow.documents import layout
from escrow.documents.calculation import calculation_steps
from escrow.documents.instrument import share_class_zh
from escrow.documents.layout import cell, en_date, grid, pair, para, zh_date

TITLE = ("Release Statement", "股份释放对账单")
WIDTHS = (52 * mm, 122 * mm)
NOT_RECORDED = ("not recorded", "未记录")


def render(facts) -> bytes:
    styles = layout.Styles()
    story = _heading(facts, styles) + _position(facts, styles) + _summary(facts, styles)
    for number, year in enumerate(facts.released, 1):
        story += _year(number, year, facts, styles)
    story += _open_years(facts, styles) + _note(styles)
    footer = f"{TITLE[0]} · {facts.deal_name} · {facts.as_of.isoformat()}"
    return layout.build(story, title=f"{TITLE[0]} / {TITLE[1]}", footer=footer)


def _heading(facts, styles) -> list:
    seller = facts.seller
    seller_text = ("—", "—")
    if seller is not None:
        seller_text = (
            f"{seller.name}{f' ({seller.name_zh})' if seller.name_zh else ''}",
            seller.name_zh or seller.name,
        )
    stamp = facts.generated_at
    rows = [
        (("Statement date (Beijing time)", "对账日期（北京时间）"), (en_date(facts.as_of), zh_date(facts.as_of))),
        (
            ("Prepared (Beijing time)", "生成时间（北京时间）"),
            (f"{stamp:%Y-%m-%d %H:%M} Beijing time (UTC+8)", f"{zh_date(stamp.date())} {stamp:%H:%M}（北京时间）"),
        ),
        (
            ("Deal", "交易"),
            (
                f"{facts.deal_name} — portal reference {facts.deal_slug}",
                f"{facts.deal_name_zh or facts.deal_name}（平台编号 {facts.deal_slug}）",
            ),
        ),
        (("For Party C (the seller)", "致丙方（出售方）"), seller_text),
        (
            ("Consideration shares in escrow (EA 1.1)", "托管的对价股份（EA第1.1条）"),
            _consideration(facts),
        ),
    ]
    return [
        para(TITLE[0], styles.title),
        para(TITLE[1], styles.title),
        para(
            "of the shares released to Party C under EA 3.2 and SPA 5.1 / 依据《托管协议》第3.2条及《股份购买协议》"
            "第5.1条向丙方释放股份的情况",
            styles.subtitle,
        ),
        Spacer(1, 4 * mm),
        grid(rows, WIDTHS, styles),
    ]


def _shares(quantity, share_class) -> tuple:
    return f"{quantity:,} {share_class}", f"{share_class_zh(share_class)}{quantity:,}股"


def _consideration(facts) -> tuple:
    """The consideration on today's basis (issue 14 item 2), and the agreement's figure when they differ."""
    today, agreed = getattr(facts, "consideration_today", facts.total_shares), facts.total_shares
    english, chinese = _shares(today, facts.share_class)
    if today == agreed:
        return english, chinese
    return (
        f"{english} on today's basis (the agreement's {agreed:,}, SPA 1.1, rebased by the splits, consolidations "
        "and stock dividends recorded during the escrow)",
        f"按当前股本基础为{chinese}（协议原定{agreed:,}股，SPA第1.1条；已按托管期间记录的拆股、合股及股票股息调整）",
    )


def _position(facts, styles) -> list:
    b = facts.balances
    rows = [
        (("Deposited (EA 1.1)", "存入托管（EA第1.1条）"), _count(b["deposited"])),
        (("Released to Party C (EA 3.2)", "已释放予丙方（EA第3.2条）"), _count(b["released"])),
        (
            ("Returned to Party A for cancellation (SPA 5.2(1))", "已退还甲方注销（SPA第5.2(1)条）"),
            _count(b["returned"]),
        ),
        (("Still in escrow", "仍在托管中"), _count(b["in_escrow"])),
    ]
    if b.get("rebased"):  # deposited + rebased = released + returned + in escrow (EA 4.2; issue 14 items 2, 4)
        rows.insert(
            1,
            (
                (
                    "Rebased: splits, consolidations, stock dividends (EA 4.2)",
                    "股本调整：拆股、合股、股票股息（EA第4.2条）",
                ),
                (f"{b['rebased']:+,} shares", f"{b['rebased']:+,}股"),
            ),
        )
    heading = f"1. Position on {en_date(facts.as_of)} / 截至{zh_date(facts.as_of)}的股份状况"
    return [para(heading, styles.heading), grid(rows, WIDTHS, styles, shaded=[len(rows) - 1])]


def _count(quantity) -> tuple:
    return f"{quantity:,} shares", f"{quantity:,}股"


HEADS = [
    (("Year", "年度"), 14),
    (("Released on", "释放日期"), 26),
    (("Shares released", "释放股数"), 26),
    (("Transfer agent's reference", "过户代理参考编号"), 38),
    (("Date of the transfer", "过户日期"), 26),
    (("Still in escrow after", "释放后仍托管"), 44),
]


def _summary(facts, styles) -> list:
    heading = para("2. Releases at a glance / 释放情况一览", styles.heading)
    if not facts.released:
        return [heading, *pair("No year has been released yet.", "尚无已释放的年度。", styles)]
    data = [[cell(en, zh, styles.table_head) for (en, zh), _w in HEADS]]
    for y in facts.released:
        transfer = y.transfer
        day = transfer.transfer_date if transfer else None
        data.append(
            [
                cell(str(y.year), "", styles.table),
                cell(y.released_on.isoformat() if y.released_on else "—", "", styles.table),
                cell(f"{y.quantity:,}", "", styles.table),
                cell(y.reference or NOT_RECORDED[0], "" if y.reference else NOT_RECORDED[1], styles.table),
                cell(day.isoformat() if day else NOT_RECORDED[0], "" if day else NOT_RECORDED[1], styles.table),
                cell(f"{y.in_escrow_after:,}", "", styles.table),
            ]
        )
    table = Table(data, colWidths=[w * mm for _h, w in HEADS], repeatRows=1)
    table.setStyle(
        layout.table_style(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, layout.RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), layout.SHADE),
            ]
        )
    )
    return [heading, table]


def _year(number, y, facts, styles) -> list:
    start, end = y.period
    words_en, words_zh = shares_in_words(y.quantity)
    heading = (
        f"3.{number} Year {y.year} ({start.isoformat()} to {end.isoformat()}) / "
        f"第{y.year}个考核年度（{zh_date(start)}至{zh_date(end)}）"
    )
    rows = [
        (
            ("Shares released", "释放股份数"),
            (
                f"{y.quantity:,} ({words_en}) {facts.share_class}",
                f"{_shares(y.quantity, facts.share_class)[1]}（大写：{words_zh}）",
            ),
        ),
        (("Release recorded on the portal", "平台记录的释放日期"), (en_date(y.released_on), zh_date(y.released_on))),
        *_transfer_rows(y),
        (("Still in escrow after this release", "本次释放后仍在托管中"), _count(y.in_escrow_after)),
    ]
    parts = [para(heading, styles.heading), grid(rows, WIDTHS, styles)]
    parts += _calculation(y, styles)
    return [KeepTogether(parts[:2]), *parts[2:]]


def _transfer_rows(y) -> list:
    """EA 3.2: the transfer agent's record of the transfer into Party C's name."""
    t = y.transfer
    reference = y.reference or (t.reference if t else "")
    rows = [(("Transfer agent's reference", "过户代理参考编号"), (reference, reference) if reference else NOT_RECORDED)]
    if t is None:
        return [*rows, (("Transfer", "过户"), ("no shares moved", "无股份过户"))]
    day = t.transfer_date
    account = " / ".join(t.recipient_account.splitlines()) if t.recipient_account else ""
    confirmation = t.confirmation
    rows += [
        (
            ("Date of the transfer (Beijing time)", "过户日期（北京时间）"),
            (en_date(day), zh_date(day)) if day else NOT_RECORDED,
        ),
        (("Transfer agent", "过户代理人"), (t.transfer_agent, t.transfer_agent) if t.transfer_agent else NOT_RECORDED),
        (
            ("Party C's account at the transfer agent", "丙方在过户代理人处的账户"),
            (account, account) if account else NOT_RECORDED,
        ),
        (
            ("The transfer agent's confirmation", "过户代理人确认函"),
            (f"SHA-256 {confirmation.sha256}", "")
            if confirmation
            else ("missing: not attached when the release was recorded", "缺失：记录释放时未附上"),
        ),
    ]
    return rows


def _calculation(y, styles) -> list:
    """The calculation in brief: the instruments' steps, with the year's own figures (SPA 5.1, 5.2)."""
    c = y.calculation
    total = int(c.get("total_release") or 0) if c else 0
    view = SimpleNamespace(
        calculation=c,
        currency=y.currency,
        total_shares=y.total_shares,
        tranche_count=y.tranche_count,
        year=y.year,
        quantity=total,
        reason="",
    )
    steps = calculation_steps(view)
    parts = [Spacer(1, 2 * mm), para("How the quantity was calculated / 股份数的计算", styles.label)]
    if not steps:
        return parts + pair("No calculation is on record for this year.", "本年度无计算记录。", styles, styles.small)
    for english, chinese in steps:
        parts += pair(english, chinese, styles, styles.small)
    if total != y.quantity:
        parts += pair(
            f"The calculation gave {total:,} shares; {y.quantity:,} were released, the quantity the parties agreed "
            "or an award set (EA 3.3, SPA 5.3).",
            f"按计算应释放{total:,}股；实际释放{y.quantity:,}股，即各方约定或裁决确定的数量（EA第3.3条、SPA第5.3条）。",
            styles,
            styles.small,
        )
    return parts


def _open_years(facts, styles) -> list:
    if not facts.open_years:
        return []
    rows = []
    for y in facts.open_years:
        if y.quantity is None:
            figure = ("not computed yet (no audited report)", "尚未计算（尚无审计报告）")
        else:
            figure = (f"{y.quantity:,} shares computed", f"已计算{y.quantity:,}股")
        state = (f"{y.state[0]}; {figure[0]}", f"{y.state[1]}；{figure[1]}")
        rows.append(((f"Year {y.year}", f"第{y.year}年度"), state))
    return [para("4. Years not yet released / 尚未释放的年度", styles.heading), grid(rows, WIDTHS, styles)]


def _note(styles) -> list:
    return [
        Spacer(1, 4 * mm),
        *pair(
            "This statement restates the escrow portal's records on the statement date; it is not an instrument and "
            "needs no signature. The share ledger, the hash-chained history and each release's evidence pack are "
            "the record.",
            "本对账单系对托管平台截至对账日期记录的重述，并非协议文件，无需签署。以股份台账、哈希链历史记录及各次释放的"
            "证据包为准。",
            styles,
            styles.small,
        ),
    ]
