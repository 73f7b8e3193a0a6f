"""The deal as of a past day over the API (issue 14 item 1): `?as_of=YYYY-MM-DD` on the deal and its tranches.

The figures are escrow.queries.as_of's snapshot: the ledger and the history replayed up to the end of that
Beijing day. Read-only: a snapshot offers no actions and no next steps (nothing can be done in the past).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from escrow.api.serializers import BalancesSerializer

AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description=(
        "A contract date YYYY-MM-DD (Asia/Shanghai): the deal as it stood at the end of that day, replayed from "
        "the ledger and the history. From the day the deal was created in the portal to today's contract date; "
        "any other value is refused with 400 and a message in the reader's language. Without it: today."
    ),
)


class SignatureAsOfSerializer(serializers.Serializer):
    """A signature made by the end of the day (EA 3.1(b), EA 3.3, SPA 5.3)."""

    instrument = serializers.IntegerField(source="instrument_id")
    party_role = serializers.CharField()
    organisation = serializers.CharField()
    signer = serializers.CharField()
    signed_at = serializers.DateTimeField()


class InstrumentAsOfSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    quantity = serializers.IntegerField()
    status = serializers.CharField(help_text="open, effective or superseded on that day")
    created_at = serializers.DateTimeField()
    required_roles = serializers.ListField(child=serializers.CharField())
    awaiting_roles = serializers.ListField(child=serializers.CharField(), help_text="required, not yet signed then")
    signatures = SignatureAsOfSerializer(many=True)


class HoldAsOfSerializer(serializers.Serializer):
    """A hold active at the end of the day: dispute (EA 3.3), suspension (SPA 8.1), adjustment (SPA 5.3)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    reason = serializers.CharField()
    started_on = serializers.DateField()


class PenaltyAsOfSerializer(serializers.Serializer):
    """SPA 8.2, EA 5.2: the capped penalty of the days on or before the snapshot's day."""

    total = serializers.DecimalField(max_digits=24, decimal_places=8, coerce_to_string=True, normalize_output=True)
    cap = serializers.DecimalField(
        max_digits=24, decimal_places=8, allow_null=True, coerce_to_string=True, normalize_output=True
    )
    capped = serializers.BooleanField()
    accrued_through = serializers.DateField(allow_null=True)
    by_party = serializers.DictField(
        child=serializers.DecimalField(max_digits=24, decimal_places=8, normalize_output=True)
    )
    liable_days = serializers.DictField(child=serializers.IntegerField())
    missing_price_days = serializers.IntegerField()


class TrancheAsOfSerializer(serializers.Serializer):
    """One tranche at the end of the day: state, figures as last recorded, instruments, holds, penalty."""

    id = serializers.IntegerField(source="tranche.pk")
    year = serializers.IntegerField()
    as_of = serializers.SerializerMethodField()
    period_start = serializers.DateField(source="tranche.period_start")
    period_end = serializers.DateField(source="tranche.period_end")
    target_revenue = serializers.DecimalField(max_digits=20, decimal_places=2, source="tranche.target_revenue")
    state = serializers.CharField()
    audited_revenue = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    release_quantity = serializers.IntegerField(allow_null=True)
    released = serializers.IntegerField(help_text="shares released to the seller from this tranche by then")
    returned = serializers.IntegerField()
    released_on = serializers.DateField(allow_null=True)
    instruments = InstrumentAsOfSerializer(many=True)
    holds = HoldAsOfSerializer(many=True)
    penalty = PenaltyAsOfSerializer()

    def get_as_of(self, obj) -> str:
        return self.context["as_of"].isoformat()


class DealPenaltyAsOfSerializer(serializers.Serializer):
    total = serializers.DecimalField(
        max_digits=24, decimal_places=8, coerce_to_string=True, normalize_output=True, source="penalty_total"
    )
    by_party = serializers.DictField(
        child=serializers.DecimalField(max_digits=24, decimal_places=8, normalize_output=True),
        source="penalty_by_party",
    )


class DealAsOfSerializer(serializers.Serializer):
    """The deal at the end of `as_of` (Beijing time): balances, states, signatures, holds, penalty to date."""

    slug = serializers.CharField(source="deal.slug")
    name = serializers.CharField(source="deal.name")
    as_of = serializers.DateField(source="day")
    end_of_day = serializers.DateTimeField(source="end", help_text="the exclusive end of the day, Beijing time")
    state = serializers.CharField()
    balances = BalancesSerializer()
    penalty = DealPenaltyAsOfSerializer(source="*")
    tranches = serializers.SerializerMethodField()

    def get_tranches(self, obj) -> TrancheAsOfSerializer(many=True):
        context = {**self.context, "as_of": obj.day}
        return TrancheAsOfSerializer(obj.tranches, many=True, context=context).data
