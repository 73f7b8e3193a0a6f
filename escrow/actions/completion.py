"""The signed instrument (issue 11 items 2-3), made when the last required signature arrives, in the signing
transaction (escrow.actions.instruments._take_effect): the original pages unchanged, a certificate of
completion, the platform's PAdES seal over both, stored as a document of its own and recorded in the history.

Which history entry the certificate names: the `signed` entry of the last required signature, already
written. The certificate is inside the sealed file, so an entry recorded for the purpose could not also hold
the sealed file's hash (each would need the other's first). The `signed` entry is the completion itself, and
its hash chains every earlier signature; the `instrument_sealed` entry written next records the sealed
file's SHA-256, so the chain commits to the sealed bytes as well, and each points to the other.
"""

import io
import logging

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from pypdf import PdfReader

from escrow.actions.base import record
from escrow.documents import certificate, seal
from escrow.documents.platform_key import platform_key
from escrow.documents.storage import document_bytes, store_pdf
from escrow.documents.timestamp import TimestampUnavailable
from escrow.models import HistoryAction, HistoryEntry, StoredDocument

log = logging.getLogger(__name__)


def seal_signed_instrument(instrument, tranche, actor, party, *, clause):
    """Produce, store and record the signed instrument; returns its StoredDocument."""
    original = document_bytes(instrument.document)
    entry = _completion_entry(instrument, tranche)
    problem = ""
    try:
        data = _sealed(instrument, entry, original, settings.TSA_URL or "")
    except TimestampUnavailable as failure:
        # The last signature is not refused because a third-party authority is down: the seal still proves
        # integrity, the history says the timestamp is missing and why (the certificate says so too).
        log.warning("instrument %s sealed without a timestamp: %s", instrument.pk, failure)
        problem = str(failure)
        data = _sealed(instrument, entry, original, "")
    reference = (instrument.document.original_name or f"instrument-{instrument.pk}.pdf").removesuffix(".pdf")
    document = store_pdf(
        deal=tranche.deal,
        tranche=tranche,
        kind=StoredDocument.Kind.SIGNED_INSTRUMENT,
        data=data,
        by=actor,
        original_name=f"{reference}-signed.pdf",
    )
    instrument.sealed_document = document
    instrument.save(update_fields=["sealed_document"])
    record(
        tranche.deal,
        action=HistoryAction.INSTRUMENT_SEALED,
        actor=actor,
        party=party,
        tranche=tranche,
        clause=clause,
        summary=f"Signed {reference} sealed by the platform with its certificate of completion",
        details={
            "instrument": instrument.pk,
            "document_sha256": instrument.document.sha256,
            "sealed_sha256": document.sha256,
            "completion_entry": {"seq": entry.seq, "hash": entry.hash},
            "timestamped": bool(settings.TSA_URL) and not problem,
            "timestamp_problem": problem,
        },
    )
    return document


def _completion_entry(instrument, tranche):
    """The `signed` entry of the last required signature (written just before, in this transaction)."""
    return (
        HistoryEntry.objects.filter(deal=tranche.deal, action=HistoryAction.SIGNED, details__instrument=instrument.pk)
        .select_related("chain")
        .order_by("-seq")
        .first()
    )


def _sealed(instrument, entry, original, tsa_url) -> bytes:
    key = platform_key()
    completion = certificate.completion_of(
        instrument,
        entry,
        original=original,
        pages=len(PdfReader(io.BytesIO(original)).pages),
        seal_subject=", ".join(str(attribute.value) for attribute in key.certificate.subject),
        seal_fingerprint=key.certificate.fingerprint(hashes.SHA256()).hex(),
        timestamp_url=tsa_url,
    )
    combined = seal.append_pages(original, certificate.render(completion))
    return seal.seal(combined, tsa_url=tsa_url)
