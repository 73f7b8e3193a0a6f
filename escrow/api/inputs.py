"""What each POST endpoint accepts. Shape and type only: the actions own every contract rule.

Amounts, share quantities and dates are read by the one parser the pages and the actions use
(escrow.contract.numbers): a refusal is a 400 naming the field, with the accepted form, translated here."""

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from escrow.contract import holdings as holding_rules
from escrow.contract.corporate_actions import FRACTION_POLICIES
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


# --- issue 14: the escrow fee, dividends and votes, splits and consolidations ------------------------------


class IssueFeesInput(serializers.Serializer):
    """EA 4.4, EA 2: nothing to give: every started escrow year not yet invoiced is invoiced, dated today."""


class FeePaymentInput(serializers.Serializer):
    """EA 4.4: which invoice was paid (its number, as on the invoice), the date paid and the payment's reference."""

    invoice = serializers.CharField(max_length=100, help_text="the invoice number, e.g. kaixin-2025-FEE-1")
    paid_on = IsoDateField(help_text="YYYY-MM-DD, not after today nor before the invoice was issued")
    reference = serializers.CharField(max_length=200, help_text="the bank transfer or remittance reference")


@extend_schema_field({"type": "string", "example": "0.0125"})
class ExactDecimalField(serializers.CharField):
    """A decimal as a string (the action reads it exactly); a JSON number with a fraction is refused: binary
    floats are not money, nor a share ratio."""

    def to_internal_value(self, data):
        if isinstance(data, float | bool):
            raise serializers.ValidationError(gettext('Give the number as a string of digits, e.g. "0.0125".'))
        return super().to_internal_value(data)


class DividendInput(serializers.Serializer):
    """SPA 3.2: a dividend the issuer declared. The seller's entitlement is never given: it is computed from the
    share ledger on the shares in escrow at the record date."""

    kind = serializers.ChoiceField(choices=holding_rules.DIVIDEND_KINDS, help_text="cash, or shares (a stock dividend)")
    declared_on = IsoDateField(help_text="YYYY-MM-DD")
    record_date = IsoDateField(help_text="YYYY-MM-DD, on or after declared_on")
    payment_date = IsoDateField(help_text="YYYY-MM-DD, on or after record_date")
    per_share = ExactDecimalField(
        max_length=40, help_text="amount (cash) or new shares (stock) per share, positive, at most 8 decimals"
    )
    currency = serializers.CharField(
        max_length=3, required=False, allow_blank=True, default="", help_text="cash: a three-letter code, e.g. USD"
    )
    stock_policy = serializers.ChoiceField(
        choices=holding_rules.STOCK_DIVIDEND_POLICIES,
        required=False,
        allow_blank=True,
        default="",
        help_text="stock: which tranches the new shares follow (default pro-rata)",
    )


class PassThroughInput(serializers.Serializer):
    """EA 1.3: the escrow agent paid the seller a cash dividend (its id from .../dividends/); the entitlement is
    frozen then."""

    dividend = serializers.IntegerField(min_value=1, help_text="the dividend's id, from .../dividends/")
    paid_on = IsoDateField(help_text="YYYY-MM-DD, from the record date to today")
    reference = serializers.CharField(max_length=200)
    amount = AmountField(help_text="paid to the seller, in the dividend's currency, e.g. 750,000.00")
    withheld = AmountField(required=False, allow_null=True, default=None, help_text="withheld, if any")
    withholding_note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="why (tax, fees): needed if withheld"
    )


class ReceiptInput(serializers.Serializer):
    """SPA 3.2: the seller confirms receipt of a dividend the agent paid through (its id)."""

    dividend = serializers.IntegerField(min_value=1, help_text="the dividend's id, from .../dividends/")


class MeetingInput(serializers.Serializer):
    """SPA 3.2: a shareholder meeting, its resolutions (numbered from 1 in the order given) and the cut-off for
    the seller's voting instructions."""

    record_date = IsoDateField(help_text="YYYY-MM-DD")
    meeting_date = IsoDateField(help_text="YYYY-MM-DD, on or after record_date")
    resolutions = serializers.ListField(
        child=serializers.CharField(max_length=2000, allow_blank=True), help_text="the resolutions' texts, in order"
    )
    cut_off = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        default="",
        help_text="YYYY-MM-DD HH:MM Beijing time (a date alone: 17:00 that day); empty: 17:00 Beijing time 5 "
        "business days before the meeting (P6)",
    )


class InstructInput(serializers.Serializer):
    """SPA 3.2: the seller's vote on every resolution of a meeting (its id), before the cut-off; a later
    instruction replaces the earlier one."""

    meeting = serializers.IntegerField(min_value=1, help_text="the meeting's id, from .../meetings/")
    choices = serializers.DictField(
        child=serializers.ChoiceField(choices=holding_rules.VOTE_CHOICES),
        help_text='resolution number -> for, against or abstain, every resolution, e.g. {"1": "for", "2": "against"}',
    )


class ProxyInput(serializers.Serializer):
    """EA 1.3: the escrow agent lodged the proxy for a meeting (its id) as the seller last instructed."""

    meeting = serializers.IntegerField(min_value=1, help_text="the meeting's id, from .../meetings/")
    lodged_on = IsoDateField(help_text="YYYY-MM-DD, from the record date to the meeting, not after today")
    reference = serializers.CharField(max_length=200)


class CorporateActionInput(serializers.Serializer):
    """Issue 14 item 4: a split or consolidation, new shares for old, under the issuer's own terms."""

    ratio_new = serializers.IntegerField(min_value=1, help_text="new shares ...")
    ratio_old = serializers.IntegerField(
        min_value=1, help_text="... for this many old shares (1 for 30: consolidation)"
    )
    effective_date = IsoDateField(help_text="YYYY-MM-DD, after the last confirmed action's")
    fraction_policy = serializers.ChoiceField(
        choices=FRACTION_POLICIES, help_text="round-up or floor: how the escrow's fractional share is treated"
    )
    new_ticker = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    new_cusip = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    terms = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="announcement or terms (reference)"
    )


class ConfirmCorporateActionInput(serializers.Serializer):
    """Issue 14 item 4: the escrow agent confirms the proposal waiting, on or after its effective date."""

    reference = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="the transfer agent's reference"
    )
