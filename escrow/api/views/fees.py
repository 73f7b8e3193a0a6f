"""The escrow fee invoices over the API (EA 4.4, EA 2; issue 14 item 5): read only. The agent issues invoices
and records payments on the deal's fee page; the API lists what the reader may see (P9 as issued)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from escrow.api import access
from escrow.api.views.base import ERRORS, EscrowAPIView
from escrow.queries.deals import viewer_party
from escrow.queries.fees import escrow_period, invoices_for


class FeeInvoiceOut(serializers.Serializer):
    number = serializers.CharField(help_text="stable and unique per deal: <deal-slug>-FEE-<escrow year>")
    year = serializers.IntegerField(help_text="escrow year (EA 2), 1 from the date of issue of the shares")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    issued_on = serializers.DateField(help_text="date of issue (contract date, Beijing)")
    due_on = serializers.DateField(help_text="30 calendar days after issue (the contract is silent)")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="EA 4.4: 5,000.00 a year")
    currency = serializers.CharField()
    payer = serializers.ChoiceField(["issuer", "purchaser", "split"], help_text="policy P9 as issued")
    shares = serializers.SerializerMethodField(help_text="role -> amount owed (split: half each)")
    paid_on = serializers.DateField(allow_null=True)
    paid_reference = serializers.CharField()

    def get_shares(self, invoice) -> dict[str, str]:
        return {role: str(amount) for role, amount in invoice.shares.items()}


class FeesOut(serializers.Serializer):
    escrow_started_on = serializers.DateField(allow_null=True, help_text="EA 2: first issue of the shares")
    escrow_ended_on = serializers.DateField(allow_null=True, help_text="EA 2: every share released or returned")
    payer_policy = serializers.CharField(help_text="P9 escrow_fee_payer now")
    invoices = FeeInvoiceOut(many=True)


class DealFees(EscrowAPIView):
    """The deal's escrow fee invoices (EA 4.4): the escrow agent and compliance read every one, the issuer and
    the purchaser the ones they pay."""

    @extend_schema(responses={200: FeesOut, **ERRORS})
    def get(self, request, ref):
        deal = access.deal_for(request.user, ref, "view_fees")
        party = viewer_party(request.user, deal)  # the party deal_for read
        start, end = escrow_period(deal)
        data = {
            "escrow_started_on": start,
            "escrow_ended_on": end,
            "payer_policy": deal.escrow_fee_payer,
            "invoices": invoices_for(deal, party.role if party else None),
        }
        return Response(FeesOut(data).data)
