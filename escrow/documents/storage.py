"""Storing PDFs by content and hash (EA 3.1, 3.3 documents). Never served from a public URL."""

import hashlib
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

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
        reader = PdfReader(io.BytesIO(data))
        pages = len(reader.pages)
        active = active_content(reader)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise InvalidInput(
            _("The PDF cannot be read (%(error)s); upload an intact PDF.") % {"error": exc.__class__.__name__}
        ) from None
    if pages < 1:
        raise InvalidInput(_("The PDF has no pages."))
    if active:
        raise InvalidInput(
            _(
                "The PDF contains %(what)s; the portal accepts no PDF with JavaScript, launch actions or embedded "
                "files, which would run or open on every party's computer. Save or print it as a plain PDF and "
                "upload that."
            )
            % {"what": active}
        )


# Keys and action types that make a PDF run code or carry other files (PDF 32000-1 12.6.4, 7.11.4).
JAVASCRIPT = gettext_lazy("JavaScript (%(name)s)")
LAUNCH = gettext_lazy("a launch action (%(name)s)")
EMBEDDED = gettext_lazy("an embedded file (%(name)s)")
ACTIVE_KEYS = {"/JS": JAVASCRIPT, "/JavaScript": JAVASCRIPT, "/Launch": LAUNCH}
ACTIVE_KEYS |= {"/EmbeddedFiles": EMBEDDED, "/EmbeddedFile": EMBEDDED, "/EF": EMBEDDED}
ACTIVE_VALUES = {"/JavaScript": JAVASCRIPT, "/Launch": LAUNCH, "/EmbeddedFile": EMBEDDED}


def active_content(reader) -> str:
    """What in the PDF's structure would run or open something ("" when nothing): every object in the
    cross-reference table, reachable from the catalogue or not (an OpenAction, a page's or a field's
    additional actions, the name tree of scripts or files, an incremental update), read by the parser so
    that names written with #xx escapes or kept in compressed object streams are found as well."""
    if reader.is_encrypted:
        reader.decrypt("")
    seen = set()
    numbers = {number for section in reader.xref.values() for number in section} | set(reader.xref_objStm)
    objects = [reader.trailer, *(IndirectObject(number, 0, reader) for number in sorted(numbers))]
    while objects:
        found = _active(objects.pop(), seen, objects)
        if found:
            return found
    return ""


def _active(obj, seen, pending) -> str:
    if isinstance(obj, IndirectObject):
        if obj.idnum in seen:
            return ""
        seen.add(obj.idnum)
        try:
            obj = obj.get_object()
        except (PdfReadError, ValueError, KeyError, TypeError, OSError):
            return ""  # a free or broken entry holds nothing that could run
    if isinstance(obj, DictionaryObject):
        for key, value in obj.items():
            if key in ACTIVE_KEYS:
                return ACTIVE_KEYS[key] % {"name": key}
            if key in ("/S", "/Type", "/Subtype") and str(value) in ACTIVE_VALUES:
                return ACTIVE_VALUES[str(value)] % {"name": f"{key} {value}"}
            pending.append(value)
    elif isinstance(obj, ArrayObject):
        pending.extend(obj)
    return ""


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
