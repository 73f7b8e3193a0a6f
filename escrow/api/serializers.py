"""How deals, tranches, documents, signatures and history look over the API (read-only).

Documents are presented with an API download link, never a media URL: bytes leave only through
the permission-checked download endpoint (SPA 9).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from escrow.models import Deal, Role
from escrow.queries import clock, overview, transfers
from escrow.queries import steps as queries
from escrow.queries.deal_reads import current_parties, deal_tranches
from escrow.queries.deals import viewer_party
from escrow.queries.history_words import role_label
from escrow.queries.quantities import consideration_today
from escrow.queries.year_parts import RELEASE, has
from escrow.usecases.permissions import party_for

# Who reads a signer's address and user agent (pages show them to the same roles: templates/escrow/tranche.html).
SIGNATURE_ORIGIN_ROLES = (Role.ESCROW_AGENT, Role.COMPLIANCE)


class ErrorSerializer(serializers.Serializer):
    """Every error: a message that says what to do, and the clause behind it."""

    detail = serializers.CharField()
    clause = serializers.CharField(allow_blank=True)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="400 only: the input(s) refused, each with its message(s)",
    )


class ProvisionalDeadlineSerializer(serializers.Serializer):
    """P6: a business-day deadline counted over a year whose official holiday notice is not in the calendar
    yet (no make-up working days in the holidays package, no override): it may move when they are entered."""

    deadline = serializers.CharField(help_text="deposit_due (EA 1.1) or transfer_due_date (EA 3.2)")
    clause = serializers.CharField()
    due = serializers.DateField()
    calendar = serializers.CharField(help_text="P6 calendar code")
    years = serializers.ListField(child=serializers.IntegerField(), help_text="the years not announced yet")
    reason = serializers.CharField(help_text="why the date may move, in the reader's language")


class NextStepSerializer(serializers.Serializer):
    """queries.NextStep: who must act next, what, by when, under which clause."""

    roles = serializers.ListField(child=serializers.CharField())
    action = serializers.CharField(allow_blank=True)
    description = serializers.CharField()
    due = serializers.DateField(allow_null=True)
    clause = serializers.CharField()
    done = serializers.BooleanField(help_text="nothing is left to do; the description says what happened and when")


class OrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    kind = serializers.CharField()
    jurisdiction = serializers.CharField()


class RoleLabelField(serializers.CharField):
    """A role's label, read from `role`: get_role_display's text (escrow.queries.history_words.role_label) at a
    seventh of its calls (get_FOO_display rebuilds the field's choices each time)."""

    def to_representation(self, value):
        return role_label(value)


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    role_display = RoleLabelField(source="role")
    contract_name = serializers.CharField()
    organisation = OrganisationSerializer()
    approved_at = serializers.DateTimeField(allow_null=True, help_text="SPA 4.2: approval of the accounting firm")


class BalancesSerializer(serializers.Serializer):
    """RULES.md invariant: in escrow + released + returned = deposited + rebased (issue 14: the rebases of
    a split or consolidation, negative for a consolidation, item 4, and of a stock dividend's new shares, item 2)."""

    deposited = serializers.IntegerField()
    rebased = serializers.IntegerField()
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
    ip_address = serializers.IPAddressField(
        required=False, allow_null=True, help_text="only for the escrow agent and compliance; absent otherwise"
    )
    user_agent = serializers.CharField(
        required=False, help_text="only for the escrow agent and compliance; absent otherwise"
    )

    def to_representation(self, signature):
        data = super().to_representation(signature)
        if not self._sees_origin(signature.party.deal_id):
            data.pop("ip_address", None)
            data.pop("user_agent", None)
        return data

    def _sees_origin(self, deal_id) -> bool:
        """Where a signer signed from is personal data: the escrow agent, who checks each instruction before
        releasing (EA 3.2), and compliance read it; other parties see the signature without it (SPA 9).
        One lookup per deal per response."""
        request = self.context.get("request")
        known = self.context.setdefault("signature_origin", {})
        if deal_id not in known:
            user = getattr(request, "user", None)
            party = party_for(user, Deal(pk=deal_id)) if user is not None else None
            known[deal_id] = party is not None and party.role in SIGNATURE_ORIGIN_ROLES
        return known[deal_id]


def origin_context(request, deal) -> dict:
    """A serializer context saying whether the viewer sees where signers signed from on `deal`, from the party
    deal_for kept on the deal (party_for's rule, as _sees_origin reads it) instead of one more query."""
    party = viewer_party(request.user, deal)
    sees = party is not None and party.role in SIGNATURE_ORIGIN_ROLES
    return {"request": request, "signature_origin": {deal.pk: sees}}


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


class TransferRecordSerializer(serializers.Serializer):
    """Issue 11 item 4: the transfer agent's record of the deposit (EA 1.1) or of a release (EA 3.2); a fact
    not recorded is null and named in `missing`."""

    kind = serializers.CharField()
    quantity = serializers.IntegerField()
    reference = serializers.CharField()
    transfer_date = serializers.DateField(allow_null=True, help_text="Beijing date of the issue or transfer")
    transfer_agent = serializers.CharField(allow_null=True)
    recipient_account = serializers.CharField(allow_null=True)
    confirmation = DocumentSerializer(allow_null=True)
    recorded_by = PersonField()
    recorded_at = serializers.DateTimeField()
    missing = serializers.ListField(child=serializers.CharField())

    def to_representation(self, record):
        data = super().to_representation(record)
        for name in ("transfer_agent", "recipient_account"):
            data[name] = data[name] or None
        return data


class DeclineSerializer(serializers.Serializer):
    """Issue 12 item 8: a signatory declined to sign, with the reason; the instrument stays open."""

    id = serializers.IntegerField()
    instrument = serializers.IntegerField(source="instrument_id")
    party = serializers.CharField(source="party.organisation.name")
    role = serializers.CharField(source="party.role")
    person = serializers.CharField(source="person.username")
    reason = serializers.CharField()
    declined_at = serializers.DateTimeField()


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
    # Issue 11: the signed PDF (original pages, certificate of completion, platform seal); null until complete.
    sealed_document = DocumentSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    effective_at = serializers.DateTimeField(allow_null=True)
    superseded_by = serializers.IntegerField(source="superseded_by_id", allow_null=True)
    signatures = SignatureSerializer(many=True)
    declines = DeclineSerializer(many=True, source="declines.all")  # issue 12 item 8


class ReportSerializer(serializers.Serializer):
    """An audited report (SPA 4.2); a corrected one is kept, naming its correction (issue 12 item 8)."""

    id = serializers.IntegerField()
    firm = serializers.CharField(source="firm.organisation.name")
    audited_revenue = serializers.DecimalField(max_digits=20, decimal_places=2)
    filed_at = serializers.DateTimeField()
    superseded_by = serializers.IntegerField(source="superseded_by_id", allow_null=True)
    correction_reason = serializers.CharField()
    document = DocumentSerializer()


class ReportPreviewSerializer(serializers.Serializer):
    """What filing (or correcting) the report would release (SPA 5.2): computed, nothing stored."""

    tranche = serializers.IntegerField(source="tranche.pk")
    year = serializers.IntegerField(source="tranche.year")
    audited_revenue = serializers.DecimalField(source="revenue", max_digits=20, decimal_places=2)
    quantity = serializers.IntegerField()
    own_release = serializers.IntegerField(source="year.own_release")
    deducted = serializers.IntegerField(source="year.deducted")
    requires_settlement = serializers.BooleanField(source="year.requires_settlement")
    calculation = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_calculation(self, preview):
        return preview.year.as_dict()


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
    # Issue 12 item 5: the transfer agent's reference of the release, in every list of years too.
    transfer_reference = serializers.CharField(help_text="EA 3.2: the transfer agent's reference; empty until released")
    transfer_due_provisional = serializers.SerializerMethodField()
    next_step = serializers.SerializerMethodField()

    @extend_schema_field(ProvisionalDeadlineSerializer(allow_null=True))
    def get_transfer_due_provisional(self, tranche):
        """P6: null when transfer_due_date is firm (or none runs)."""
        provisional = clock.transfer_provisional(tranche)
        return ProvisionalDeadlineSerializer(provisional).data if provisional else None

    @extend_schema_field(NextStepSerializer)
    def get_next_step(self, tranche):
        step = queries.next_step(tranche, signed_roles=queries.signed_roles_of(tranche))
        return NextStepSerializer(step).data


class TrancheSerializer(TrancheSummarySerializer):
    """A tranche with its calculation, instruments, signatures and holds."""

    deal = serializers.CharField(source="deal.slug")
    calculation = serializers.JSONField()
    prepared_by = PersonField()
    transfer = serializers.SerializerMethodField()
    instruments = InstrumentSerializer(many=True, source="instruments.all")
    holds = HoldSerializer(many=True, source="holds.all")
    reports = ReportSerializer(many=True, source="reports.all")  # issue 12 item 8: superseded ones kept

    @extend_schema_field(TransferRecordSerializer(allow_null=True))
    def get_transfer(self, tranche):
        """Issue 11 item 4: the release's evidence (EA 3.2), null while the shares are in escrow."""
        if not has(tranche, RELEASE):  # escrow.queries.year_parts: no release movement, nothing to read
            return None
        record = transfers.release_record(tranche)
        return TransferRecordSerializer(record, context=self.context).data if record else None


class DealSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    state = serializers.CharField()
    total_shares = serializers.IntegerField(
        help_text="the consideration shares as the agreement states them (SPA 1.1); on today's basis, after splits, "
        "consolidations and stock dividends: `consideration_today` on the deal"
    )
    ticker = serializers.CharField()
    my_role = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_my_role(self, deal):
        if hasattr(deal, "my_role"):  # read with the list (escrow.queries.deals.visible_with_roles)
            return deal.my_role or ""
        return queries.role_on(self.context["request"].user, deal) or ""


class DealSerializer(DealSummarySerializer):
    """The deal page's facts: parties, policies (P1-P8), ledger balances, tranches and next steps."""

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
    consideration_today = serializers.SerializerMethodField()
    next_step = serializers.SerializerMethodField()
    deposit_due_provisional = serializers.SerializerMethodField()
    deposit = serializers.SerializerMethodField()
    tranches = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.INT)
    def get_consideration_today(self, deal):
        """The consideration shares on today's basis: deposited + rebased in the ledger (splits, consolidations,
        stock dividends; issue 14 items 2, 4). `total_shares` stays the agreement's figure (SPA 1.1)."""
        return consideration_today(deal)

    @extend_schema_field(TransferRecordSerializer(allow_null=True))
    def get_deposit(self, deal):
        """Issue 11 item 4: the deposit's evidence (EA 1.1), null before the deposit."""
        record = _ledger_records(deal)[0]
        return TransferRecordSerializer(record, context=self.context).data if record else None

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_policies(self, deal):
        return deal.policies.as_dict()

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, deal):
        return [party_data(party) for party in current_parties(deal)]  # PartySerializer's shape

    @extend_schema_field(BalancesSerializer)
    def get_balances(self, deal):
        return balances_data(_ledger_records(deal)[2])  # BalancesSerializer's shape

    @extend_schema_field(NextStepSerializer(allow_null=True))
    def get_next_step(self, deal):
        step = queries.next_step_for_deal(deal)
        return next_step_data(step) if step else None  # NextStepSerializer's shape

    @extend_schema_field(ProvisionalDeadlineSerializer(allow_null=True))
    def get_deposit_due_provisional(self, deal):
        """P6: the EA 1.1 deposit deadline (next_step.due while the deal awaits the deposit), if provisional."""
        step = queries.next_step_for_deal(deal)
        provisional = step.provisional if step else None
        return provisional_data(provisional) if provisional else None  # ProvisionalDeadlineSerializer's shape

    @extend_schema_field(TrancheSummarySerializer(many=True))
    def get_tranches(self, deal):
        return [tranche_summary_data(t) for t in _tranches(deal)]  # TrancheSummarySerializer's shape


def _tranches(deal):
    """The deal's tranches with what next_step reads, read once and kept on the deal object: the ledger's
    releases (_ledger_records) and `tranches` both show them."""
    found = getattr(deal, "_tranches", None)
    if found is None:
        found = deal._tranches = deal_tranches(deal)  # with the deal read for this request, not joined again
    return found


def _ledger_records(deal):
    """The deposit's record, the releases' and the balances from one read of the deal's movements
    (escrow.queries.transfers.ledger_records), kept on the deal object for the fields that follow."""
    found = getattr(deal, "_ledger_records", None)
    if found is None:
        found = deal._ledger_records = transfers.ledger_records(deal, _tranches(deal))
    return found


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
    """escrow.queries.due.DueAction: what waits for the person, soonest first."""

    deal = serializers.CharField(source="deal.slug")
    tranche_id = serializers.IntegerField(source="tranche.pk", allow_null=True, default=None)
    year = serializers.IntegerField(source="tranche.year", allow_null=True, default=None)
    step = NextStepSerializer()
    due_provisional = ProvisionalDeadlineSerializer(
        source="step.provisional", allow_null=True, help_text="P6: null when step.due is firm"
    )
    calendar_days_left = serializers.IntegerField(allow_null=True)
    business_days_left = serializers.IntegerField(allow_null=True)


# Issue 13 item 1: the API's long lists (100 items a page by default) are written as plain dicts, the very shape
# DueActionSerializer and DealSummarySerializer give (those stay the schema's description), without DRF's field
# machinery per item: it cost about 250 function calls an item, the page's largest share. Each field below is
# its serializer field's to_representation (CharField: str, IntegerField: int, DateField: ISO 8601, None kept);
# tests/escrow/api/test_fast_lists.py compares both for every kind of item.


def _text(value):
    return None if value is None else str(value)


def _int(value):
    return None if value is None else int(value)


def _day(value):
    return None if value is None else value.isoformat()


def next_step_data(step) -> dict:
    """NextStepSerializer(step).data."""
    return {
        "roles": [str(role) for role in step.roles],
        "action": _text(step.action),
        "description": _text(step.description),
        "due": _day(step.due),
        "clause": _text(step.clause),
        "done": None if step.done is None else bool(step.done),
    }


def provisional_data(provisional) -> dict | None:
    """ProvisionalDeadlineSerializer(provisional).data, None for a firm deadline."""
    if provisional is None:
        return None
    return {
        "deadline": _text(provisional.deadline),
        "clause": _text(provisional.clause),
        "due": _day(provisional.due),
        "calendar": _text(provisional.calendar),
        "years": [int(year) for year in provisional.years],
        "reason": _text(provisional.reason),
    }


def due_action_data(item) -> dict:
    """DueActionSerializer(item).data."""
    tranche = item.tranche
    return {
        "deal": _text(item.deal.slug),
        "tranche_id": None if tranche is None else _int(tranche.pk),
        "year": None if tranche is None else _int(tranche.year),
        "step": next_step_data(item.step),
        "due_provisional": provisional_data(item.step.provisional),
        "calendar_days_left": _int(item.calendar_days_left),
        "business_days_left": _int(item.business_days_left),
    }


def due_actions_data(items) -> list:
    """[due_action_data(item) for item in items], each step's description and roles written once per list: a list's
    steps are a few kinds, and the text of a translated description is a catalogue look-up each time (issue 13
    item 1: 35 function calls an item). A description is told apart by its object, alive as long as `items`."""
    texts, roles, rows = {}, {}, []
    for item in items:
        step, tranche = item.step, item.tranche
        text = texts.get(id(step.description), texts)
        if text is texts:
            text = texts[id(step.description)] = _text(step.description)
        names = roles.get(step.roles)
        if names is None:
            names = roles[step.roles] = [str(role) for role in step.roles]
        rows.append(
            {
                "deal": _text(item.deal.slug),
                "tranche_id": None if tranche is None else _int(tranche.pk),
                "year": None if tranche is None else _int(tranche.year),
                "step": {
                    "roles": list(names),
                    "action": _text(step.action),
                    "description": text,
                    "due": _day(step.due),
                    "clause": _text(step.clause),
                    "done": None if step.done is None else bool(step.done),
                },
                "due_provisional": provisional_data(step.provisional),
                "calendar_days_left": _int(item.calendar_days_left),
                "business_days_left": _int(item.business_days_left),
            }
        )
    return rows


def deal_summary_data(deal, request) -> dict:
    """DealSummarySerializer(deal, context={"request": request}).data."""
    role = deal.my_role if hasattr(deal, "my_role") else queries.role_on(request.user, deal)
    return {**_deal_fields(deal), "my_role": role or ""}  # as get_my_role returns it


def _deal_fields(deal) -> dict:
    """The fields DealSummarySerializer and DealSerializer both begin with, before `my_role`, in their order."""
    return {
        "id": _int(deal.id),
        "slug": _text(deal.slug),
        "name": _text(deal.name),
        "name_zh": _text(deal.name_zh),
        "state": _text(deal.state),
        "total_shares": _int(deal.total_shares),
        "ticker": _text(deal.ticker),
    }


def tranche_summary_data(tranche) -> dict:
    """TrancheSummarySerializer(tranche).data (the years of /api/deals/<ref>/: about 1,400 function calls a year
    through DRF's fields)."""
    provisional = clock.transfer_provisional(tranche)
    step = queries.next_step(tranche, signed_roles=queries.signed_roles_of(tranche))
    offsets = tranche.offset_shares
    return {
        "id": _int(tranche.id),
        "year": _int(tranche.year),
        "period_start": _day(tranche.period_start),
        "period_end": _day(tranche.period_end),
        "state": _text(tranche.state),
        "state_display": _text(tranche.get_state_display()),
        "target_revenue": _revenue(tranche.target_revenue),
        "audited_revenue": _revenue(tranche.audited_revenue),
        "own_release": _int(tranche.own_release),
        "deducted": _int(tranche.deducted),
        # DictField(child=IntegerField()): keys as text, each value an int (None kept)
        "offset_shares": None if offsets is None else {str(k): _int(v) for k, v in offsets.items()},
        "release_quantity": _int(tranche.release_quantity),
        "release_due_date": _day(tranche.release_due_date),
        "documents_complete_on": _day(tranche.documents_complete_on),
        "transfer_due_date": _day(tranche.transfer_due_date),
        "released_on": _day(tranche.released_on),
        "transfer_reference": _text(tranche.transfer_reference),
        "transfer_due_provisional": provisional_data(provisional),
        "next_step": next_step_data(step),
    }


def deal_data(deal, request) -> dict:
    """DealSerializer(deal, context={"request": request}).data, each field as its serializer field writes it and
    each method field through DealSerializer's own method (issue 13 item 1: DRF's field machinery was a fifth of
    /api/deals/<ref>/'s function calls)."""
    methods = DealSerializer(context={"request": request})
    return {
        **_deal_fields(deal),
        "my_role": methods.get_my_role(deal),
        "target_company": _text(deal.target_company),
        "tranche_count": _int(deal.tranche_count),
        "share_class": _text(deal.share_class),
        "target_currency": _text(deal.target_currency),
        "price_currency": _text(deal.price_currency),
        "effective_date": _day(deal.effective_date),
        "escrow_fee_per_year": None
        if deal.escrow_fee_per_year is None
        else _FEE.to_representation(deal.escrow_fee_per_year),
        "notes": _text(deal.notes),
        "policies": methods.get_policies(deal),
        "parties": methods.get_parties(deal),
        "balances": methods.get_balances(deal),
        "consideration_today": methods.get_consideration_today(deal),
        "next_step": methods.get_next_step(deal),
        "deposit_due_provisional": methods.get_deposit_due_provisional(deal),
        "deposit": _deposit_data(deal, methods.context),
        "tranches": methods.get_tranches(deal),
    }


def _deposit_data(deal, context):
    """DealSerializer.get_deposit without DRF's per-field copies (escrow.api.year_data.transfer_record_data)."""
    from escrow.api.year_data import transfer_record_data  # year_data builds on this module's helpers

    record = _ledger_records(deal)[0]
    return transfer_record_data(record, context) if record else None


_FEE = serializers.DecimalField(max_digits=12, decimal_places=2)  # DealSerializer's escrow_fee_per_year
_REVENUE = serializers.DecimalField(max_digits=20, decimal_places=2)  # TrancheSummarySerializer's revenue fields


def _revenue(value):
    return None if value is None else _REVENUE.to_representation(value)


def party_data(party) -> dict:
    """PartySerializer(party).data."""
    organisation = party.organisation
    return {
        "id": _int(party.id),
        "role": _text(party.role),
        "role_display": None if party.role is None else role_label(party.role),
        "contract_name": _text(party.contract_name),
        "organisation": None
        if organisation is None
        else {
            "id": _int(organisation.id),
            "name": _text(organisation.name),
            "name_zh": _text(organisation.name_zh),
            "kind": _text(organisation.kind),
            "jurisdiction": _text(organisation.jurisdiction),
        },
        "approved_at": _MOMENT.to_representation(party.approved_at) if party.approved_at is not None else None,
    }


_MOMENT = serializers.DateTimeField()  # PartySerializer's approved_at


def balances_data(balances) -> dict:
    """BalancesSerializer(balances).data."""
    return {name: _int(balances[name]) for name in ("deposited", "rebased", "released", "returned", "in_escrow")}


# --- the oversight overview (issue 12 item 8): overdue items and active holds, most urgent first ---


class OverdueItemSerializer(serializers.Serializer):
    """A step whose deadline has passed: what, who must act, the deadline, the first day of default."""

    year = serializers.IntegerField(source="tranche.year", allow_null=True, default=None, help_text="null: the deposit")
    tranche_id = serializers.IntegerField(source="tranche.pk", allow_null=True, default=None)
    step = NextStepSerializer()
    since = serializers.DateField(help_text="the first day of default: the day after the deadline (Beijing)")
    days = serializers.SerializerMethodField(help_text="days in default so far, the first one included")

    @extend_schema_field(OpenApiTypes.INT)
    def get_days(self, item):
        return item.days(self.context["today"])


class ActiveHoldSerializer(HoldSerializer):
    """An open hold (EA 3.3 dispute, SPA 8.1 suspension, SPA 5.3 adjustment) and the party it was raised for."""

    year = serializers.IntegerField(source="tranche.year")
    raised_for = serializers.CharField(source="raised_for.role")
    clause = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_clause(self, hold):
        return overview.HOLD_CLAUSES.get(hold.kind, "")


class DealOverviewSerializer(serializers.Serializer):
    deal = serializers.CharField(source="deal.slug")
    name = serializers.CharField(source="deal.name")
    my_role = serializers.CharField(source="role")
    overdue = OverdueItemSerializer(many=True)
    holds = ActiveHoldSerializer(many=True)


class OverviewPageSerializer(serializers.Serializer):
    """One page of the overview (a django Paginator page)."""

    count = serializers.IntegerField(source="paginator.count", help_text="deals with an overdue item or a hold")
    page = serializers.IntegerField(source="number")
    pages = serializers.IntegerField(source="paginator.num_pages")
    as_of = serializers.SerializerMethodField(help_text="today's contract date (Beijing)")
    results = DealOverviewSerializer(many=True, source="object_list")

    @extend_schema_field(OpenApiTypes.DATE)
    def get_as_of(self, page):
        return self.context["today"].isoformat()


# --- the delay penalty (SPA 8.2, EA 5.2): capped figures, exact (strings, up to 8 decimals) ---


def _money(help_text, **kwargs):
    return serializers.DecimalField(
        max_digits=24, decimal_places=8, normalize_output=True, help_text=help_text, **kwargs
    )


class PenaltyPartySerializer(serializers.Serializer):
    """One liable party's share of a penalty: the sum of its days' charged amounts (after the cap)."""

    party = serializers.CharField(help_text="issuer (SPA 5.1, EA 5.2) or escrow_agent (EA 3.2)")
    charged = _money("the party's share after the 5% cap (SPA 8.2)")
    days = serializers.IntegerField(help_text="days of delay attributed to the party")


class PenaltyDaySerializer(serializers.Serializer):
    """One day of the delay (SPA 8.2): who is liable, the shares not released, the close used and its date,
    the 0.01% amount, what the day adds under the cap, the running total, the cap, and any pause."""

    day = serializers.DateField()
    liable = serializers.CharField(allow_blank=True, help_text="issuer, escrow_agent, or empty: nobody's day")
    shares_not_released = serializers.IntegerField(source="shares")
    close = serializers.DecimalField(
        source="price", max_digits=14, decimal_places=4, allow_null=True, help_text="NASDAQ close used (SPA 8.2)"
    )
    close_date = serializers.DateField(
        source="price_date", allow_null=True, help_text="the day of that close: the last one on or before the day"
    )
    amount = _money("0.01% x shares not released x close, before the cap; null: no close known", allow_null=True)
    charged = _money("what the day adds to the total: the amount cut to what is left under the cap", allow_null=True)
    running_total = _money("sum of the charged amounts through this day")
    cap = _money("5% of the market value as P7 values it on this day", allow_null=True)
    capped = serializers.BooleanField(help_text="the running total has reached the cap (P7)")
    missing_price = serializers.BooleanField(help_text="a liable day with no close known yet: not valued")
    reason = serializers.CharField()
    clause = serializers.CharField(allow_blank=True)
    pause = serializers.CharField(
        source="pause_reason", allow_blank=True, help_text="why a hold stopped the clock (EA 3.3, SPA 8.1, SPA 5.3)"
    )


class _PenaltyTotalsSerializer(serializers.Serializer):
    total = _money("sum of the charged amounts: never above the cap (SPA 8.2, P7)")
    cap = _money("the cap as P7 values it on the last accrued day", allow_null=True)
    capped = serializers.BooleanField()
    accrued_through = serializers.DateField(allow_null=True)
    parties = serializers.SerializerMethodField()

    @extend_schema_field(PenaltyPartySerializer(many=True))
    def get_parties(self, summary):
        return _parties(summary)


class TranchePenaltySerializer(_PenaltyTotalsSerializer):
    """A tranche's delay penalty: the daily rows and the totals per party (SPA 8.2, EA 5.2; P7, P8)."""

    tranche = serializers.IntegerField(source="tranche.pk")
    year = serializers.IntegerField(source="tranche.year")
    deal = serializers.CharField(source="tranche.deal.slug")
    ticker = serializers.CharField()
    currency = serializers.CharField(source="tranche.deal.price_currency")
    penalty_cap_valuation = serializers.CharField(source="cap_valuation", help_text="P7")
    hold_days = serializers.CharField(help_text="P8: which days a hold frees")
    first_capped_day = serializers.DateField(allow_null=True)
    complete = serializers.BooleanField(help_text="false while some liable day has no close")
    missing_price_days = serializers.ListField(child=serializers.DateField())
    days = PenaltyDaySerializer(many=True, source="rows")


class DealTranchePenaltySerializer(_PenaltyTotalsSerializer):
    tranche = serializers.IntegerField(source="tranche.pk")
    year = serializers.IntegerField(source="tranche.year")
    missing_price_days = serializers.IntegerField()


class DealPenaltySerializer(serializers.Serializer):
    """A deal's delay penalties: totals per party over its tranches, and each tranche's totals (capped)."""

    deal = serializers.CharField(source="deal.slug")
    currency = serializers.CharField(source="deal.price_currency")
    total = _money("sum of the tranches' totals")
    parties = serializers.SerializerMethodField()
    tranches = DealTranchePenaltySerializer(many=True)

    @extend_schema_field(PenaltyPartySerializer(many=True))
    def get_parties(self, penalties):
        return _parties(penalties)


def _parties(summary):
    """Each liable party's capped share and days of delay: the issuer first, then the escrow agent."""
    rows = [{"party": p, "charged": summary.by_party.get(p, 0), "days": n} for p, n in summary.liable_days.items()]
    return PenaltyPartySerializer(rows, many=True).data
