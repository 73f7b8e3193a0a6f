"""The certificate of completion (issue 11 item 2): the page added after an instrument's own pages when its
last required signature arrives, stating who signed for which party, when, how, from where, and over which
bytes, and where the completion stands in the deal's hash-chained history.

Like DocuSign's or Adobe Sign's certificate, it turns the database's signature rows into evidence a party can
bring to CIETAC (SPA 10.2) without the portal: the PRC Electronic Signature Law (Art. 13) asks that a signer
be identifiable and that a later change be detectable, which the platform's seal over the whole file
(escrow.documents.seal) makes so. Bilingual like the instrument; every font embedded (layout, fonts).
"""

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table

from escrow.documents import fonts, layout
from escrow.documents.facts import both
from escrow.documents.instrument import TITLES, UNDER
from escrow.documents.layout import grid, para
from escrow.models import Role, Signatory

WIDTHS = (52 * mm, 122 * mm)
METHODS = {
    "password": ("Password re-entered at signing", "签署时重新输入密码"),
    "totp": ("Authenticator code (TOTP, two-factor)", "动态验证码（TOTP，双重认证）"),
}


@dataclass(frozen=True)
class SignerLine:
    name: str
    party: tuple  # (English, Chinese): "Kaixin Auto Holdings — Issuer (Party A)"
    title: str  # from the signatory register entry in force when they signed ("" if none)
    signed_at: datetime
    method: str  # "password" or "totp"
    ip_address: str
    user_agent: str
    sha256: str  # of the exact bytes the signer reviewed and signed


@dataclass(frozen=True)
class Completion:
    """Everything the certificate states, as plain values."""

    kind: str
    reference: str
    deal_name: str
    deal_name_zh: str
    original_sha256: str
    original_size: int
    original_pages: int
    issued_at: datetime
    completed_at: datetime
    signers: tuple  # of SignerLine, in the order they signed
    chain: str  # the history chain's key ("deal:7")
    entry_seq: int  # the `signed` entry at which the last required signature was recorded
    entry_hash: str
    entry_at: datetime
    seal_subject: str  # the platform certificate that seals the file
    seal_fingerprint: str  # its SHA-256 over DER
    timestamp_url: str  # "" when no RFC 3161 authority is configured


def completion_of(
    instrument, entry, *, original: bytes, pages: int, seal_subject, seal_fingerprint, timestamp_url
) -> Completion:
    """Read the instrument, its signatures and their signatories into a Completion."""
    deal = instrument.tranche.deal
    signatures = instrument.signatures.select_related("party__organisation", "signer").order_by("signed_at", "pk")
    return Completion(
        kind=instrument.kind,
        reference=(instrument.document.original_name or "").removesuffix(".pdf") or f"instrument-{instrument.pk}",
        deal_name=deal.name,
        deal_name_zh=deal.name_zh,
        original_sha256=instrument.document.sha256,
        original_size=len(original),
        original_pages=pages,
        issued_at=instrument.created_at,
        completed_at=instrument.effective_at,
        signers=tuple(_signer(s, deal) for s in signatures),
        chain=entry.chain.key,
        entry_seq=entry.seq,
        entry_hash=entry.hash,
        entry_at=entry.at,
        seal_subject=seal_subject,
        seal_fingerprint=seal_fingerprint,
        timestamp_url=timestamp_url,
    )


def _signer(signature, deal) -> SignerLine:
    # The register entry that gave the signer power for this party at the moment of signing (issue 10 item 1).
    entry = (
        Signatory.objects.filter(deal=deal, party=signature.party, person=signature.signer)
        .active(signature.signed_at)
        .first()
    )
    organisation = signature.party.organisation
    role_en, role_zh = both(Role(signature.party.role).label)
    name_zh = organisation.name_zh or organisation.name
    return SignerLine(
        name=entry.name if entry else (signature.signer.get_full_name() or signature.signer.get_username()),
        party=(f"{organisation.name} — {role_en}", f"{name_zh}——{role_zh}"),
        title=entry.title if entry else "",
        signed_at=signature.signed_at,
        method=signature.auth_method,
        ip_address=signature.ip_address or "",
        user_agent=signature.user_agent or "",
        sha256=signature.sha256,
    )


def render(completion: Completion) -> bytes:
    """The certificate as a PDF of its own (A4, like the instrument), to be appended to it."""
    styles = layout.Styles()
    hashes = ParagraphStyle("hash", parent=styles.cell, fontName=fonts.SANS, fontSize=7.5, leading=10)
    story = _heading(completion, styles, hashes) + _signers(completion, styles, hashes)
    story += _history(completion, styles, hashes) + _seal(completion, styles, hashes)
    return _build(story, completion)


def _build(story, c: Completion) -> bytes:
    """Like layout.build, but each page is numbered as a page of the signed file (the certificate follows
    the original's pages) and labelled as a certificate page."""
    buffer = io.BytesIO()
    title = f"Certificate of completion — {c.reference}"

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFillColor(layout.MUTED)
        canvas.setFont(fonts.CJK, 7)
        canvas.drawString(doc.leftMargin, 12 * mm, f"{title} / 签署完成证明")
        n = c.original_pages + doc.page
        label = f"Certificate page {doc.page}, page {n} of the signed file / 证明第{doc.page}页，签署文件第{n}页"
        canvas.drawString(doc.leftMargin, 8.5 * mm, label)
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="Escrow portal",
        invariant=1,
        initialFontName=fonts.SERIF,
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def beijing(at: datetime) -> tuple:
    """(English, Chinese) of an instant in Beijing time, labelled, with UTC beside it."""
    local = at.astimezone(ZoneInfo(settings.CONTRACT_TIME_ZONE))
    utc = at.astimezone(UTC)
    return (
        f"{local:%Y-%m-%d %H:%M:%S} Beijing time (UTC+8) — {utc:%Y-%m-%d %H:%M:%S} UTC",
        f"北京时间 {local:%Y-%m-%d %H:%M:%S}；协调世界时（UTC）{utc:%Y-%m-%d %H:%M:%S}",
    )


def _heading(c: Completion, styles, hashes) -> list:
    kind_en, kind_zh = TITLES[c.kind]
    under_en, under_zh = UNDER[c.kind]
    rows = [
        (("Document", "文件"), (f"{kind_en} {under_en}", f"{kind_zh}（{under_zh}）")),
        (("Reference", "编号"), (c.reference, c.reference)),
        (("Deal", "交易"), (c.deal_name, c.deal_name_zh or c.deal_name)),
        (("Issued", "出具时间"), beijing(c.issued_at)),
        (("Completed (last signature)", "签署完成时间（最后一方签署）"), beijing(c.completed_at)),
        (
            ("Original document", "原件"),
            (
                f"{c.original_pages} page(s), {c.original_size:,} bytes: pages 1 to {c.original_pages} and bytes 1 "
                f"to {c.original_size:,} of this file, unchanged",
                f"共{c.original_pages}页、{c.original_size:,}字节：即本文件第1至{c.original_pages}页、"
                f"第1至{c.original_size:,}字节，未作任何改动",
            ),
        ),
    ]
    table = grid(rows, WIDTHS, styles)
    digest = _hash_row(("Original SHA-256", "原件SHA-256哈希值"), c.original_sha256, styles, hashes)
    return [
        para("Certificate of Completion", styles.title),
        para("签署完成证明", styles.title),
        para(f"{kind_en} / {kind_zh}", styles.subtitle),
        Spacer(1, 4 * mm),
        table,
        digest,
    ]


def _signers(c: Completion, styles, hashes) -> list:
    parts = [
        para("Signatures / 签署记录", styles.heading),
        *layout.pair(
            "Each signer confirmed their identity again at the moment of signing and signed the SHA-256 hash of "
            "the exact document they had reviewed.",
            "各签署人于签署时再次验证身份，并对其所审阅文件的SHA-256哈希值进行签署。",
            styles,
        ),
    ]
    total = len(c.signers)
    for number, s in enumerate(c.signers, start=1):
        method = METHODS.get(s.method, (s.method, s.method))
        same = s.sha256 == c.original_sha256
        rows = [
            (("Name", "姓名"), (s.name, s.name)),
            (("For (party)", "代表（协议方）"), s.party),
            (("Title", "职务"), (s.title or "—", s.title or "—")),
            (("Signed at", "签署时间"), beijing(s.signed_at)),
            (("Identity confirmed by", "身份验证方式"), method),
            (("IP address", "IP地址"), (s.ip_address or "—", "")),
            (("Browser or client", "浏览器或客户端"), (s.user_agent or "—", "")),
        ]
        table = grid(rows, WIDTHS, styles)
        signed = _hash_row(("SHA-256 of the document signed", "所签署文件的SHA-256哈希值"), s.sha256, styles, hashes)
        verdict = (
            ("Identical to the original document above.", "与上述原件完全一致。")
            if same
            else ("DIFFERS from the original document above.", "与上述原件不一致。")
        )
        heading = para(f"Signature {number} of {total} / 第{number}项签署（共{total}项）", styles.label)
        parts.append(
            KeepTogether(
                [
                    Spacer(1, 3 * mm),
                    heading,
                    Spacer(1, 1 * mm),
                    table,
                    signed,
                    *layout.pair(*verdict, styles, styles.small),
                ]
            )
        )
    return parts


def _history(c: Completion, styles, hashes) -> list:
    rows = [
        (("History chain", "历史记录链"), (c.chain, c.chain)),
        (("Entry number", "记录序号"), (str(c.entry_seq), str(c.entry_seq))),
        (("Recorded at", "记录时间"), beijing(c.entry_at)),
    ]
    table = grid(rows, WIDTHS, styles)
    digest = _hash_row(("Entry hash", "记录哈希值"), c.entry_hash, styles, hashes)
    return [
        KeepTogether(
            [
                para("Record in the deal's history / 交易历史记录", styles.heading),
                *layout.pair(
                    "The last required signature is the entry below of the deal's hash-chained history; its hash "
                    "covers every earlier entry, including each signature above. The next entry records the "
                    "SHA-256 of this sealed file.",
                    "最后一项必要签署即为下列交易哈希链历史记录；其哈希值涵盖此前全部记录（包括上述各项签署）。"
                    "下一条记录载明本盖章文件的SHA-256哈希值。",
                    styles,
                ),
                table,
                digest,
            ]
        )
    ]


def _seal(c: Completion, styles, hashes) -> list:
    stamp = (
        (f"RFC 3161 timestamp from {c.timestamp_url}", f"由{c.timestamp_url}出具的RFC 3161可信时间戳")
        if c.timestamp_url
        else (
            "None: no RFC 3161 authority was configured or reachable at sealing; the seal's time is the platform's own",
            "无：盖章时未配置或无法连接RFC 3161时间戳机构，盖章时间以平台时间为准",
        )
    )
    rows = [
        (("Sealed by", "盖章方"), (c.seal_subject, c.seal_subject)),
        (("Timestamp", "时间戳"), stamp),
    ]
    table = grid(rows, WIDTHS, styles)
    digest = _hash_row(("Seal certificate SHA-256", "印章证书SHA-256指纹"), c.seal_fingerprint, styles, hashes)
    return [
        KeepTogether(
            [
                para("Platform seal / 平台电子印章", styles.heading),
                *layout.pair(
                    "This file (the original pages and this certificate) carries the platform's PAdES electronic "
                    "seal. Any change to any byte it covers invalidates the seal, which any PDF signature validator "
                    "(Adobe Acrobat, pyHanko) shows (PRC Electronic Signature Law, Art. 13).",
                    "本文件（原件各页及本证明）附有平台的PAdES电子印章。其所覆盖的任何字节一经改动，印章即告失效，"
                    "任何PDF签名验证工具（Adobe Acrobat、pyHanko）均可显示（《中华人民共和国电子签名法》第十三条）。",
                    styles,
                ),
                table,
                digest,
            ]
        )
    ]


def _hash_row(label, value, styles, hashes) -> Table:
    """A label and a 64-digit hash in the smaller sans face, so that it fits one line and copies as one word;
    joined below the table before it (no top rule of its own)."""
    table = Table([[layout.cell(*label, styles.label), para(value, hashes)]], colWidths=WIDTHS)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, layout.RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (0, -1), layout.SHADE),
    ]
    table.setStyle(layout.table_style(style))
    return table
