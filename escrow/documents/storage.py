"""Storing PDFs by content and hash (EA 3.1, 3.3 documents). Never served from a public URL."""

import hashlib
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from escrow.contract.errors import InvalidInput
from escrow.models import StoredDocument


def read_upload(upload) -> bytes:
    if upload is None:
        raise InvalidInput(_("Attach the document as a PDF file."))
    if getattr(upload, "size", 0) and upload.size > settings.MAX_DOCUMENT_BYTES:
        raise InvalidInput(_("The file is larger than 20 MB; upload a smaller PDF."))
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    return data


def check_pdf(data: bytes) -> None:
    """A PDF by content, not by file name: the header, and a parser that finds pages."""
    if not data:
        raise InvalidInput(_("The file is empty; upload the signed PDF."))
    if len(data) > settings.MAX_DOCUMENT_BYTES:
        raise InvalidInput(_("The file is larger than 20 MB; upload a smaller PDF."))
    if not data.lstrip()[:5] == b"%PDF-":
        raise InvalidInput(_("The file is not a PDF (its content does not start with %(magic)s).") % {"magic": "%PDF-"})
    try:
        pages = len(PdfReader(io.BytesIO(data)).pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InvalidInput(
            _("The PDF cannot be read (%(error)s); upload an intact PDF.") % {"error": exc.__class__.__name__}
        ) from None
    if pages < 1:
        raise InvalidInput(_("The PDF has no pages."))


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_pdf(*, deal, kind, data: bytes, by=None, tranche=None, original_name="") -> StoredDocument:
    check_pdf(data)
    digest = sha256_of(data)
    document = StoredDocument(
        deal=deal,
        tranche=tranche,
        kind=kind,
        sha256=digest,
        size=len(data),
        original_name=original_name[:255],
        uploaded_by=by,
        uploaded_at=timezone.now(),
    )
    document.file.save(f"{digest}.pdf", ContentFile(data), save=False)
    document.save()
    return document


def document_bytes(document: StoredDocument) -> bytes:
    with document.file.open("rb") as handle:
        data = handle.read()
    if sha256_of(data) != document.sha256:
        raise InvalidInput(_("The stored file does not match its recorded hash; tell compliance."))
    return data
