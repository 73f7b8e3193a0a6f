"""Issue 14 items 2, 3: a deal's dividends and shareholder meetings (SPA 3.2, EA 1.3), read and acted on.

Every role on the deal reads them (SPA 9); the figures are escrow.queries.holdings', the same as the
"Dividends and votes" page: the seller's entitlement on the shares in escrow at each record date, read from the
share ledger, a stock dividend's new shares by tranche, each meeting's resolutions, cut-off, latest voting
instruction and the proxy lodged.

The six actions are the page's (escrow.actions.holdings): the issuer records a dividend or a meeting, the escrow
agent records the pass-through or the proxy lodged, the seller confirms receipt or instructs the vote. Each
answers with the dividend or meeting as the lists show it.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from escrow.actions import holdings as actions
from escrow.api import access, inputs
from escrow.api.views.base import ERRORS, ActionOnDeal, EscrowAPIView, documented
from escrow.models import Dividend, Meeting
from escrow.queries.holdings import dividend_view, dividends_for, meeting_view, meetings_for


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


# --- the actions -----------------------------------------------------------------------------------------


class DividendActionView(ActionOnDeal):
    output_class = DividendSerializer

    def result(self, request, deal, dividend):
        return dividend_view(Dividend.objects.select_related("deal").get(pk=dividend.pk)).as_dict()


class MeetingActionView(ActionOnDeal):
    output_class = MeetingSerializer

    def result(self, request, deal, meeting):
        return meeting_view(Meeting.objects.select_related("deal").get(pk=meeting.pk)).as_dict()


@documented
class RecordDividend(DividendActionView):
    """SPA 3.2: the issuer records a dividend it declared (cash, or new shares per share); the seller's
    entitlement follows from the share ledger at the record date. Every party is told."""

    input_class = inputs.DividendInput
    status_code = status.HTTP_201_CREATED

    def act(self, request, deal, data):
        return actions.record_dividend(request.user, deal, **data)


@documented
class RecordPassThrough(DividendActionView):
    """EA 1.3: the escrow agent records paying the seller a cash dividend (date, reference, amount, any
    withholding and why); the entitlement is frozen. 409 for a stock dividend or one already paid through."""

    input_class = inputs.PassThroughInput

    def act(self, request, deal, data):
        data = dict(data)
        return actions.record_dividend_pass_through(request.user, deal, data.pop("dividend"), **data)


@documented
class ConfirmReceipt(DividendActionView):
    """SPA 3.2: the seller confirms it received the dividend the agent paid through, once."""

    input_class = inputs.ReceiptInput

    def act(self, request, deal, data):
        return actions.confirm_dividend_receipt(request.user, deal, data["dividend"])


@documented
class RecordMeeting(MeetingActionView):
    """SPA 3.2: the issuer records a shareholder meeting with its resolutions and the cut-off for the seller's
    voting instructions (by default 17:00 Beijing time 5 business days before the meeting)."""

    input_class = inputs.MeetingInput
    status_code = status.HTTP_201_CREATED

    def act(self, request, deal, data):
        return actions.record_meeting(request.user, deal, **data)


@documented
class InstructVote(MeetingActionView):
    """SPA 3.2: the seller instructs the vote of the escrowed shares, for, against or abstain on every
    resolution, before the cut-off; a later instruction replaces the earlier one (both stay in the history)."""

    input_class = inputs.InstructInput
    status_code = status.HTTP_201_CREATED

    def act(self, request, deal, data):
        return actions.instruct_vote(request.user, deal, data["meeting"], choices=data["choices"])

    def result(self, request, deal, instruction):
        return super().result(request, deal, instruction.meeting)


@documented
class RecordProxyLodged(MeetingActionView):
    """EA 1.3: the escrow agent records that it lodged the proxy as the seller last instructed (date, reference),
    from the record date on and once."""

    input_class = inputs.ProxyInput

    def act(self, request, deal, data):
        return actions.record_proxy_lodged(
            request.user, deal, data["meeting"], lodged_on=data["lodged_on"], reference=data["reference"]
        )
