"""Deal-level actions: the deposit (EA 1.1), the auditor's approval (SPA 4.2), the return (SPA 5.2(1))."""

from django.utils.translation import gettext as _
from rest_framework import status

from escrow import actions
from escrow.api import inputs
from escrow.api import serializers as out
from escrow.api.views.base import ActionOnDeal, documented
from escrow.api.views.tranche_actions import transfer_evidence
from escrow.contract.errors import InvalidInput
from parties.models import Organisation


class DealActionView(ActionOnDeal):
    output_class = out.DealSerializer


@documented
class ConfirmDeposit(DealActionView):
    """EA 1.1: the escrow agent confirms the shares were issued in its name."""

    input_class = inputs.DepositInput

    def act(self, request, deal, data):
        evidence = transfer_evidence(data, "issue_date")  # issue 11 item 4
        return actions.confirm_deposit(request.user, deal, reference=data["reference"], **evidence)


@documented
class ReturnForCancellation(DealActionView):
    """SPA 5.2(1): on expiry the agent returns the shares not released to the issuer for cancellation."""

    input_class = inputs.ReferenceInput

    def act(self, request, deal, data):
        return actions.return_for_cancellation(request.user, deal, reference=data["reference"])


@documented
class ApproveAuditor(DealActionView):
    """SPA 4.2: the issuer approves the accounting firm whose reports count."""

    input_class = inputs.AuditorInput
    output_class = out.PartySerializer
    status_code = status.HTTP_201_CREATED

    def act(self, request, deal, data):
        # A missing id and an organisation that is not an accounting firm get the same answer: ids tried here
        # tell nothing about the portal's other organisations (SPA 9); the action checks the kind again.
        organisation = Organisation.objects.filter(pk=data["organisation"]).first()
        if organisation is None or organisation.kind != Organisation.Kind.ACCOUNTING_FIRM:
            raise InvalidInput(
                _("No accounting firm has that id; only an accounting firm can be approved as the auditor (SPA 4.2).")
            )
        return actions.approve_auditor(request.user, deal, organisation)

    def result(self, request, deal, party):
        return party
