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

from escrow.contract.exact import group
from escrow.contract.explain import Explanation
from escrow.contract.releases import ReleaseSchedule, YearRelease, compute_releases, tranche_sizes
from escrow.models import CorporateAction, TrancheState


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
    """Each year's tranche size, in year order: one fifth of the consideration (SPA 5.1), or as the last
    confirmed split or consolidation rebased it (issue 14 item 4: what was released stays as it was,
    what is still in escrow and every future tranche are on the new basis)."""
    count = deal.tranche_count if count is None else count
    rebased = rebased_sizes(deal)
    sizes = tranche_sizes(deal.total_shares, count)
    return [rebased.get(year, size) for year, size in enumerate(sizes, 1)]


def sizes_on(deal, day) -> dict:
    """Year -> size as it was on contract day `day`: the last confirmed split or consolidation effective on or
    before it ({} before any). The delay penalty values a day before an effective date on the old basis."""
    confirmed = getattr(deal, "_confirmed_corporate_actions", None)
    if confirmed is None:
        confirmed = list(deal.corporate_actions.filter(state="confirmed").order_by("effective_date", "id"))
        deal._confirmed_corporate_actions = confirmed
    in_force = [a for a in confirmed if a.effective_date <= day]
    return in_force[-1].sizes if in_force else {}


def prime_corporate_actions(deals) -> None:
    """Read the confirmed splits and consolidations of many deals in one query and keep them on each deal object,
    as `sizes_on` and `rebased_sizes` would read them one deal at a time (the sweep's chunks, issue 13)."""
    deals = list(deals)
    found = {}
    rows = CorporateAction.objects.filter(deal_id__in={d.pk for d in deals}, state="confirmed")
    for action in rows.order_by("effective_date", "id"):
        found.setdefault(action.deal_id, []).append(action)
    for deal in deals:
        confirmed = found.get(deal.pk, [])
        deal._confirmed_corporate_actions = confirmed
        last = max(confirmed, key=lambda a: (a.confirmed_at, a.pk), default=None)
        deal._rebased_sizes = last.sizes if last is not None else {}


def rebased_sizes(deal) -> dict:
    """Year -> size as the last confirmed split or consolidation left it ({} when none): read once per
    deal object (the confirmation action sets it afresh on the deal it locked)."""
    cached = getattr(deal, "_rebased_sizes", None)
    if cached is None:
        last = deal.corporate_actions.filter(state="confirmed").order_by("-confirmed_at", "-id").first()
        cached = last.sizes if last is not None else {}
        deal._rebased_sizes = cached
    return cached


def rebased_total(deal) -> int:
    """The consideration on today's basis: the sum of the tranche sizes (SPA 1.1 before any action)."""
    return sum(sizes_for(deal))


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
