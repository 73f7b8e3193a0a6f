"""The signed instrument (issue 11 items 2-3): the original PDF, its certificate of completion appended, and the
platform's PAdES seal over the whole, with an RFC 3161 timestamp when settings.TSA_URL is set.

Both steps are incremental updates: the original file's bytes are the first bytes of the signed file, so its
SHA-256 (the hash every party signed, EA 3.1(b)) can be recomputed from the signed file alone, and the
original pages are the very same objects, not a re-rendering. The seal is an invisible signature (no
appearance stream, so no font of its own): PDF viewers list it in their signature panel. Any later change to a
byte it covers breaks it (PRC Electronic Signature Law, Art. 13).
"""

import io
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from pypdf import PdfReader, PdfWriter

from escrow.documents.platform_key import platform_key
from escrow.documents.timestamp import TimestampUnavailable, run_async

FIELD = "PlatformSeal"
REASON = "Certificate of completion: every required party has signed (EA 3.1(b), 3.3; SPA 5.3)"


def append_pages(original: bytes, extra: bytes) -> bytes:
    """The original file unchanged, followed by an incremental update that adds the pages of `extra`."""
    writer = PdfWriter(io.BytesIO(original), incremental=True)
    for page in PdfReader(io.BytesIO(extra)).pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert data.startswith(original), "an incremental update keeps the original bytes"
    return data


def seal(data: bytes, *, tsa_url: str = "") -> bytes:
    """Sign the whole file with the platform key (PAdES baseline; B-T with a timestamp from tsa_url).
    Raises TimestampUnavailable when the authority gives no token (the caller decides what to do)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError

    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=REASON,
        location="Escrow portal",
    )
    timestamper = HTTPTimeStamper(tsa_url, timeout=20) if tsa_url else None
    pdf_signer = signers.PdfSigner(metadata, signer=platform_key().signer(), timestamper=timestamper)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    try:
        out = run_async(pdf_signer.async_sign_pdf(writer, output=io.BytesIO()))
    except (TimestampRequestError, OSError) as failure:
        raise TimestampUnavailable(f"the timestamp authority at {tsa_url} gave no token: {failure}") from None
    return out.getvalue()


@dataclass(frozen=True)
class SealCheck:
    problem: str  # "" when the seal is intact, valid and from a trusted certificate
    signer: str = ""
    timestamped: bool = False
    timestamp_valid: bool = False
    covers_whole_file: bool = False


def check_seal(data: bytes, *, trusted=(), tsa_trusted=()) -> SealCheck:
    """Validate the platform's seal on a file with pyHanko, trusting only the given certificates (asn1crypto
    x509.Certificate objects; the platform's current one by default)."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    if not trusted:
        der = platform_key().certificate.public_bytes(serialization.Encoding.DER)
        trusted = [asn1_x509.Certificate.load(der)]
    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception as failure:  # any unreadable file is a failed check, named
        return SealCheck(f"the file cannot be read as a PDF ({type(failure).__name__})")
    seals = [s for s in signatures if s.field_name == FIELD]
    if not seals:
        return SealCheck("the file carries no platform seal")
    context = ValidationContext(trust_roots=list(trusted), allow_fetching=False)
    ts_context = ValidationContext(trust_roots=list(tsa_trusted), allow_fetching=False) if tsa_trusted else None
    status = validate_pdf_signature(seals[-1], signer_validation_context=context, ts_validation_context=ts_context)
    stamp = status.timestamp_validity
    result = dict(
        signer=status.signing_cert.subject.human_friendly,
        timestamped=stamp is not None,
        timestamp_valid=bool(stamp and stamp.intact and stamp.valid and (stamp.trusted or not tsa_trusted)),
        covers_whole_file=status.coverage.name == "ENTIRE_FILE",
    )
    if not (status.intact and status.valid):
        return SealCheck("the seal does not verify: the sealed content was changed", **result)
    if not status.trusted:
        return SealCheck("the seal is not from a trusted platform certificate", **result)
    return SealCheck("", **result)
