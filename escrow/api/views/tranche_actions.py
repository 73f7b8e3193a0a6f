"""Tranche actions: the report (SPA 4.2, EA 3.1(a)), the four-eyes transfer (EA 3.2), holds (EA 3.3,
SPA 8.1), settlements and awards (EA 3.3), adjustments (SPA 5.3)."""

from rest_framework import status

from escrow import actions
from escrow.api import access, inputs
from escrow.api import serializers as out
from escrow.api.views.base import ActionView, documented
from escrow.api.views.reads import tranche_with_context
from escrow.documents.storage import read_upload


class TrancheActionView(ActionView):
    output_class = out.TrancheSerializer

    def find(self, user, ref):
        return access.tranche_for(user, ref)

    def result(self, request, tranche, acted):
        return tranche_with_context(request.user, tranche.pk)


@documented
class FileReport(TrancheActionView):
    """SPA 4.2, EA 3.1(a): the approved firm files its report (multipart: audited_revenue, pdf)."""

    input_class = inputs.ReportInput

    def act(self, request, tranche, data):
        upload = data["pdf"]
        return actions.file_report(
            request.user,
            tranche.pk,
            audited_revenue=data["audited_revenue"],
            pdf=read_upload(upload),
            original_name=upload.name or "",
            expected_quantity=data.get("expected_quantity"),
        )


@documented
class PreviewReport(TrancheActionView):
    """Issue 12 item 8: the quantity filing this revenue would release (SPA 5.2), after the filing's own
    checks; nothing is stored. File with expected_quantity to be refused if it changes meanwhile."""

    input_class = inputs.ReportPreviewInput
    output_class = out.ReportPreviewSerializer

    def act(self, request, tranche, data):
        return actions.preview_report(request.user, tranche.pk, audited_revenue=data["audited_revenue"])

    def result(self, request, tranche, preview):
        return preview


@documented
class PreviewCorrection(PreviewReport):
    """Issue 12 item 8: the quantity a corrected revenue would release; nothing is stored."""

    def act(self, request, tranche, data):
        return actions.preview_correction(request.user, tranche.pk, audited_revenue=data["audited_revenue"])


@documented
class CorrectReport(TrancheActionView):
    """Issue 12 item 8 (SPA 4.2, EA 3.1(a)): the firm replaces its report while nobody has signed for the
    year (multipart: audited_revenue, pdf, reason, optional expected_quantity); refused (409) once any
    signature exists: the path is then a dispute and settlement (EA 3.3) or an adjustment (SPA 5.3)."""

    input_class = inputs.CorrectionInput

    def act(self, request, tranche, data):
        upload = data["pdf"]
        return actions.correct_report(
            request.user,
            tranche.pk,
            audited_revenue=data["audited_revenue"],
            pdf=read_upload(upload),
            original_name=upload.name or "",
            reason=data["reason"],
            expected_quantity=data.get("expected_quantity"),
        )


@documented
class PrepareRelease(TrancheActionView):
    """EA 3.2: officer 1 checks the signed instruction (its SHA-256) and prepares the transfer."""

    input_class = inputs.PrepareInput

    def act(self, request, tranche, data):
        return actions.prepare_release(
            request.user,
            tranche.pk,
            expected_sha256=data["expected_sha256"],
            password=data.get("password"),
            otp_token=data.get("otp_token"),
        )


@documented
class ApproveRelease(TrancheActionView):
    """EA 3.2: a second, different officer approves; the shares leave escrow."""

    input_class = inputs.ApproveInput

    def act(self, request, tranche, data):
        return actions.approve_release(
            request.user,
            tranche.pk,
            expected_sha256=data["expected_sha256"],
            transfer_reference=data["transfer_reference"],
            **transfer_evidence(data, "transfer_date"),
            password=data.get("password"),
            otp_token=data.get("otp_token"),
        )


def transfer_evidence(data, date_field):
    """Issue 11 item 4: the transfer agent's record as the actions take it (a missing value stays None)."""
    upload = data.get("confirmation")
    return {
        date_field: data.get(date_field),
        "transfer_agent": data.get("transfer_agent"),
        "recipient_account": data.get("recipient_account"),
        "confirmation": read_upload(upload) if upload else None,
        "confirmation_name": (upload.name or "") if upload else "",
    }


@documented
class WithdrawPreparation(TrancheActionView):
    """EA 3.2 four eyes: the reviewing officer sends the preparation back, saying why."""

    input_class = inputs.ReasonInput

    def act(self, request, tranche, data):
        return actions.withdraw_preparation(request.user, tranche.pk, reason=data["reason"])


@documented
class RaiseDispute(TrancheActionView):
    """EA 3.3: a party disputes the quantity; the agent suspends action."""

    input_class = inputs.ReasonInput

    def act(self, request, tranche, data):
        return actions.raise_dispute(request.user, tranche.pk, reason=data["reason"])


@documented
class SuspendRelease(TrancheActionView):
    """SPA 8.1: the issuer suspends the release for the seller's breach."""

    input_class = inputs.ReasonInput

    def act(self, request, tranche, data):
        return actions.suspend_release(request.user, tranche.pk, reason=data["reason"])


@documented
class LiftSuspension(TrancheActionView):
    """SPA 8.1: the issuer lifts its suspension; the tranche goes back where it was."""

    input_class = inputs.ReasonInput

    def act(self, request, tranche, data):
        return actions.lift_suspension(request.user, tranche.pk, reason=data["reason"])


@documented
class ProposeSettlement(TrancheActionView):
    """EA 3.3: a written settlement of the quantity, to be signed by all four parties."""

    input_class = inputs.SettlementInput
    output_class = out.InstrumentSerializer
    status_code = status.HTTP_201_CREATED

    def act(self, request, tranche, data):
        return actions.propose_settlement(request.user, tranche.pk, quantity=data["quantity"], reason=data["reason"])

    def result(self, request, tranche, instrument):
        return access.instrument_for(request.user, instrument.pk)


@documented
class ProposeAdjustment(ProposeSettlement):
    """SPA 5.3: a new quantity and timing by written agreement of all four parties."""

    input_class = inputs.AdjustmentInput

    def act(self, request, tranche, data):
        return actions.propose_adjustment(
            request.user,
            tranche.pk,
            quantity=data["quantity"],
            reason=data["reason"],
            release_due_date=data.get("release_due_date"),
        )


@documented
class FileAward(TrancheActionView):
    """EA 3.3, SPA 10.2: an effective award or ruling ends the dispute (multipart: quantity, reference, pdf)."""

    input_class = inputs.AwardInput

    def act(self, request, tranche, data):
        upload = data["pdf"]
        return actions.file_award(
            request.user,
            tranche.pk,
            quantity=data["quantity"],
            pdf_bytes=read_upload(upload),
            reference=data["reference"],
            original_name=upload.name or "",
        )
