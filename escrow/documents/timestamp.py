"""RFC 3161 timestamps from the authority at settings.TSA_URL (pyHanko's HTTPTimeStamper), and their check.

A token proves that some bytes existed at the authority's time, independently of the platform and of its
key: the checkpoints are timestamped so that a witnessed chain head cannot be back-dated (issue 10 item 4).
The authority's certificate is trusted from settings.TSA_CERT_FILE; without it a token is checked for
integrity and imprint only (verify_history says so).
"""

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import cms, pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings


class TimestampUnavailable(Exception):
    """The authority did not answer with a token (down, refused, malformed)."""


def run_async(coroutine):
    """pyHanko signs asynchronously. A thread that already runs an event loop (Playwright's sync API, an
    async server) cannot asyncio.run, so the signing then runs on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def stamp(data: bytes) -> bytes | None:
    """DER of a TimeStampToken over SHA-256(data), or None when no authority is configured."""
    if not settings.TSA_URL:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError

    stamper = HTTPTimeStamper(settings.TSA_URL, timeout=20)
    try:
        token = run_async(stamper.async_timestamp(hashlib.sha256(data).digest(), "sha256"))
    except (TimestampRequestError, OSError, ValueError) as failure:
        raise TimestampUnavailable(f"the timestamp authority at {settings.TSA_URL} gave no token: {failure}") from None
    return token.dump()


@dataclass(frozen=True)
class TokenCheck:
    problem: str  # "" when the token is intact, valid and covers the data
    at: datetime | None = None
    trusted: bool = False


def check(token: bytes, data: bytes) -> TokenCheck:
    """Does the token verify, and does it cover exactly these bytes?"""
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus
    from pyhanko_certvalidator import ValidationContext

    try:
        signed_data = cms.ContentInfo.load(bytes(token))["content"]
        roots = _tsa_roots()
        context = ValidationContext(trust_roots=roots)  # [] without TSA_CERT_FILE: never the OS's TLS roots
        digest = hashlib.sha256(data).digest()
        status = TimestampSignatureStatus(
            **run_async(validate_tst_signed_data(signed_data, context, lambda _algorithm: digest))
        )
    except Exception as failure:  # any malformed token is a failed check, named
        return TokenCheck(f"its timestamp token cannot be read ({type(failure).__name__}: {failure})")
    at = status.timestamp
    if not status.intact:
        return TokenCheck("its timestamp token does not cover this content (it was changed after the timestamp)", at)
    if not status.valid:
        return TokenCheck("its timestamp token's signature does not verify", at)
    if roots and not status.trusted:
        return TokenCheck("its timestamp token is not from the trusted authority (TSA_CERT_FILE)", at)
    return TokenCheck("", at, bool(roots))


def _tsa_roots():
    if not settings.TSA_CERT_FILE:
        return []
    data = Path(settings.TSA_CERT_FILE).read_bytes()
    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [asn1_x509.Certificate.load(data)]
