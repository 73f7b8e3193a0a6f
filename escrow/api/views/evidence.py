"""The evidence pack of a release or of the deal as a zip (issue 11 item 5): the same permission check as a
document download (SPA 9); errors stay JSON."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

from escrow.api import access
from escrow.api.views.base import ERRORS, EscrowAPIView
from escrow.queries import evidence

ACTION = "download_evidence_pack"
ZIP = {(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY), **ERRORS}


class AttachmentView(EscrowAPIView):
    """A generated file (`data`, `filename`) sent as an attachment; errors stay JSON."""

    content_type = "application/zip"

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)  # zip clients still get JSON errors

    def respond(self, pack):
        response = HttpResponse(pack.data, content_type=self.content_type)
        response["Content-Disposition"] = f'attachment; filename="{pack.filename}"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class DealEvidencePack(AttachmentView):
    """The deal's evidence pack: every document, every year, the whole history, manifest and verifier."""

    @extend_schema(responses=ZIP)
    def get(self, request, ref):
        return self.respond(evidence.pack_for_deal(access.deal_for(request.user, ref, ACTION)))


class TrancheEvidencePack(AttachmentView):
    """One release's evidence pack: its documents, calculation, deadlines' calendar basis, history slice."""

    @extend_schema(responses=ZIP)
    def get(self, request, pk):
        tranche = access.tranche_for(request.user, pk)
        access.deal_for(request.user, tranche.deal_id, ACTION)
        return self.respond(evidence.pack_for_tranche(tranche))
