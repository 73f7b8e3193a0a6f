"""The deal's splits and consolidations over the API (issue 14 item 4): a read. Proposing and confirming are
done on the deal's corporate actions page (escrow.views.corporate_actions)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from escrow.api import access
from escrow.api.views.base import ERRORS, EscrowAPIView
from escrow.queries.available import Now
from escrow.queries.corporate_actions import corporate_actions_of


class CorporateActionOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="split or consolidation")
    ratio_new = serializers.IntegerField(help_text="new shares ...")
    ratio_old = serializers.IntegerField(help_text="... for this many old shares (1:30 is a 1-for-30 consolidation)")
    effective_date = serializers.DateField()
    fraction_policy = serializers.CharField(help_text="round-up or floor (the issuer's own terms for the action)")
    new_ticker = serializers.CharField()
    new_cusip = serializers.CharField()
    terms = serializers.CharField()
    state = serializers.CharField(help_text="proposed (by the issuer) or confirmed (by the escrow agent)")
    proposed_by = serializers.CharField()
    proposed_at = serializers.DateTimeField()
    confirmed_by = serializers.CharField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    rebase = serializers.JSONField(
        help_text="after confirmation: ratio, policy, balance before/exact/after, rounded_up and remainder (fractions "
        "of a share as p/q), each year's shares in escrow before/exact/after, and each year's size after"
    )


class TrancheSizeOut(serializers.Serializer):
    year = serializers.IntegerField()
    size = serializers.IntegerField(help_text="released for the year as it was, plus its rebased remainder in escrow")


class CorporateActionsOut(serializers.Serializer):
    actions = CorporateActionOut(many=True)
    sizes = TrancheSizeOut(many=True)
    may_propose = serializers.BooleanField()
    may_confirm = serializers.BooleanField()


class CorporateActions(EscrowAPIView):
    """The deal's splits and consolidations (issue 14 item 4), the tranche sizes they left, and what the caller
    may do now (EA 4.2: a corporate action's rebase is the one movement besides deposit, release and return)."""

    @extend_schema(responses={200: CorporateActionsOut, **ERRORS})
    def get(self, request, ref):
        deal = access.deal_for(request.user, ref, "view_corporate_actions")
        found = corporate_actions_of(deal)
        now = Now(request.user, deal)
        data = {
            "actions": found.actions,
            "sizes": [{"year": y, "size": s} for y, s in found.sizes],
            "may_propose": now.may("propose_corporate_action"),
            "may_confirm": now.may("confirm_corporate_action"),
        }
        return Response(CorporateActionsOut(data, context={"request": request}).data)
