"""What each POST endpoint accepts. Shape and type only: the actions own every contract rule."""
from rest_framework import serializers

SHA256 = r"^[0-9a-fA-F]{64}$"


class ReauthInput(serializers.Serializer):
    """Re-authentication at the moment of signing or approving: the TOTP code if the person has a
    confirmed device, the password otherwise (escrow.actions.reauth)."""

    password = serializers.CharField(required=False, allow_blank=True, write_only=True,
                                     style={"input_type": "password"}, trim_whitespace=False)
    otp_token = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=12)


class SignInput(ReauthInput):
    """EA 3.1(b), EA 3.3, SPA 5.3: sign the exact bytes you reviewed, named by their SHA-256."""

    expected_sha256 = serializers.RegexField(
        SHA256, help_text="SHA-256 of the document you reviewed",
        error_messages={"invalid": "Give the document's SHA-256 as 64 hex digits."})


class PrepareInput(SignInput):
    """EA 3.2: officer 1 prepares the transfer of the signed instruction (expected_sha256)."""


class ApproveInput(SignInput):
    """EA 3.2: a second, different officer approves; the transfer agent's reference is recorded."""

    transfer_reference = serializers.CharField(max_length=200)


class ReasonInput(serializers.Serializer):
    """EA 3.3, SPA 8.1, EA 3.2: every hold, lift or withdrawal says why; every party reads it."""

    reason = serializers.CharField(max_length=4000)


class ReferenceInput(serializers.Serializer):
    """EA 1.1, SPA 5.2(1): the transfer agent's reference for the deposit or the return."""

    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AuditorInput(serializers.Serializer):
    """SPA 4.2: the organisation (id) the issuer approves as the accounting firm."""

    organisation = serializers.IntegerField(min_value=1)


class ReportInput(serializers.Serializer):
    """SPA 4.2, EA 3.1(a): the audited operating revenue (RMB, up to 2 decimals) and the signed report PDF."""

    audited_revenue = serializers.CharField(max_length=40, help_text="e.g. 665000000.00")
    pdf = serializers.FileField(help_text="The signed report as a PDF, at most 20 MB")


class SettlementInput(serializers.Serializer):
    """EA 3.3: the agreed quantity and what the parties agreed."""

    quantity = serializers.IntegerField(min_value=0)
    reason = serializers.CharField(max_length=4000)


class AdjustmentInput(SettlementInput):
    """SPA 5.3: a new quantity and, optionally, a new release date, by written agreement of all parties."""

    release_due_date = serializers.DateField(required=False, allow_null=True, default=None)


class AwardInput(serializers.Serializer):
    """EA 3.3, SPA 10.2: an effective CIETAC award or court ruling: case number, quantity, PDF."""

    quantity = serializers.IntegerField(min_value=0)
    reference = serializers.CharField(max_length=200)
    pdf = serializers.FileField()
