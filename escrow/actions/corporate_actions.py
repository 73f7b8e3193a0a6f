"""Splits and consolidations during the escrow (issue 14 item 4; RULES.md "The shares through five years").

Two actions, four eyes across parties: the issuer proposes (ratio new:old, effective date, the fractional
shares policy of its own terms, a new ticker or CUSIP), the escrow agent confirms on or after the effective
date. The confirmation rebases the escrow in one transaction: the agent's balance is rounded once under the
policy (it is one holder of record), each tranche's remainder in escrow is allocated to it by largest
remainder (escrow.contract.corporate_actions), and each tranche whose remainder changes gets one `rebase`
ledger movement (after - before, signed), so deposited + rebased = released + returned + in escrow holds
before and after. Released quantities are not touched. Each tranche's size after (released for it, as it
was, plus its rebased remainder) is stored on the action for the record; the engine, the schedule, the what-if
and the delay penalty's nominal tranche read the sizes from the ledger's rebases (escrow.queries.quantities
.sizes_for), as they do after a stock dividend (escrow.actions.holdings).
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escrow.actions.accrual import rebase_stored_days
from escrow.actions.base import lock_deal_for, lock_tranches, record
from escrow.actions.movements import write_movement
from escrow.contract.corporate_actions import FRACTION_POLICIES, Ratio, rebase_escrow, rebase_sizes
from escrow.contract.errors import InvalidInput, WrongState
from escrow.models import CorporateAction, HistoryAction, Role, ShareMovement
from escrow.notifications.notify import notify_roles
from escrow.notifications.texts import Text
from escrow.queries.clock import contract_today
from escrow.queries.preconditions import corporate_action_confirmable, corporate_action_proposable
from escrow.queries.quantities import CORPORATE_ACTION_KEY, forget_rebases, year_figures

CLAUSE = "EA 4.2; SPA 5.1"
EVERYONE = [Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT]


@transaction.atomic
def propose_corporate_action(
    actor, deal, *, ratio_new, ratio_old, effective_date, fraction_policy, new_ticker="", new_cusip="", terms=""
):
    """The issuer proposes a split or consolidation; the escrow agent confirms it."""
    deal, party = lock_deal_for(actor, deal, "propose_corporate_action")
    corporate_action_proposable(deal)
    try:
        ratio = Ratio(int(ratio_new), int(ratio_old))
    except (TypeError, ValueError):
        raise InvalidInput(
            _(
                "Give the ratio as two different whole numbers, new for old: "
                "1 for 30 is a consolidation, 2 for 1 a split."
            )
        ) from None
    if fraction_policy not in FRACTION_POLICIES:
        raise InvalidInput(_("Choose how fractional shares are treated: round-up or floor."))
    if not isinstance(effective_date, date) or effective_date < deal.effective_date:
        raise InvalidInput(
            _("The effective date must be on or after the agreement's effective date, %(date)s.")
            % {"date": deal.effective_date.isoformat()}
        )
    last = deal.corporate_actions.filter(state=CorporateAction.State.CONFIRMED).order_by("-effective_date").first()
    if last is not None and effective_date <= last.effective_date:
        raise InvalidInput(
            _("The effective date must be after the last confirmed action's, %(date)s.")
            % {"date": last.effective_date.isoformat()}
        )
    action = CorporateAction.objects.create(
        deal=deal,
        ratio_new=ratio.new,
        ratio_old=ratio.old,
        effective_date=effective_date,
        fraction_policy=fraction_policy,
        new_ticker=(new_ticker or "").strip().upper(),
        new_cusip=(new_cusip or "").strip().upper(),
        terms=(terms or "").strip(),
        proposed_by=actor,
        proposed_at=timezone.now(),
    )
    record(
        deal,
        action=HistoryAction.CORPORATE_ACTION_PROPOSED,
        actor=actor,
        party=party,
        clause=CLAUSE,
        summary=f"{ratio.kind.capitalize()} {ratio.new} for {ratio.old} proposed, effective {effective_date}, "
        f"fractional shares: {fraction_policy}",
        details=_details(action),
    )
    notify_roles(
        deal,
        EVERYONE,
        key=f"corporate-action-proposed:{action.pk}",
        subject=Text(
            gettext_lazy("%(deal)s: a %(new)s-for-%(old)s %(kind)s is proposed, effective %(date)s"),
            deal=deal.name,
            new=ratio.new,
            old=ratio.old,
            kind=_kind_words(ratio),
            date=effective_date.isoformat(),
        ),
        clause=CLAUSE,
    )
    return action


@transaction.atomic
def confirm_corporate_action(actor, deal, *, reference=""):
    """The escrow agent confirms the proposal on or after its effective date: the escrow is rebased."""
    deal, party = lock_deal_for(actor, deal, "confirm_corporate_action")
    today = contract_today()
    action = corporate_action_confirmable(deal, today)
    action = CorporateAction.objects.select_for_update().get(pk=action.pk)
    tranches = lock_tranches(deal)
    figures = year_figures(deal, tranches)
    in_escrow = {year: f.in_escrow for year, f in figures.items()}
    ledger = deal.movements.balances()
    if sum(in_escrow.values()) != ledger["in_escrow"]:
        raise WrongState(
            _("The tranches hold %(tranches)s shares in escrow but the ledger %(ledger)s; nothing was rebased.")
            % {"tranches": f"{sum(in_escrow.values()):,}", "ledger": f"{ledger['in_escrow']:,}"}
        )
    rebase = rebase_escrow(in_escrow, action.ratio, action.fraction_policy)
    sizes = rebase_sizes(
        {y: f.size for y, f in figures.items()}, {y: f.size - f.in_escrow for y, f in figures.items()}, rebase.after
    )
    now = timezone.now()
    by_year = {t.year: t for t in tranches}
    movements = []
    for year, change in rebase.changes.items():
        write_movement(  # EA 4.2: a rebase is one of the four movements the agreement allows
            deal=deal,
            tranche=by_year[year],
            kind=ShareMovement.Kind.REBASE,
            quantity=change,
            fact_key=f"{CORPORATE_ACTION_KEY}:{action.pk}:{year}",
            reference=reference,
            actor=actor,
        )
        movements.append({"tranche": by_year[year].pk, "year": year, "quantity": change})
    action.state = CorporateAction.State.CONFIRMED
    action.confirmed_by, action.confirmed_at = actor, now
    action.rebase = {
        **rebase.as_dict(),
        "sizes": {str(y): n for y, n in sizes.items()},
        "confirmed_on": today.isoformat(),
    }
    action.save()
    forget_rebases(deal)  # the sizes are read afresh from the ledger (escrow.queries.quantities.sizes_for)
    after = deal.movements.balances()
    record(
        deal,
        action=HistoryAction.CORPORATE_ACTION_CONFIRMED,
        actor=actor,
        party=party,
        clause=CLAUSE,
        summary=f"{action.ratio.kind.capitalize()} {action.ratio.new} for {action.ratio.old} confirmed, effective "
        f"{action.effective_date}: {rebase.holding.before:,} shares in escrow became {rebase.holding.after:,} "
        f"({action.fraction_policy}; rounded up {rebase.holding.rounded_up}, remainder {rebase.holding.remainder})",
        details={
            **_details(action),
            "rebase": action.rebase,
            "rebases": movements,
            "reference": reference,
            "balances_before": ledger,
            "balances_after": after,
        },
    )
    # SPA 8.2, P7 (issue 14): penalty days already stored from the effective date go on the new basis now.
    rebase_stored_days(
        deal, tranches, effective=action.effective_date, ratio=action.ratio, policy=action.fraction_policy, today=today
    )
    notify_roles(
        deal,
        EVERYONE,
        key=f"corporate-action-confirmed:{action.pk}",
        subject=Text(
            gettext_lazy(
                "%(deal)s: %(new)s-for-%(old)s %(kind)s confirmed: %(before)s shares in escrow are now %(after)s"
            ),
            deal=deal.name,
            new=action.ratio.new,
            old=action.ratio.old,
            kind=_kind_words(action.ratio),
            before=f"{rebase.holding.before:,}",
            after=f"{rebase.holding.after:,}",
        ),
        clause=CLAUSE,
    )
    return action


def _kind_words(ratio):
    return gettext_lazy("split") if ratio.kind == "split" else gettext_lazy("consolidation")


def _details(action) -> dict:
    return {
        "corporate_action": action.pk,
        "kind": action.kind,
        "ratio_new": action.ratio_new,
        "ratio_old": action.ratio_old,
        "effective_date": action.effective_date,
        "fraction_policy": action.fraction_policy,
        "new_ticker": action.new_ticker,
        "new_cusip": action.new_cusip,
        "terms": action.terms,
    }
