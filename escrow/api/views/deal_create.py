"""POST /api/deals/: staff create a deal through the same action as the admin, the page and the commands."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from escrow.actions.deals import create_deal
from escrow.api import inputs
from escrow.api import serializers as out
from escrow.api.views.base import ERRORS
from escrow.api.views.reads import DealList
from escrow.usecases.permissions import require_staff


class DealListCreate(DealList):
    """GET: the deals the person plays a role on (SPA 9). POST: staff create a deal (JSON: tranches and
    policies are nested)."""

    parser_classes = [JSONParser]

    @extend_schema(
        request=inputs.DealInput,
        responses={201: out.DealSerializer, **ERRORS},
        summary="Create a deal with its tranches (staff)",
        description="Staff with the permission escrow.add_deal create a deal from its terms: shares, "
        "tranches (periods and targets, SPA 1.4, 4.1), policies P1-P8, calendar (P6) and "
        "effective date. Each release falls due 60 calendar days after its year ends "
        "(SPA 5.1); the deal's history starts with an entry recording these terms. A "
        "person who is not such staff gets 403.",
    )
    def post(self, request):
        require_staff(request.user, "create_deal")  # 403 before the input is even read
        serializer = inputs.DealInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["tranches"] = [dict(row) for row in data["tranches"]]
        deal = create_deal(request.user, **data)
        return Response(self.present(out.DealSerializer, deal), status=status.HTTP_201_CREATED)
