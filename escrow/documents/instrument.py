"""The written instruments as legal documents, in English and Simplified Chinese throughout.

The joint instruction (EA 3.1(b), 3.2) is what the escrow agent acts on and what the parties would bring to
CIETAC (SPA 10.2): addressed, dated, referenced, stating the audited figures and their source, the quantity
in figures and in words, the calculation with its numbers, every policy in force in words, the recipient,
the deadlines, and signature blocks. Settlements (EA 3.3) and adjustments (SPA 5.3) carry the same parts.

The wording is kept here as English/Chinese pairs rather than in the translation catalogue: a signed
instrument is always bilingual whatever its reader's language, and its legal text (and so its hash) must not
depend on whether a catalogue was compiled on the machine that rendered it.
"""

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table

from escrow.contract.words import shares_in_words
from escrow.documents import fonts, layout
from escrow.documents.calculation import calculation_steps
from escrow.documents.layout import amount, cell, en_date, grid, pair, para, zh_date

TITLES = {
    "joint_instruction": ("Joint Written Instruction", "联合书面指示"),
    "settlement": ("Settlement Agreement", "和解协议"),
    "adjustment": ("Written Adjustment Agreement", "书面调整协议"),
}
UNDER = {
    "joint_instruction": (
        "under Clauses 3.1(b) and 3.2 of the Escrow Agreement",
        "依据《托管协议》第3.1(b)条及第3.2条",
    ),
    "settlement": ("under Clause 3.3 of the Escrow Agreement", "依据《托管协议》第3.3条"),
    "adjustment": ("under Clause 5.3 of the Securities Purchase Agreement", "依据《股份购买协议》第5.3条"),
}
WIDTHS = (52 * mm, 122 * mm)


def story(facts, styles, transfer) -> list:
    """The whole document: heading, parties, operative part, figures, calculation, policies, timing, signatures.
    `transfer` is (row, provisional row or None) from escrow.documents.pdf.transfer_rows (EA 3.2)."""
    parts = _heading(facts, styles) + _addressees(facts, styles) + _operative(facts, styles)
    parts += _figures(facts, styles) + _calculation(facts, styles) + _policies(facts, styles)
    parts += _timing(facts, styles, transfer) + _signatures(facts, styles)
    return parts


def _heading(facts, styles) -> list:
    english, chinese = TITLES[facts.kind]
    under_en, under_zh = UNDER[facts.kind]
    rows = [
        (("Reference", "编号"), (facts.reference, facts.reference)),
        (
            ("Date of issue (Beijing time)", "出具日期（北京时间）"),
            (en_date(facts.issued_on), zh_date(facts.issued_on)),
        ),
        (
            ("Deal", "交易"),
            (
                f"{facts.deal_name} — portal reference {facts.deal_slug}",
                f"{facts.deal_name_zh or facts.deal_name}（平台编号 {facts.deal_slug}）",
            ),
        ),
        (
            ("Agreements", "所涉协议"),
            (
                "Securities Purchase Agreement (“SPA”) and Escrow Agreement (“EA”), effective "
                f"{en_date(facts.effective_date)}",
                f"《股份购买协议》（“SPA”）及《托管协议》（“EA”），生效日期{zh_date(facts.effective_date)}",
            ),
        ),
    ]
    return [
        para(english, styles.title),
        para(chinese, styles.title),
        para(f"{under_en} / {under_zh}", styles.subtitle),
        Spacer(1, 4 * mm),
        grid(rows, WIDTHS, styles),
    ]


def _party_text(party) -> tuple:
    """The party's name (and Chinese name), where it is registered, and its notice address (SPA 11.3)."""
    if party is None:
        return "—", "—"
    where = ", ".join(x for x in (party.jurisdiction, party.registration) if x)
    english = f"{party.name}{f' ({party.name_zh})' if party.name_zh else ''}" + (f" [{where}]" if where else "")
    if not party.address:
        return english, ""
    return f"{english}; notice address (SPA 11.3): {party.address}", f"通知地址（SPA第11.3条）：{party.address}"


def _addressees(facts, styles) -> list:
    """EA 3.1(b): the instruction goes from Party A and Party B to the escrow agent; an agreement is
    between the parties who sign it. One row per party."""
    if facts.kind == "joint_instruction":
        rows = [(("To (the escrow agent)", "致（托管代理）"), _party_text(facts.parties.get("escrow_agent")))]
        senders = ["issuer", "purchaser"]
        rows += [
            ((f"From: {_label(facts, r)[0]}", f"发出方：{_label(facts, r)[1]}"), _party_text(facts.parties.get(r)))
            for r in senders
        ]
    else:
        rows = [
            ((f"Party: {_label(facts, r)[0]}", f"协议方：{_label(facts, r)[1]}"), _party_text(facts.parties.get(r)))
            for r in facts.signer_roles
        ]
    return [Spacer(1, 3 * mm), grid(rows, WIDTHS, styles)]


def _label(facts, role) -> tuple:
    party = facts.parties.get(role)
    return party.label if party else (role, role)


# The share classes as the Chinese versions of the agreements name them (the deal stores the English).
SHARE_CLASSES_ZH = {
    "class a ordinary shares": "A类普通股",
    "class b ordinary shares": "B类普通股",
    "ordinary shares": "普通股",
}


def share_class_zh(share_class) -> str:
    return SHARE_CLASSES_ZH.get(share_class.strip().lower(), share_class)


def _quantity_words(quantity, share_class) -> tuple:
    words_en, words_zh = shares_in_words(quantity)
    return (
        f"{quantity:,} ({words_en}) {share_class}",
        f"{share_class_zh(share_class)}{quantity:,}股（大写：{words_zh}）",
    )


def _operative(facts, styles) -> list:
    q_en, q_zh = _quantity_words(facts.quantity, facts.share_class)
    start, end = facts.period
    year_en = f"assessment year {facts.year} ({en_date(start)} to {en_date(end)})"
    year_zh = f"第{facts.year}个考核年度（{zh_date(start)}至{zh_date(end)}）"
    seller = facts.parties.get("seller")
    recipient = seller.name if seller else "Party C"
    if facts.kind == "joint_instruction":
        english = (
            "Party A and Party B hereby jointly instruct the escrow agent, under EA 3.1(b) and 3.2, to release "
            f"from escrow and transfer to Party C ({recipient}) {q_en}, being the shares to be released for "
            f"{year_en}, as calculated in section 3 below."
        )
        chinese = (
            f"甲方与乙方特此依据《托管协议》第3.1(b)条及第3.2条共同指示托管代理：自托管股份中向丙方（{recipient}）"
            f"释放并转让{q_zh}，即{year_zh}应予释放的股份，计算过程见下文第3节。"
        )
        docs_en = (
            "This instruction, together with the accounting firm's report identified in section 2, makes up "
            "the documents for release under EA 3.1(a) and (b)."
        )
        docs_zh = "本指示连同第2节所列会计师事务所出具的报告，构成《托管协议》第3.1条(a)项及(b)项规定的释放文件。"
    else:
        clause_en, clause_zh = (
            ("EA 3.3", "《托管协议》第3.3条") if facts.kind == "settlement" else ("SPA 5.3", "《股份购买协议》第5.3条")
        )
        english = (
            f"The parties agree under {clause_en} that the shares to be released for {year_en} are {q_en}. "
            "Party A and Party B will give the escrow agent a joint written instruction for this quantity "
            "(EA 3.1(b))."
        )
        chinese = (
            f"各方依据{clause_zh}约定：{year_zh}应予释放的股份为{q_zh}。甲方与乙方将就该数量向托管代理出具联合书面"
            "指示（《托管协议》第3.1(b)条）。"
        )
        docs_en = docs_zh = ""
    parts = [Spacer(1, 3 * mm), para(_section(1, facts), styles.heading)]
    parts += pair(english, chinese, styles)
    parts += _quantity_box(facts, styles)
    if facts.reason:
        parts += pair(f"Grounds: {facts.reason}", f"事由：{facts.reason}", styles)
    if docs_en:
        parts += pair(docs_en, docs_zh, styles)
    return parts


def _section(number, facts) -> str:
    names = {
        1: ("Instruction", "指示") if facts.kind == "joint_instruction" else ("Agreement", "约定"),
        2: ("Assessment year and audited revenue", "考核年度及经审计营业收入"),
        3: ("Calculation (SPA 5.1, 5.2)", "计算过程（SPA第5.1条、第5.2条）"),
        4: ("Policies in force", "适用的解释政策"),
        5: ("Recipient, delivery and deadlines", "接收方、交付方式及期限"),
        6: ("Signatures", "签署"),
    }
    english, chinese = names[number]
    return f"{number}. {english} / {chinese}"


def _quantity_box(facts, styles) -> list:
    words_en, words_zh = shares_in_words(facts.quantity)
    box = Table(
        [
            [
                cell("Shares to release", "释放股份数", styles.label),
                para(f"{facts.quantity:,}", styles.big),
            ],
            [cell("In words", "大写", styles.label), cell(f"{words_en} shares", f"{words_zh}", styles.cell)],
        ],
        colWidths=WIDTHS,
    )
    box.setStyle(
        layout.table_style(
            [
                ("BOX", (0, 0), (-1, -1), 1.0, "#333333"),
                ("INNERGRID", (0, 0), (-1, -1), 0.4, layout.RULE),
                ("BACKGROUND", (0, 0), (0, -1), layout.SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return [Spacer(1, 2 * mm), box, Spacer(1, 2 * mm)]


def _figures(facts, styles) -> list:
    start, end = facts.period
    rows = [
        (
            ("Assessment year (SPA 1.4)", "考核年度（SPA第1.4条）"),
            (
                f"Year {facts.year}: {en_date(start)} to {en_date(end)}",
                f"第{facts.year}年度：{zh_date(start)}至{zh_date(end)}",
            ),
        ),
        (("Target operating revenue (SPA 4.1)", "目标营业收入（SPA第4.1条）"), amount(facts.target, facts.currency)),
    ]
    report = facts.report
    if report:
        firm_zh = f"（{report.firm_zh}）" if report.firm_zh else ""
        rows += [
            (("Audited operating revenue", "经审计营业收入"), amount(report.revenue, facts.currency)),
            (
                ("Accounting firm (approved by Party A, SPA 4.2)", "会计师事务所（经甲方认可，SPA第4.2条）"),
                (report.firm, f"{report.firm}{firm_zh}"),
            ),
            (
                ("Report filed on the portal (Beijing time)", "报告提交平台日期（北京时间）"),
                (en_date(report.filed_on), zh_date(report.filed_on)),
            ),
            (("SHA-256 of the report file", "报告文件SHA-256值"), (_wrap_hash(report.sha256), "")),
        ]
    else:
        rows.append((("Audited operating revenue", "经审计营业收入"), ("no report on file", "尚无报告")))
    return [para(_section(2, facts), styles.heading), grid(rows, WIDTHS, styles)]


def _wrap_hash(digest: str) -> str:
    """64 hex digits in groups of 8, so the full value wraps inside a cell and can be read aloud."""
    return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))


def _calculation(facts, styles) -> list:
    parts = [para(_section(3, facts), styles.heading)]
    steps = calculation_steps(facts)
    if not steps:
        steps = [(line, line) for line in facts.calculation_lines]
    for number, (english, chinese) in enumerate(steps, 1):
        parts += pair(f"3.{number}  {english}", f"3.{number}  {chinese}", styles)
    return parts


def _policies(facts, styles) -> list:
    parts = [
        para(_section(4, facts), styles.heading),
        *pair(
            "Where the agreements are ambiguous, the parties apply these readings (the deal's policies); each "
            "figure in section 3 follows them.",
            "协议文本存在歧义之处，各方适用以下解释（本交易的政策）；第3节的各项数字均据此计算。",
            styles,
        ),
    ]
    rows = [
        (
            (f"{p.number} ({p.clause})", ""),
            (f"{p.question[0]} — {p.reading[0]}", f"{p.question[1]}——{p.reading[1]}"),
        )
        for p in facts.policies
    ]
    return [*parts, grid(rows, WIDTHS, styles)] if rows else parts


def _timing(facts, styles, transfer) -> list:
    seller = facts.parties.get("seller")
    recipient = _party_text(seller)
    rows = [
        (("Recipient (Party C)", "接收方（丙方）"), recipient),
        (
            ("Delivery (EA 3.2)", "交付方式（EA第3.2条）"),
            (
                "The escrow agent transfers the shares from escrow into Party C's name through the issuer's "
                "transfer agent; the transfer reference, date and account are recorded on the portal when the "
                "release is approved. Transfer handling fees and taxes are borne by the recipient (EA 3.2).",
                "托管代理通过发行人的过户代理将股份自托管账户转入丙方名下；转让编号、日期及账户于批准释放时记录于本平台。"
                "转让手续费及税费由接收方承担（EA第3.2条）。",
            ),
        ),
    ]
    due = facts.new_release_due_date or facts.release_due_date
    if facts.new_release_due_date:
        rows.append(
            (
                ("New release date (SPA 5.3)", "新的释放日期（SPA第5.3条）"),
                (f"on or before {en_date(due)}", f"不迟于{zh_date(due)}"),
            )
        )
    elif due:
        rows.append(
            (
                ("Release due (SPA 5.1)", "释放截止日（SPA第5.1条）"),
                (
                    f"within 60 calendar days after the end of the assessment year: on or before {en_date(due)}",
                    f"考核年度结束后60个自然日内：不迟于{zh_date(due)}",
                ),
            )
        )
    shaded = []
    if transfer:
        row, provisional = transfer
        rows.append(row)
        if provisional:
            rows.append(provisional)
            shaded.append(len(rows) - 1)
    return [para(_section(5, facts), styles.heading), grid(rows, WIDTHS, styles, shaded=shaded)]


def _signatures(facts, styles) -> list:
    blocks = [_block(facts.parties.get(role), role, styles) for role in facts.signer_roles]
    if len(blocks) % 2:
        blocks.append(Spacer(1, 1))
    table = Table([blocks[i : i + 2] for i in range(0, len(blocks), 2)], colWidths=(87 * mm, 87 * mm))
    table.setStyle(layout.table_style([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    note = pair(
        "Each party signs electronically on the escrow portal by an authorised signatory on its signatory "
        "register, after re-authentication; each signature binds the SHA-256 of this document's exact bytes "
        "and is listed, with its time, on the certificate of completion (PRC Electronic Signature Law, Art. 13).",
        "各方由其签字人名册中的授权签字人在重新验证身份后于托管平台以电子方式签署；每一签名均绑定本文件确切字节的"
        "SHA-256值，并连同签署时间载于完成证书（《中华人民共和国电子签名法》第十三条）。",
        styles,
        styles.small,
    )
    return [KeepTogether([para(_section(6, facts), styles.heading), *note, Spacer(1, 2 * mm), table])]


def _block(party, role, styles):
    m = fonts.markup
    label = party.label if party else (role, role)
    lines = [f"<b>{m(label[0])}</b>", m(label[1]), m(party.name if party else "—")]
    if party and party.name_zh:
        lines.append(m(party.name_zh))
    lines += ["", m("Authorised signatory / 授权签字人:"), "", "", "______________________________"]
    lines += [m("Name / 姓名:"), m("Title / 职务:"), m("Date (Beijing time) / 日期（北京时间）:")]
    return Paragraph("<br/>".join(lines), styles.cell)


def render(facts, transfer=None) -> bytes:
    styles = layout.Styles()
    english, chinese = TITLES[facts.kind]
    footer = f"{facts.reference} · {english} · {facts.deal_name}"
    return layout.build(story(facts, styles, transfer), title=f"{english} / {chinese}", footer=footer)
