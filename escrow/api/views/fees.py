"""The escrow fee invoices over the API (EA 4.4, EA 2; issue 14 item 5): the list of what the reader may see
(P9 as issued), and the agent's two actions, the same as on the deal's fee pages: issue the invoices of the
started escrow years not yet invoiced, record a payment. Each answers with the fees as the agent then reads them."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from escrow.actions import fees as actions
from escrow.api import access, inputs
from escrow.api.views.base import ERRORS, ActionOnDeal, EscrowAPIView, documented
from escrow.models import FeeInvoice
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
        return Response(FeesOut(fees_of(request.user, deal)).data)


def fees_of(user, deal) -> dict:
    party = viewer_party(user, deal)  # the party deal_for read
    start, end = escrow_period(deal)
    return {
        "escrow_started_on": start,
        "escrow_ended_on": end,
        "payer_policy": deal.escrow_fee_payer,
        "invoices": invoices_for(deal, party.role if party else None),
    }


class FeeActionView(ActionOnDeal):
    output_class = FeesOut

    def result(self, request, deal, acted):
        return fees_of(request.user, self.committed(request, deal))


@documented
class IssueFeeInvoices(FeeActionView):
    """EA 4.4, EA 2: the escrow agent issues an invoice for every started escrow year not yet invoiced, dated
    today (Beijing) and due 30 days later, payer per P9 now; 409 when every started year is invoiced."""

    input_class = inputs.IssueFeesInput
    status_code = status.HTTP_201_CREATED

    def act(self, request, deal, data):
        return actions.issue_fee_invoices(request.user, deal)


@documented
class RecordFeePayment(FeeActionView):
    """EA 4.4: the escrow agent records that an invoice (by its number) was paid: the date and the payment's
    reference, once (409 if it is already paid)."""

    input_class = inputs.FeePaymentInput

    def act(self, request, deal, data):
        # The number is how the invoice is known outside (the read and the PDF show it); an unknown one is
        # passed on as no id, so the action gives its own 404 ("No such escrow fee invoice.").
        invoice_id = FeeInvoice.objects.filter(deal=deal, number=data["invoice"]).values_list("pk", flat=True).first()
        return actions.record_fee_payment(
            request.user, deal, invoice_id, paid_on=data["paid_on"], reference=data["reference"]
        )
