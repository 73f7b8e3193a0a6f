"""How deals, tranches, documents, signatures and history look over the API (read-only).

Documents are presented with an API download link, never a media URL: bytes leave only through
the permission-checked download endpoint (SPA 9).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from escrow.queries import steps as queries


class ErrorSerializer(serializers.Serializer):
    """Every error: a message that says what to do, and the clause behind it."""

    detail = serializers.CharField()
    clause = serializers.CharField(allow_blank=True)


class NextStepSerializer(serializers.Serializer):
    """queries.NextStep: who must act next, what, by when, under which clause."""

    roles = serializers.ListField(child=serializers.CharField())
    action = serializers.CharField(allow_blank=True)
    description = serializers.CharField()
    due = serializers.DateField(allow_null=True)
    clause = serializers.CharField()


class OrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    kind = serializers.CharField()
    jurisdiction = serializers.CharField()


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    role_display = serializers.CharField(source="get_role_display")
    contract_name = serializers.CharField()
    organisation = OrganisationSerializer()
    approved_at = serializers.DateTimeField(allow_null=True, help_text="SPA 4.2: approval of the accounting firm")


class BalancesSerializer(serializers.Serializer):
    """RULES.md invariant: in escrow + released + returned = deposited."""

    deposited = serializers.IntegerField()
    released = serializers.IntegerField()
    returned = serializers.IntegerField()
    in_escrow = serializers.IntegerField()


class PersonField(serializers.CharField):
    def to_representation(self, value):
        return str(value) if value else ""


class SignatureSerializer(serializers.Serializer):
    """A signature over the SHA-256 of the exact bytes (EA 3.1(b), EA 3.3, SPA 5.3)."""

    id = serializers.IntegerField()
    signer = PersonField()
    signer_username = serializers.CharField(source="signer.username")
    party_role = serializers.CharField(source="party.role")
    party = serializers.CharField(source="party.organisation.name")
    sha256 = serializers.CharField()
    signed_at = serializers.DateTimeField()
    auth_method = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    """A stored PDF's metadata; `download` is the permission-checked API link."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    tranche_year = serializers.IntegerField(source="tranche.year", allow_null=True, default=None)
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    original_name = serializers.CharField()
    uploaded_by = PersonField()
    uploaded_at = serializers.DateTimeField()
    download = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_download(self, document):
        return reverse("api:document-download", args=[document.pk], request=self.context.get("request"))


class InstrumentSerializer(serializers.Serializer):
    """A document that takes effect when every required party has signed it."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    quantity = serializers.IntegerField()
    release_due_date = serializers.DateField(allow_null=True)
    required_roles = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()
    sha256 = serializers.CharField(source="document.sha256")
    document = DocumentSerializer()
    created_at = serializers.DateTimeField()
    effective_at = serializers.DateTimeField(allow_null=True)
    superseded_by = serializers.IntegerField(source="superseded_by_id", allow_null=True)
    signatures = SignatureSerializer(many=True)


class HoldSerializer(serializers.Serializer):
    """A justified stop of the clock (EA 3.3, SPA 8.1, SPA 5.3)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    reason = serializers.CharField()
    raised_by = PersonField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    resolution = serializers.CharField()


class TrancheSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    state = serializers.CharField()
    state_display = serializers.CharField(source="get_state_display")
    target_revenue = serializers.DecimalField(max_digits=20, decimal_places=2)
    audited_revenue = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    own_release = serializers.IntegerField(allow_null=True)
    deducted = serializers.IntegerField(allow_null=True)
    offset_shares = serializers.DictField(child=serializers.IntegerField())
    release_quantity = serializers.IntegerField(allow_null=True)
    release_due_date = serializers.DateField(allow_null=True, help_text="SPA 5.1")
    documents_complete_on = serializers.DateField(allow_null=True, help_text="EA 3.1")
    transfer_due_date = serializers.DateField(allow_null=True, help_text="EA 3.2")
    released_on = serializers.DateField(allow_null=True)
    next_step = serializers.SerializerMethodField()

    @extend_schema_field(NextStepSerializer)
    def get_next_step(self, tranche):
        step = queries.next_step(tranche, signed_roles=queries.signed_roles_of(tranche))
        return NextStepSerializer(step).data


class TrancheSerializer(TrancheSummarySerializer):
    """A tranche with its calculation, instruments, signatures and holds."""

    deal = serializers.CharField(source="deal.slug")
    calculation = serializers.JSONField()
    prepared_by = PersonField()
    transfer_reference = serializers.CharField()
    instruments = InstrumentSerializer(many=True, source="instruments.all")
    holds = HoldSerializer(many=True, source="holds.all")


class DealSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    state = serializers.CharField()
    total_shares = serializers.IntegerField()
    ticker = serializers.CharField()
    my_role = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_my_role(self, deal):
        return queries.role_on(self.context["request"].user, deal) or ""


class DealSerializer(DealSummarySerializer):
    """The deal page's facts: parties, policies (P1-P7), ledger balances, tranches and next steps."""

    target_company = serializers.CharField()
    tranche_count = serializers.IntegerField()
    share_class = serializers.CharField()
    target_currency = serializers.CharField()
    price_currency = serializers.CharField()
    effective_date = serializers.DateField()
    escrow_fee_per_year = serializers.DecimalField(max_digits=12, decimal_places=2)
    notes = serializers.CharField()
    policies = serializers.SerializerMethodField()
    parties = serializers.SerializerMethodField()
    balances = serializers.SerializerMethodField()
    next_step = serializers.SerializerMethodField()
    tranches = serializers.SerializerMethodField()

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_policies(self, deal):
        return deal.policies.as_dict()

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, deal):
        parties = deal.parties.filter(ended_at__isnull=True).select_related("organisation")
        return PartySerializer(parties, many=True).data

    @extend_schema_field(BalancesSerializer)
    def get_balances(self, deal):
        return BalancesSerializer(deal.movements.balances()).data

    @extend_schema_field(NextStepSerializer(allow_null=True))
    def get_next_step(self, deal):
        step = queries.next_step_for_deal(deal)
        return NextStepSerializer(step).data if step else None

    @extend_schema_field(TrancheSummarySerializer(many=True))
    def get_tranches(self, deal):
        return TrancheSummarySerializer(queries.tranches_with_context([deal]).order_by("year"), many=True).data


class HistoryEntrySerializer(serializers.Serializer):
    """One entry of the deal's hash chain: SHA-256 of the previous entry and of this one."""

    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_name")
    acting_for = serializers.CharField()
    tranche_year = serializers.IntegerField(source="tranche.year", allow_null=True, default=None)
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    clause = serializers.CharField()
    summary = serializers.CharField()
    details = serializers.JSONField()
    prev_hash = serializers.CharField()
    hash = serializers.CharField()


class DueActionSerializer(serializers.Serializer):
    """queries.DueAction: what waits for the person, soonest first."""

    deal = serializers.CharField(source="deal.slug")
    tranche_id = serializers.IntegerField(source="tranche.pk", allow_null=True, default=None)
    year = serializers.IntegerField(source="tranche.year", allow_null=True, default=None)
    step = NextStepSerializer()
    calendar_days_left = serializers.IntegerField(allow_null=True)
    business_days_left = serializers.IntegerField(allow_null=True)
