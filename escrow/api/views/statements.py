"""Issue 12 item 8: the seller's release statement (PDF) and the oversight overview (overdue items and holds);
issue 14 item 6: a party's statement for a period (JSON)."""

from django.core.paginator import Paginator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from escrow.api import access
from escrow.api import serializers as out
from escrow.api.views.base import ERRORS, EscrowAPIView
from escrow.api.views.evidence import AttachmentView
from escrow.queries.clock import contract_today
from escrow.queries.deals import viewer_party
from escrow.queries.overview import overview_for
from escrow.queries.statements import parse_period, release_statement, statement_for

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


class StatementOut(serializers.Serializer):
    """Issue 14 item 6: a party's statement for a period (escrow.queries.statements.PeriodStatement.as_dict)."""

    deal = serializers.CharField()
    party_role = serializers.CharField(help_text="the reader's role: what concerns it is shown (SPA 9)")
    start = serializers.DateField(help_text="first contract date (Beijing), included")
    end = serializers.DateField(help_text="last contract date (Beijing), included")
    opening = serializers.DictField(help_text="balances at the end of the day before `start` (deal as of)")
    closing = serializers.DictField(help_text="balances at the end of `end`")
    reconciles = serializers.BooleanField(help_text="opening in escrow + movements = closing in escrow")
    movements = serializers.ListField(child=serializers.DictField(), help_text="signed change in escrow")
    releases = serializers.ListField(child=serializers.DictField(), help_text="with deductions and offsets")
    dividends = serializers.ListField(child=serializers.DictField(), help_text="seller, agent, compliance")
    votes_instructed = serializers.ListField(child=serializers.DictField())
    proxies_lodged = serializers.ListField(child=serializers.DictField())
    penalty_accrued = serializers.DictField(child=serializers.CharField(), help_text="liable party -> amount")
    penalty_currency = serializers.CharField()
    fees_invoiced = serializers.ListField(child=serializers.DictField())
    fees_paid = serializers.ListField(child=serializers.DictField())
    upcoming_deadlines = serializers.ListField(child=serializers.DictField())


class PeriodStatement(EscrowAPIView):
    """The reader's statement for a period (issue 14 item 6): positions at the start and end, every movement,
    releases with deductions and offsets, dividends and votes, delay penalty, escrow fees, upcoming deadlines.
    Without `start` and `end`: the last full calendar month (Beijing)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="first day, YYYY-MM-DD (Beijing)"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="last day, YYYY-MM-DD, not after today"),
        ],
        responses={200: StatementOut, **ERRORS},
    )
    def get(self, request, ref):
        deal = access.deal_for(request.user, ref, "download_statement")
        party = viewer_party(request.user, deal)  # the party deal_for read
        start, end = parse_period(request.query_params.get("start"), request.query_params.get("end"))
        return Response(statement_for(deal, party.role if party else None, start, end).as_dict())
