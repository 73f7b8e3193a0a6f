"""Documents leave the portal only through this permission-checked view (never a media URL)."""

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin

from escrow.contract.errors import DomainError
from escrow.documents.storage import document_bytes
from escrow.views.common import document_for


@login_required
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})  # the signing page shows the PDF in a frame
def document(request, pk):
    doc = document_for(request, pk, action="download_document")
    try:
        data = document_bytes(doc)
    except DomainError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    name = doc.original_name or f"{doc.kind}-{doc.sha256[:12]}.pdf"
    response["Content-Disposition"] = content_disposition_header(request.GET.get("inline") != "1", name)
    response["X-Content-SHA256"] = doc.sha256
    response["Cache-Control"] = "private, no-store"
    return response
