"""Many Kaixin-like deals in bulk, for the sweep benchmark and the tests of batching.

Every deal is in escrow with the Kaixin year dates, so all year-1 tranches end on 2026-11-30 and
fall due on 2027-01-29 together: the worst case for one sweep. Deals, parties and tranches are bulk
inserts (the world is the benchmark's input, not its subject), but they follow the same rules as
`create_deal`: each release is due 60 calendar days after its year ends (SPA 5.1) and each deal's
history starts with the DEAL_CREATED entry recording its terms. Prices go through `import_prices`,
entered by the world's issuer (SPA 8.2). Every deal's shares were issued to the agent on its effective date
(the deposit, EA 1.1, written as the ledger's movement), so escrow year 1 starts that day and year 2 a
year later (EA 2): the escrow fee invoices (EA 4.4) of every deal fall due on the same days too.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from escrow.actions.deals import CLAUSE, summary_of, terms_of
from escrow.actions.prices import PriceRow, import_prices
from escrow.contract.calendar import release_due
from escrow.history.chain import record_many
from escrow.models import Deal, DealParty, HistoryAction, Role, ShareMovement, Tranche
from parties.models import Organisation

YEARS = [
    (date(2025 + i, 12, 1), date(2026 + i, 11, 30), Decimal(t))
    for i, t in enumerate(("665000000", "732000000", "805000000", "885000000", "974000000"))
]
ROLES = [Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT, Role.AUDITOR]
EFFECTIVE = date(2025, 12, 2)
ISSUED_AT = datetime(2025, 12, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))  # the deposit: escrow year 1 starts (EA 2)


@transaction.atomic
def populate(n, *, prefix="bench", ticker="BNCH", batch=2000):
    """n deals with five tranches each and one person per role (one organisation per role, shared)."""
    orgs = {
        role: Organisation.objects.get_or_create(name=f"{prefix} {role}", defaults={"jurisdiction": "-"})[0]
        for role in ROLES
    }
    User = get_user_model()
    people = {
        role: User.objects.get_or_create(
            username=f"{prefix}-{role}", defaults=dict(organisation=org, email=f"{prefix}-{role}@bench.invalid")
        )[0]
        for role, org in orgs.items()
    }
    deals = Deal.objects.bulk_create(
        [
            Deal(
                slug=f"{prefix}-{i}",
                name=f"{prefix} deal {i}",
                target_company="Target",
                total_shares=15_000_000,
                effective_date=EFFECTIVE,
                ticker=ticker,
                state=Deal.State.IN_ESCROW,
            )
            for i in range(n)
        ],
        batch_size=batch,
    )
    now = timezone.now()
    DealParty.objects.bulk_create(
        [
            DealParty(deal=d, organisation=orgs[role], role=role, approved_at=now if role == Role.AUDITOR else None)
            for d in deals
            for role in ROLES
        ],
        batch_size=batch,
    )
    tranches = {
        d.pk: [
            Tranche(
                deal=d,
                year=y,
                period_start=start,
                period_end=end,
                target_revenue=target,
                release_due_date=release_due(end).due,
            )
            for y, (start, end, target) in enumerate(YEARS, 1)
        ]
        for d in deals
    }
    Tranche.objects.bulk_create([t for rows in tranches.values() for t in rows], batch_size=batch)
    ShareMovement.objects.bulk_create(
        [
            ShareMovement(
                deal=d,
                kind=ShareMovement.Kind.DEPOSIT,
                quantity=d.total_shares,
                fact_key=f"deposit:{d.pk}",
                reference=f"DRS-{d.pk}",
                recorded_at=ISSUED_AT,
                recorded_by=people[Role.ESCROW_AGENT],
            )
            for d in deals
        ],
        batch_size=batch,
    )
    record_many(
        [
            (
                d,
                dict(
                    action=HistoryAction.DEAL_CREATED,
                    clause=CLAUSE,
                    summary=summary_of(d, tranches[d.pk]),
                    details=terms_of(d, tranches[d.pk]),
                ),
            )
            for d in deals
        ]
    )
    return deals


def add_prices(ticker="BNCH", first=date(2026, 12, 1), last=date(2027, 12, 31), close=Decimal("2.5")):
    """Weekday closes (non-trading days take the last close, SPA 8.2), imported by the deals' issuer."""
    rows, day = [], first
    while day <= last:
        if day.weekday() < 5:
            rows.append(PriceRow(len(rows) + 2, ticker, day, close, "USD"))
        day += timedelta(days=1)
    issuer = DealParty.objects.filter(deal__ticker=ticker, role=Role.ISSUER, ended_at__isnull=True).first()
    by = get_user_model().objects.filter(organisation_id=issuer.organisation_id, is_active=True).first()
    return import_prices(by, rows, source="bench")


@transaction.atomic
def copies_of(template, n, *, prefix="copy", state=None, tranche_state=None, batch=2000):
    """n deals played by the template deal's parties and seen by the same people (issue 13 benchmarks and
    query-count tests): the deals, their five tranches, their parties and guardian's view permissions are
    bulk inserts. `tranche_state` puts every copy's year-1 tranche in that state (e.g. awaiting_report, so
    the auditor has one item due per deal)."""
    from escrow.models import DealUserObjectPermission  # guardian's rows: who sees which deal (SPA 9)

    deals = Deal.objects.bulk_create(
        [
            Deal(
                slug=f"{prefix}-{i:04d}",
                name=f"{prefix} deal {i}",
                target_company="Target",
                total_shares=15_000_000,
                tranche_count=5,
                effective_date=template.effective_date,
                ticker=template.ticker,
                state=state or template.state,
            )
            for i in range(n)
        ],
        batch_size=batch,
    )
    Tranche.objects.bulk_create(
        [
            Tranche(
                deal=deal,
                year=y,
                period_start=start,
                period_end=end,
                target_revenue=target,
                release_due_date=release_due(end).due,
                **({"state": tranche_state} if tranche_state and y == 1 else {}),
            )
            for deal in deals
            for y, (start, end, target) in enumerate(YEARS, 1)
        ],
        batch_size=batch,
    )
    parties = list(DealParty.objects.filter(deal=template, ended_at__isnull=True))
    DealParty.objects.bulk_create(
        [
            DealParty(
                deal=deal,
                organisation_id=p.organisation_id,
                role=p.role,
                contract_name=p.contract_name,
                approved_at=p.approved_at,
            )
            for deal in deals
            for p in parties
        ],
        batch_size=batch,
    )
    seen_by = DealUserObjectPermission.objects.filter(content_object=template).values_list("user_id", "permission_id")
    DealUserObjectPermission.objects.bulk_create(
        [
            DealUserObjectPermission(user_id=user, permission_id=permission, content_object=deal)
            for deal in deals
            for user, permission in list(seen_by)
        ],
        batch_size=batch,
    )
    return deals
