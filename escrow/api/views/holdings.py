"""Issue 14 items 2, 3: a deal's dividends and shareholder meetings, read (SPA 3.2, EA 1.3).

Every role on the deal reads them (SPA 9); the figures are escrow.queries.holdings', the same as the
"Dividends and votes" page: the seller's entitlement on the shares in escrow at each record date, read from the
share ledger, a stock dividend's new shares by tranche, each meeting's resolutions, cut-off, latest voting
instruction and the proxy lodged.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from escrow.api import access
from escrow.api.views.base import ERRORS, EscrowAPIView
from escrow.queries.holdings import dividends_for, meetings_for


class NewSharesSerializer(serializers.Serializer):
    shares = serializers.IntegerField(help_text="whole new shares on the escrowed shares")
    fraction = serializers.CharField(help_text="the fraction of a share left, settled under the issuer's terms")


class PassThroughSerializer(serializers.Serializer):
    date = serializers.DateField()
    reference = serializers.CharField()
    amount = serializers.CharField(help_text="amount paid to the seller")
    withheld = serializers.CharField(allow_null=True)
    withholding_note = serializers.CharField(allow_blank=True)


class DividendSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["cash", "shares"])
    declared_on = serializers.DateField()
    record_date = serializers.DateField()
    payment_date = serializers.DateField()
    per_share = serializers.CharField(help_text="amount (cash) or new shares (stock) per share, exact")
    currency = serializers.CharField(allow_blank=True)
    shares_in_escrow_at_record_date = serializers.IntegerField()
    provisional = serializers.BooleanField(help_text="the record date is still ahead: shares in escrow to date")
    entitlement = serializers.CharField(allow_null=True, help_text="cash: shares x amount per share, exact")
    new_shares = NewSharesSerializer(allow_null=True)
    stock_policy = serializers.CharField(allow_null=True)
    allocation = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="tranche year -> new shares, largest remainder; from the ledger's rebases once received",
    )
    status = serializers.ChoiceField(
        choices=["awaiting_pass_through", "passed_through", "received", "awaiting_shares", "shares_in_escrow"]
    )
    passed_through = PassThroughSerializer(allow_null=True)
    receipt_confirmed_at = serializers.DateTimeField(allow_null=True)
    clause = serializers.CharField()


class ResolutionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()


class InstructionSerializer(serializers.Serializer):
    choices = serializers.DictField(
        child=serializers.ChoiceField(choices=["for", "against", "abstain"]), help_text="resolution number -> vote"
    )
    shares = serializers.IntegerField()
    given_at = serializers.DateTimeField()


class ProxySerializer(serializers.Serializer):
    date = serializers.DateField()
    reference = serializers.CharField()


class MeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    record_date = serializers.DateField()
    meeting_date = serializers.DateField()
    cut_off = serializers.DateTimeField()
    resolutions = ResolutionSerializer(many=True)
    shares_in_escrow_at_record_date = serializers.IntegerField()
    instruction = InstructionSerializer(allow_null=True, help_text="the seller's latest instruction")
    instructions_given = serializers.IntegerField()
    proxy_lodged = ProxySerializer(allow_null=True)
    status = serializers.ChoiceField(choices=["awaiting_instruction", "instructed", "no_instruction", "proxy_lodged"])
    clause = serializers.CharField()


class DividendList(EscrowAPIView):
    """The deal's dividends with the seller's entitlement on the shares in escrow at each record date (SPA 3.2,
    EA 1.3), the pass-through and its receipt; a stock dividend's new shares by tranche."""

    @extend_schema(
        summary="A deal's dividends (SPA 3.2, EA 1.3)", responses={200: DividendSerializer(many=True), **ERRORS}
    )
    def get(self, request, ref):
        deal = access.deal_for(request.user, ref)
        return Response([view.as_dict() for view in dividends_for(deal)])


class MeetingList(EscrowAPIView):
    """The deal's shareholder meetings: resolutions, cut-off, the seller's voting instruction for the escrowed
    shares held at the record date, and the proxy the escrow agent lodged (SPA 3.2, EA 1.3)."""

    @extend_schema(
        summary="A deal's shareholder meetings (SPA 3.2, EA 1.3)",
        responses={200: MeetingSerializer(many=True), **ERRORS},
    )
    def get(self, request, ref):
        deal = access.deal_for(request.user, ref)
        return Response([view.as_dict() for view in meetings_for(deal)])
