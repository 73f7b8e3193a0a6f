"""What each POST endpoint accepts. Shape and type only: the actions own every contract rule.

Amounts, share quantities and dates are read by the one parser the pages and the actions use
(escrow.contract.numbers): a refusal is a 400 naming the field, with the accepted form, translated here."""

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from escrow.contract.numbers import InputProblem, parse_amount, parse_iso_date, parse_quantity

SHA256 = r"^[0-9a-fA-F]{64}$"
AMOUNT_PATTERN = r"^([0-9]+|[1-9][0-9]{0,2}(,[0-9]{3})+)(\.[0-9]{1,2})?$"
QUANTITY_PATTERN = r"^([0-9]+|[1-9][0-9]{0,2}(,[0-9]{3})+)$"


def _parsed(parse, data):
    try:
        return parse(data)
    except InputProblem as exc:
        raise serializers.ValidationError(exc.translated(gettext).message, code=exc.code) from None


@extend_schema_field({"type": "string", "pattern": AMOUNT_PATTERN, "example": "598,500,000.50"})
class AmountField(serializers.Field):
    """An amount in RMB as a string: digits 0-9, optionally with commas between groups of three, at most
    two decimals after a point (598500000, 598,500,000.50). A JSON number with a fraction is refused:
    binary floats are not money."""

    def to_internal_value(self, data):
        return _parsed(parse_amount, data)

    def to_representation(self, value):
        return str(value)


@extend_schema_field(
    {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": QUANTITY_PATTERN}], "example": 2700000}
)
class QuantityField(serializers.Field):
    """A whole number of shares: a JSON integer, or a string of digits with optional commas in threes."""

    def to_internal_value(self, data):
        return _parsed(parse_quantity, data)

    def to_representation(self, value):
        return value


class IsoDateField(serializers.DateField):
    """A date as YYYY-MM-DD only: no week dates (2027-W05-1), no 20270129, no other scripts' digits."""

    def to_internal_value(self, value):
        return _parsed(parse_iso_date, value)


class ReauthInput(serializers.Serializer):
    """Re-authentication at the moment of signing or approving: the TOTP code if the person has a
    confirmed device, the password otherwise (escrow.actions.reauth)."""

    password = serializers.CharField(
        required=False, allow_blank=True, write_only=True, style={"input_type": "password"}, trim_whitespace=False
    )
    otp_token = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=12)


class SignInput(ReauthInput):
    """EA 3.1(b), EA 3.3, SPA 5.3: sign the exact bytes you reviewed, named by their SHA-256."""

    expected_sha256 = serializers.RegexField(
        SHA256,
        help_text="SHA-256 of the document you reviewed",
        error_messages={"invalid": "Give the document's SHA-256 as 64 hex digits."},
    )


class PrepareInput(SignInput):
    """EA 3.2: officer 1 prepares the transfer of the signed instruction (expected_sha256)."""


class TransferEvidenceInput(serializers.Serializer):
    """Issue 11 item 4: the transfer agent's record. Optional over the API for clients older than issue 11
    (a missing value is recorded as not given and every party sees it as missing); a value given is checked
    by the action: the date neither after today nor before the instruction (or the agreement) took effect,
    no blank names, the confirmation a PDF (send it as multipart/form-data)."""

    transfer_agent = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=None, help_text="the transfer agent's name"
    )
    recipient_account = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default=None,
        help_text="the recipient's account at the transfer agent, e.g. DTC participant and account number",
    )
    confirmation = serializers.FileField(
        required=False, default=None, help_text="the transfer agent's confirmation as a PDF, at most 20 MB"
    )


class ApproveInput(SignInput, TransferEvidenceInput):
    """EA 3.2: a second, different officer approves; the transfer agent's reference is recorded, with the
    date of the transfer, the agent, the seller's account there and its confirmation (issue 11 item 4)."""

    transfer_reference = serializers.CharField(max_length=200)
    transfer_date = IsoDateField(
        required=False, allow_null=True, default=None, help_text="YYYY-MM-DD, Beijing date of the transfer"
    )


class ReasonInput(serializers.Serializer):
    """EA 3.3, SPA 8.1, EA 3.2: every hold, lift or withdrawal says why; every party reads it."""

    reason = serializers.CharField(max_length=4000)


class ReferenceInput(serializers.Serializer):
    """EA 1.1, SPA 5.2(1): the transfer agent's reference for the deposit or the return."""

    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DepositInput(ReferenceInput, TransferEvidenceInput):
    """EA 1.1: the transfer agent's reference for the issue, the date of issue, the agent, the escrow
    account there and its confirmation (issue 11 item 4)."""

    issue_date = IsoDateField(required=False, allow_null=True, default=None, help_text="YYYY-MM-DD, Beijing date")


class AuditorInput(serializers.Serializer):
    """SPA 4.2: the organisation (id) the issuer approves as the accounting firm; only an organisation
    registered as an accounting firm is accepted."""

    organisation = serializers.IntegerField(min_value=1)


class ReportInput(serializers.Serializer):
    """SPA 4.2, EA 3.1(a): the audited operating revenue (RMB, up to 2 decimals) and the signed report PDF."""

    audited_revenue = AmountField(help_text="RMB, e.g. 665000000.00 or 665,000,000.00")
    pdf = serializers.FileField(help_text="The signed report as a PDF, at most 20 MB")
    # Issue 12 item 8: the quantity the preview showed; the filing is refused (409) if it is no longer that.
    expected_quantity = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, help_text="shares, from .../report/preview/"
    )


class ReportPreviewInput(serializers.Serializer):
    """Issue 12 item 8: the revenue to preview; nothing is stored."""

    audited_revenue = AmountField(help_text="RMB, e.g. 665000000.00 or 665,000,000.00")


class CorrectionInput(ReportInput):
    """Issue 12 item 8: the corrected revenue, the corrected report PDF and why (every party reads it)."""

    reason = serializers.CharField(max_length=2000)


class DeclineInput(serializers.Serializer):
    """Issue 12 item 8: why the party declines to sign (not a dispute, EA 3.3)."""

    reason = serializers.CharField(max_length=2000)


class SettlementInput(serializers.Serializer):
    """EA 3.3: the agreed quantity and what the parties agreed."""

    quantity = QuantityField(help_text="whole shares, at most what the deal still holds in escrow")
    reason = serializers.CharField(max_length=4000)


class AdjustmentInput(SettlementInput):
    """SPA 5.3: a new quantity and, optionally, a new release date, by written agreement of all parties."""

    release_due_date = IsoDateField(
        required=False, allow_null=True, default=None, help_text="YYYY-MM-DD, within the deal's life"
    )


class AwardInput(serializers.Serializer):
    """EA 3.3, SPA 10.2: an effective CIETAC award or court ruling: case number, quantity, PDF."""

    quantity = QuantityField(help_text="whole shares, at most what the deal still holds in escrow")
    reference = serializers.CharField(max_length=200)
    pdf = serializers.FileField()


class TrancheTermsInput(serializers.Serializer):
    """One assessment year (SPA 1.4) and its operating revenue target (SPA 4.1)."""

    year = serializers.IntegerField(min_value=1)
    period_start = IsoDateField()
    period_end = IsoDateField()
    target_revenue = AmountField(help_text="RMB, e.g. 665000000.00 or 665,000,000.00")


class DealInput(serializers.Serializer):
    """The terms of a new deal (staff with escrow.add_deal). Policies P1-P7 take their defaults when left out;
    the calendar (P6) is any country or market code the holidays package knows, e.g. CN, HK, NASDAQ."""

    slug = serializers.CharField(max_length=50, help_text="the deal's address, e.g. acme-2026")
    name = serializers.CharField(max_length=200)
    name_zh = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    target_company = serializers.CharField(max_length=200)
    total_shares = serializers.IntegerField(min_value=1, help_text="consideration shares (SPA 1.1)")
    share_class = serializers.CharField(max_length=100, required=False, allow_blank=True, default=None)
    ticker = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    target_currency = serializers.CharField(max_length=3, required=False, default=None)
    price_currency = serializers.CharField(max_length=3, required=False, default=None)
    effective_date = IsoDateField(help_text="the agreement's effective date (EA 1.1 counts from it), YYYY-MM-DD")
    escrow_fee_per_year = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, default=None, help_text="EA 4.4"
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    calendar = serializers.CharField(max_length=20, required=False, default=None, help_text="P6, e.g. CN")
    policies = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        default=dict,
        help_text='P1-P7 by key, e.g. {"excess_credit": "half-of-excess"}',
    )
    tranches = TrancheTermsInput(many=True, help_text="one per assessment year, in order")
