"""Issue 12 item 8: the seller's release statement (PDF) and the oversight overview (overdue items and holds)."""

from django.core.paginator import Paginator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response

from escrow.api import access
from escrow.api import serializers as out
from escrow.api.views.base import ERRORS, EscrowAPIView
from escrow.api.views.evidence import AttachmentView
from escrow.queries.clock import contract_today
from escrow.queries.overview import overview_for
from escrow.queries.statements import release_statement

PER_PAGE = 20


class ReleaseStatement(AttachmentView):
    """The seller's release statement: per released year the shares, the calculation, the transfer agent's
    reference, date and agent, and the shares still in escrow (EA 3.2, SPA 5.1); bilingual PDF."""

    content_type = "application/pdf"

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY), **ERRORS})
    def get(self, request, ref):
        return self.respond(release_statement(access.deal_for(request.user, ref, "download_release_statement")))


class Overview(EscrowAPIView):
    """Compliance and the escrow agent: every deal they oversee with overdue items (what, since when, clause)
    and active holds, most urgent first; `page` pages through them, PER_PAGE deals a page."""

    @extend_schema(
        parameters=[OpenApiParameter("page", int, description="1 for the most urgent deals")],
        responses={200: out.OverviewPageSerializer, **ERRORS},
    )
    def get(self, request):
        today = contract_today()
        page = Paginator(overview_for(request.user, today), PER_PAGE).get_page(request.query_params.get("page"))
        context = {"request": request, "today": today}
        return Response(out.OverviewPageSerializer(page, context=context).data)
