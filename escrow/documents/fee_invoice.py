"""An escrow fee invoice as a PDF (EA 4.4, EA 2; issue 14 item 5), in English and Simplified Chinese throughout,
every font embedded, laid out like the release statement (escrow.documents.layout).

Issued by the escrow agent (Party D) for one started year of the escrow period; the payer follows policy P9
`escrow_fee_payer` as it stood when the invoice was issued. The facts come from escrow.queries.fee_documents.
"""

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from escrow.documents import layout
from escrow.documents.layout import en_date, grid, pair, para, zh_date

TITLE = ("Escrow Fee Invoice", "托管费发票")
WIDTHS = (58 * mm, 116 * mm)
ROLE_WORDS = {
    "issuer": ("the issuer (Party A)", "发行人（甲方）"),
    "purchaser": ("the purchaser (Party B)", "购买方（乙方）"),
}
PAYER_WORDS = {
    "issuer": ("the issuer (Party A)", "发行人（甲方）"),
    "purchaser": ("the purchaser (Party B)", "购买方（乙方）"),
    "split": ("the issuer (Party A) and the purchaser (Party B), half each", "发行人（甲方）与购买方（乙方）各付一半"),
}


def _party(party) -> tuple:
    if party is None:
        return ("—", "—")
    return (
        f"{party.name}{f' ({party.name_zh})' if party.name_zh else ''}",
        party.name_zh or party.name,
    )


def _usd(amount, currency) -> tuple:
    text = f"{currency} {amount:,.2f}"
    return text, f"{'美元' if currency == 'USD' else currency} {amount:,.2f}"


def render(facts) -> bytes:
    styles = layout.Styles()
    i = facts.invoice
    period = (
        f"{en_date(i.period_start)} to {en_date(i.period_end)}",
        f"{zh_date(i.period_start)}至{zh_date(i.period_end)}",
    )
    rows = [
        (("Invoice number", "发票编号"), (i.number, i.number)),
        (("Date of issue", "开具日期"), (en_date(i.issued_on), zh_date(i.issued_on))),
        (("Due date", "付款期限"), (en_date(i.due_on), zh_date(i.due_on))),
        (
            ("Deal", "交易"),
            (
                f"{facts.deal_name} — portal reference {facts.deal_slug}",
                f"{facts.deal_name_zh or facts.deal_name}（平台编号 {facts.deal_slug}）",
            ),
        ),
        (("Issued by the escrow agent (Party D)", "开具方：托管代理（丁方）"), _party(facts.agent)),
        (("Payer (policy P9)", "付款方（政策P9）"), PAYER_WORDS[i.payer]),
    ]
    for role, party in facts.payers:
        rows.append(((f"Bill to {ROLE_WORDS[role][0]}", f"致{ROLE_WORDS[role][1]}"), _party(party)))
    charge = [
        (
            (f"Escrow year {i.year} (EA 2)", f"第{i.year}个托管年度（EA第2条）"),
            period,
        ),
        (("Escrow fee (EA 4.4)", "托管费（EA第4.4条）"), _usd(i.amount, i.currency)),
    ]
    for role, share in facts.shares:
        charge.append(
            ((f"Payable by {ROLE_WORDS[role][0]}", f"应由{ROLE_WORDS[role][1]}支付"), _usd(share, i.currency))
        )
    charge.append((("Total due", "应付合计"), _usd(i.amount, i.currency)))
    if i.paid_on:
        status = (
            f"paid on {en_date(i.paid_on)}, reference {i.paid_reference}",
            f"已于{zh_date(i.paid_on)}支付，参考编号 {i.paid_reference}",
        )
    else:
        status = ("not paid yet", "尚未支付")
    charge.append((("Status", "状态"), status))
    story = [
        para(TITLE[0], styles.title),
        para(TITLE[1], styles.title),
        para(
            "USD 5,000 for each started year of the escrow period (EA 4.4, EA 2) / 依据《托管协议》第4.4条及第2条，"
            "托管期内每一个已开始的托管年度收取5,000美元",
            styles.subtitle,
        ),
        Spacer(1, 4 * mm),
        grid(rows, WIDTHS, styles),
        para("Charge / 收费明细", styles.heading),
        grid(charge, WIDTHS, styles, shaded=[len(charge) - 2]),
        Spacer(1, 4 * mm),
        *pair(
            "The escrow period began on the day the shares were first issued to the escrow agent and runs until every "
            "share is released or returned (EA 2); each started escrow year is charged in full. The agreement does "
            "not say who pays the fee or when it is due: the payer follows the deal's policy P9, and the invoice is "
            f"due {facts.due_days} calendar days after it is issued.",
            "托管期自股份首次发行至托管代理名下之日起算，至全部股份释放或退还之日止（EA第2条）；每一个已开始的托管年度"
            f"按全年收费。协议未约定托管费由何方支付及付款期限：付款方依本交易的政策P9确定，发票开具后{facts.due_days}个"
            "自然日内付款。",
            styles,
            styles.small,
        ),
    ]
    footer = f"{TITLE[0]} · {i.number} · {i.issued_on.isoformat()}"
    return layout.build(story, title=f"{TITLE[0]} / {TITLE[1]} {i.number}", footer=footer)
