"""The deal's splits and consolidations over the API (issue 14 item 4): the read, and the two actions of the
deal's corporate actions page (escrow.actions.corporate_actions): the issuer proposes, the escrow agent confirms
on or after the effective date and the escrow is rebased. Each answers with the read as it then stands."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from escrow.actions import corporate_actions as actions
from escrow.api import access, inputs
from escrow.api.views.base import ERRORS, ActionOnDeal, EscrowAPIView, documented
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
        return Response(self.present(CorporateActionsOut, corporate_actions_now(request.user, deal)))


def corporate_actions_now(user, deal) -> dict:
    found = corporate_actions_of(deal)
    now = Now(user, deal)
    return {
        "actions": found.actions,
        "sizes": [{"year": y, "size": s} for y, s in found.sizes],
        "may_propose": now.may("propose_corporate_action"),
        "may_confirm": now.may("confirm_corporate_action"),
    }


class CorporateActionView(ActionOnDeal):
    output_class = CorporateActionsOut

    def result(self, request, deal, acted):
        return corporate_actions_now(request.user, self.committed(request, deal))


@documented
class ProposeCorporateAction(CorporateActionView):
    """Issue 14 item 4 (EA 4.2): the issuer proposes a split or consolidation (new for old shares, effective
    date, fractional shares policy of its terms, any new ticker or CUSIP); one proposal at a time (409)."""

    input_class = inputs.CorporateActionInput
    status_code = status.HTTP_201_CREATED

    def act(self, request, deal, data):
        return actions.propose_corporate_action(request.user, deal, **data)


@documented
class ConfirmCorporateAction(CorporateActionView):
    """Issue 14 item 4 (EA 4.2, SPA 5.1): the escrow agent confirms the proposal on or after its effective date;
    the shares in escrow are rebased (one `rebase` ledger movement per year that changes) and the tranche sizes
    follow. 409 when nothing is proposed, before the effective date, or while a year is fixed in old shares."""

    input_class = inputs.ConfirmCorporateActionInput

    def act(self, request, deal, data):
        return actions.confirm_corporate_action(request.user, deal, reference=data["reference"])
