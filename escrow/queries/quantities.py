"""The deal's release figures (SPA 5.1, 5.2): a read, no writes, and the one place they come from.

`schedule_for` is what the report action, the deal and what-if pages, `manage.py whatif` and the API
read: the contract engine over the audited (or hypothetical) revenues, then the portal's reading of
SPA 5.1 for what has really happened (docs/architecture.md "Settled quantities and later offsets"):
a year already released shows what it released, and a later year's offset for an earlier year is
capped at what is still unreleased of that year's fifth. `year_figures` gives each year's released,
offset and in-escrow shares from the tranches' records.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from escrow.contract.corporate_actions import Ratio, stock_dividend_ratio
from escrow.contract.exact import group
from escrow.contract.explain import Explanation
from escrow.contract.releases import ReleaseSchedule, YearRelease, compute_releases, tranche_sizes
from escrow.models import CorporateAction, Dividend, ShareMovement, TrancheState
from escrow.models.bulk import any_of
from escrow.queries.rows import converter
from escrow.queries.rows import rows as read_rows

BEIJING = ZoneInfo(settings.CONTRACT_TIME_ZONE)
# The fact keys of rebases name their source: `rebase:<corporate action>:<year>`, `stock-dividend:<dividend>:<year>`.
CORPORATE_ACTION_KEY, STOCK_DIVIDEND_KEY = "rebase", "stock-dividend"


@dataclass
class ScheduledYear(YearRelease):
    """One year of `schedule_for`: the engine's figures with the offsets the portal releases.

    `offset_shares` and `total_release` are after the SPA 5.1 cap; `formula_offset_shares` is what the
    engine alone would offset; `released` marks a year already released, whose figures are the
    recorded ones (a settlement, award or adjustment may have set another quantity than the formula)."""

    formula_offset_shares: dict = field(default_factory=dict)
    offset_capped_for_years: list = field(default_factory=list)
    released: bool = False

    def as_dict(self) -> dict:
        """The engine's keys plus the years capped (what a tranche's stored calculation records)."""
        data = super().as_dict()
        for key in ("formula_offset_shares", "released"):
            data.pop(key, None)
        return data


def schedule_for(deal, *, tranches=None, actuals=None, policies=None) -> ReleaseSchedule:
    """SPA 5.1, 5.2: the release schedule, year by year from year 1.

    Without `actuals` and `policies` it is the deal's own: its audited revenues (contiguous from year
    1) under its policies. With them it is a what-if over hypothetical revenues and readings (P1-P8);
    either way the same SPA 5.1 cap and the same released years apply. Raises ValueError for revenues
    the engine refuses (negative, more years than the deal has)."""
    tranches = list(tranches if tranches is not None else deal.tranches.order_by("year"))
    actuals = audited_actuals(tranches) if actuals is None else list(actuals)
    policies = deal.policies if policies is None else policies
    sizes = sizes_for(deal, len(tranches))
    schedule = compute_releases(deal.total_shares, [t.target_revenue for t in tranches], actuals, policies, sizes=sizes)
    years = _portal_years(deal, schedule.years, tranches, sizes)
    return _with_totals(schedule, years, complete=len(years) == len(tranches))


def audited_actuals(tranches) -> list:
    """The audited revenues known so far, contiguous from year 1 (offsets run in year order, SPA 5.2(2))."""
    actuals = []
    for tranche in tranches:
        if tranche.audited_revenue is None:
            break
        actuals.append(tranche.audited_revenue)
    return actuals


def calculation_lines(year_release):
    return [f"{e.clause}: {e.formula} → {e.figure}" for e in year_release.explanations]


def sizes_for(deal, count=None) -> list:
    """Each year's tranche size on today's basis, in year order: its fifth of the consideration as the contract
    states it (SPA 5.1, deal.total_shares) plus every `rebase` of its tranche in the ledger (issue 14 items 2
    and 4: a split or consolidation, a stock dividend). What was released stays as it was, since a rebase
    only ever moves what is still in escrow; every future tranche is on the new basis."""
    count = deal.tranche_count if count is None else count
    changes = _changes(rebase_steps(deal))
    return [size + changes.get(year, 0) for year, size in enumerate(tranche_sizes(deal.total_shares, count), 1)]


def consideration_today(deal) -> int:
    """The consideration shares on today's basis: deposited + rebased in the ledger (the contract's figure,
    deal.total_shares, SPA 1.1, before any split, consolidation or stock dividend). The one answer for a
    current total; deal.total_shares stays the contract's original figure."""
    return sum(sizes_for(deal))


def sizes_on(deal, day) -> dict:
    """Year -> size as it was on contract day `day`: the rebases effective on or before it ({} before any). The
    delay penalty values a day before a split's or consolidation's effective date on the old basis."""
    steps = [step for step in rebase_steps(deal) if step[0] <= day]
    return _sizes(deal, steps) if steps else {}


def rebased_sizes(deal) -> dict:
    """Year -> size after every rebase in the ledger ({} when none)."""
    steps = rebase_steps(deal)
    return _sizes(deal, steps) if steps else {}


def _sizes(deal, steps) -> dict:
    changes = _changes(steps)
    sizes = tranche_sizes(deal.total_shares, deal.tranche_count)
    return {year: size + changes.get(year, 0) for year, size in enumerate(sizes, 1)}


def _changes(steps) -> dict:
    changes = defaultdict(int)
    for _day, year, quantity in steps:
        changes[year] += quantity
    return changes


def rebase_steps(deal) -> list:
    """[(effective day, tranche year, signed shares)] of the deal's `rebase` movements, in day order; read once
    per deal object (an action that writes a rebase drops the cache on the deal it locked)."""
    cached = getattr(deal, "_rebase_steps", None)
    if cached is None:
        cached = _rebase_steps_of([deal.pk], _rebase_rows_of(deal.pk))[deal.pk]
        deal._rebase_steps = cached
    return cached


def forget_rebases(deal) -> None:
    """After writing a rebase: the next read of the sizes (and of the rebases' sources, kept by
    escrow.queries.penalties for a fixed quantity) goes to the ledger again."""
    deal._rebase_steps = None
    deal._rebase_sources = None


def prime_corporate_actions(deals) -> None:
    """Read the rebases of many deals in three queries and keep them on each deal object, as `rebase_steps`
    would read them one deal at a time (the sweep's chunks, issue 13)."""
    deals = list(deals)
    found = _rebase_steps_of({d.pk for d in deals})
    for deal in deals:
        deal._rebase_steps = found[deal.pk]


def rebase_sources(deal_ids) -> list:
    """[(deal id, fact key less its year, effective day, Ratio)] of the deals' rebases, in day order: a confirmed
    split or consolidation from its effective date at its ratio; a stock dividend from the day its new shares
    were received into escrow (`passed_on`) as a (1 + r)-for-1 split (SPA 3.2, SPA 8.2;
    escrow.contract.corporate_actions.stock_dividend_ratio). The one rule for the day a rebase counts from and
    for the share basis it changes: the ledger's sizes (`rebase_days`) and the delay penalty's closes
    (escrow.queries.penalties.rebases_by_deal) both read it, so a tranche and its price change basis together."""
    found = [
        (deal_id, f"{CORPORATE_ACTION_KEY}:{pk}", day, Ratio(new, old))
        for deal_id, pk, day, new, old in CorporateAction.objects.filter(
            deal_id__in=any_of(deal_ids), state="confirmed"
        ).values_list("deal_id", "pk", "effective_date", "ratio_new", "ratio_old")
    ]
    found += [
        (deal_id, f"{STOCK_DIVIDEND_KEY}:{pk}", day, stock_dividend_ratio(per_share))
        for deal_id, pk, day, per_share in Dividend.objects.filter(
            deal_id__in=any_of(deal_ids), kind="shares", passed_on__isnull=False
        ).values_list("deal_id", "pk", "passed_on", "per_share")
    ]
    return sorted(found, key=lambda source: (source[2], source[1]))


def rebase_days(deal_ids) -> dict:
    """{fact key less its year: day} of the deals' rebases: a rebase takes effect on its split's or
    consolidation's effective date, or on the day its stock dividend's new shares were received (the fact keys
    name their source: `rebase:<action>:<year>`, `stock-dividend:<dividend>:<year>`). The one rule for the day
    a rebase counts from (`rebase_sources`; escrow.queries.holdings.effective_day reads it too)."""
    return {key: day for _deal, key, day, _ratio in rebase_sources(deal_ids)}


def _rebase_steps_of(deal_ids, rows=None) -> dict:
    """One query when no deal has a rebase (most deals, most of the time); three otherwise. `rows`: the deals'
    rebase movements already read (`_rebase_rows_of`)."""
    found = {pk: [] for pk in deal_ids}
    if rows is None:
        rows = list(
            ShareMovement.objects.filter(deal_id__in=any_of(deal_ids), kind=ShareMovement.Kind.REBASE).values_list(
                "deal_id", "tranche__year", "fact_key", "quantity", "recorded_at"
            )
        )
    days = rebase_days({row[0] for row in rows}) if rows else {}
    for deal_id, year, key, quantity, at in rows:
        day = days.get(key.rpartition(":")[0]) or timezone.localtime(at, BEIJING).date()
        found[deal_id].append((day, year, quantity))
    for steps in found.values():
        steps.sort()
    return found


def _rebase_rows_of(deal_id) -> list:
    """(deal id, tranche year, fact key, shares, recorded_at) of one deal's rebase movements: `_rebase_steps_of`'s
    read for one deal, in SQL written once (issue 13 item 1: built through the ORM it was 1,500 function calls of
    every deal page and /api/deals/<ref>/; tests/escrow/queries/test_deal_reads.py compares the two)."""
    sql = (
        "SELECT m.deal_id, t.year, m.fact_key, m.quantity, m.recorded_at FROM escrow_sharemovement m"
        " LEFT JOIN escrow_tranche t ON t.id = m.tranche_id WHERE m.deal_id = %s AND m.kind = %s"
    )
    recorded_at = converter(ShareMovement, ("recorded_at",))  # SQLite's text to a datetime, as values_list
    found = read_rows(sql, (deal_id, ShareMovement.Kind.REBASE.value))
    return [(deal, year, key, quantity, recorded_at((at,))[0]) for deal, year, key, quantity, at in found]


def _portal_years(deal, engine_years, tranches, sizes) -> list:
    """Each engine year as the portal releases it, in year order. The room left in an earlier year's
    fifth counts what released tranches released for it and the capped offsets of the years before
    this one that are not released yet (so two later years never both fill the same room)."""
    by_year = {t.year: t for t in tranches}
    done = released_for_each_year(tranches)
    promised = defaultdict(int)
    years = []
    for year in engine_years:
        tranche = by_year.get(year.year)
        if tranche is not None and tranche.state == TrancheState.RELEASED:
            years.append(_released_year(year, tranche))
            continue
        room = {y: max(0, sizes[y - 1] - done[y] - promised[y]) for y in year.offset_shares}
        scheduled = _capped_year(year, room)
        for y, shares in scheduled.offset_shares.items():
            promised[y] += shares
        years.append(scheduled)
    return years


def _capped_year(year: YearRelease, room: dict) -> ScheduledYear:
    """SPA 5.1: no year releases more than its fifth. The engine assumes earlier years released the
    formula's figures; a settlement, award or adjustment may have released more."""
    offsets = {y: min(shares, room[y]) for y, shares in year.offset_shares.items()}
    capped = [y for y, shares in year.offset_shares.items() if offsets[y] < shares]
    offsets = {y: n for y, n in offsets.items() if n}
    explanations = list(year.explanations)
    if capped:
        explanations.append(
            Explanation(
                "SPA 5.1",
                "offset for an earlier year <= what is still unreleased of its fifth",
                {"formula_offset_shares": dict(year.offset_shares), "unreleased_of_fifth": room},
                f"offset for year(s) {', '.join(str(y) for y in capped)} capped: "
                f"{group(sum(offsets.values()))} shares instead of {group(sum(year.offset_shares.values()))} "
                "(an earlier settlement, award or adjustment released more than the formula)",
                key="offset_capped",
                facts={
                    "years": capped,
                    "shares": sum(offsets.values()),
                    "formula_shares": sum(year.offset_shares.values()),
                },
            )
        )
    return ScheduledYear(
        **{
            **_fields(year),
            "offset_shares": offsets,
            "explanations": explanations,
            "total_release": year.own_release + sum(offsets.values()),
        },
        formula_offset_shares=dict(year.offset_shares),
        offset_capped_for_years=capped,
    )


def _released_year(year: YearRelease, tranche) -> ScheduledYear:
    """A released year is a fact: what it released for itself and as offsets, whatever the formula says."""
    own, offsets, quantity = own_part(tranche), offsets_of(tranche), released_quantity(tranche)
    explanations = [
        *year.explanations,
        Explanation(
            "EA 3.2",
            "released: the recorded quantity (the formula's, or a settlement's, award's or adjustment's)",
            {"release_quantity": quantity, "offset_shares": offsets},
            f"{group(quantity)} shares released on {tranche.released_on}: {group(own)} for year {tranche.year}, "
            f"{group(quantity - own)} as offsets",
            key="released",
            facts={
                "year": tranche.year,
                "quantity": quantity,
                "released_on": tranche.released_on,
                "own": own,
                "offsets": quantity - own,
            },
        ),
    ]
    recorded = (tranche.calculation or {}).get("offset_capped_for_years", [])
    return ScheduledYear(
        **{
            **_fields(year),
            "own_release": own,
            "deducted": year.tranche_shares - own,
            "offset_shares": offsets,
            "total_release": quantity,
            "requires_settlement": False,
            "explanations": explanations,
        },
        formula_offset_shares=dict(year.offset_shares),
        offset_capped_for_years=list(recorded),
        released=True,
    )


def _fields(year: YearRelease) -> dict:
    return {name: getattr(year, name) for name in YearRelease.__dataclass_fields__}


def _with_totals(schedule: ReleaseSchedule, years: list, complete: bool) -> ReleaseSchedule:
    """SPA 5.2(1): in escrow + released + cancelled at expiry = total, over the portal's figures."""
    total = schedule.total_shares
    released = sum(y.total_release for y in years)
    cancelled = total - released if complete else None
    still = total - released - (cancelled or 0)
    by_tranche = dict.fromkeys(schedule.released_by_tranche, 0)
    for year in years:
        by_tranche[year.year] += year.own_release
        for y, shares in year.offset_shares.items():
            by_tranche[y] += shares
    figure = (
        f"{group(cancelled)} shares returned to Party A for cancellation at expiry"
        if complete
        else f"{len(by_tranche) - len(years)} year(s) not yet audited: {group(still)} shares still in escrow"
    )
    explanation = Explanation(
        "SPA 5.2(1)",
        "cancelled at expiry = total - all released; in escrow + released + cancelled = total",
        {"total": total, "released": released, "years_audited": len(years), "tranches": len(by_tranche)},
        figure,
        key="totals_complete" if complete else "totals_open",
        facts={"cancelled": cancelled or 0, "still": still, "years_left": len(by_tranche) - len(years)},
    )
    return replace(
        schedule,
        years=years,
        cancelled_at_expiry=cancelled,
        released_total=released,
        still_in_escrow=still,
        explanations=[explanation],
        released_by_tranche=by_tranche,
    )


def released_quantity(tranche) -> int:
    """What the tranche's release moved out of escrow (EA 3.2); 0 until it is released."""
    return (tranche.release_quantity or 0) if tranche.state == TrancheState.RELEASED else 0


def own_part(tranche) -> int:
    """What a released tranche released for its own fifth: its quantity less its offsets (SPA 5.2(2))."""
    quantity = released_quantity(tranche)
    return quantity - min(sum(offsets_of(tranche).values()), quantity)


def offsets_of(tranche) -> dict:
    """The offsets a released tranche released for earlier years, by year (int keys)."""
    if not released_quantity(tranche):
        return {}
    return {int(k): int(v) for k, v in (tranche.offset_shares or {}).items()}


def released_for_each_year(tranches) -> dict:
    """Shares released so far for each year's fifth: a released tranche's own part plus what later
    released tranches released to offset it (SPA 5.2(2))."""
    released = defaultdict(int)
    for t in tranches:
        for year, shares in offsets_of(t).items():
            released[year] += shares
        released[t.year] += own_part(t)
    return released


@dataclass(frozen=True)
class YearFigures:
    """One year as the deal page, the API and exports show it (shares)."""

    year: int
    size: int  # the year's fifth (SPA 5.1)
    released: int  # what this year's release moved out of escrow: its own part and its offsets
    offset_shares: int  # of `released`, the offsets for earlier years (SPA 5.2(2))
    in_escrow: int  # of this year's fifth, still in escrow (deducted shares stay until offset or expiry)


def year_figures(deal, tranches) -> dict:
    """Year -> YearFigures, from the tranches' records (no query beyond the tranches given)."""
    tranches = list(tranches)
    sizes = sizes_for(deal, len(tranches))
    done = released_for_each_year(tranches)
    figures = {}
    for size, tranche in zip(sizes, tranches, strict=True):
        figures[tranche.year] = YearFigures(
            tranche.year,
            size,
            released_quantity(tranche),
            sum(offsets_of(tranche).values()),
            max(size - done[tranche.year], 0),
        )
    return figures
