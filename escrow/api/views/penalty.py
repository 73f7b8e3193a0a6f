"""The delay penalty over the API (SPA 8.2, EA 5.2): per tranche its daily rows and totals per party, per deal
the totals per party and per tranche. Capped figures, read from the stored penalty days; the same
permissions as the other reads (a person with no role on the deal gets 404, SPA 9)."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from escrow.api import access, plain
from escrow.api import serializers as out
from escrow.api.views.base import ERRORS, EscrowAPIView
from escrow.queries.penalties import deal_penalties, penalty_table


class TranchePenalty(EscrowAPIView):
    """A tranche's delay penalty, day by day: liable party, shares not released, close used and its date,
    amount, charged amount after the cap, running total, cap, capped flag and the reason of any pause
    (EA 3.3, SPA 8.1, SPA 5.3; P8); then each party's capped share. Days are accrued by the sweep."""

    @extend_schema(
        summary="A tranche's delay penalty (SPA 8.2)", responses={200: out.TranchePenaltySerializer, **ERRORS}
    )
    def get(self, request, pk):
        return Response(self.present(out.TranchePenaltySerializer, penalty_table(access.tranche_for(request.user, pk))))


class DealPenalty(EscrowAPIView):
    """A deal's delay penalties: each liable party's capped share over all tranches, and each tranche's
    total, cap and shares (SPA 8.2, EA 5.2)."""

    @extend_schema(summary="A deal's delay penalties (SPA 8.2)", responses={200: out.DealPenaltySerializer, **ERRORS})
    def get(self, request, ref):
        deal = access.deal_for(request.user, ref)
        return Response(plain.deal_penalty_data(deal_penalties(deal)))  # DealPenaltySerializer's shape (issue 13)
