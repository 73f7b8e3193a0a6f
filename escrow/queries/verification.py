"""The full verification of the records (issue 10 items 4 and 5): every hash chain walked and checked against
the heads the signed daily checkpoints witnessed, every deal's chain present, every checkpoint as signed, and
every deal's ledger, tranches and signatures reconciled with its history. The nightly task reads
it (escrow.tasks.verify_records) and alerts compliance through escrow.actions.verification on a failure;
`manage.py verify_history` prints the same checks one line each."""

from dataclasses import dataclass, field

from escrow.history.chain import chain_key_for, missing_chain, verify_chain
from escrow.models import Deal, HistoryChain
from escrow.queries.checkpoints import checkpoint_problems, lost_chain, witnessed_heads
from escrow.queries.reconcile import reconcile


@dataclass(frozen=True)
class Failure:
    """One broken chain or one difference; `deal` is None for the accounts and reference chains."""

    deal: Deal | None
    problem: str

    def __str__(self):
        return self.problem


@dataclass
class Verification:
    chains: int = 0
    deals: int = 0
    failures: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "chains": self.chains,
            "deals": self.deals,
            "failures": [{"deal": f.deal.slug if f.deal else None, "problem": f.problem} for f in self.failures],
        }


def verify_records(deals=None) -> Verification:
    """Walk every chain (or the chains of `deals`), then replay each deal's history against its rows. With
    `deals` the checkpoints themselves and the chains of other deals are not checked (`verify_history --deal`)."""
    chains, all_deals = HistoryChain.objects.order_by("key"), deals is None
    if deals is None:
        deals = list(Deal.objects.order_by("pk"))
    else:
        # Read again: the caller's objects may predate what is being checked.
        deals = list(Deal.objects.filter(pk__in=[deal.pk for deal in deals]).order_by("pk"))
        chains = chains.filter(key__in=[chain_key_for(deal) for deal in deals])
    by_key = {chain_key_for(deal): deal for deal in deals}
    report = Verification(deals=len(deals))
    seen, witnessed = set(), witnessed_heads()
    for chain in chains:
        check = verify_chain(chain, witnessed=witnessed.get(chain.key, ()))
        report.chains += 1
        seen.add(chain.key)
        if not check.ok:
            report.failures.append(Failure(by_key.get(chain.key), f"{chain.key}: #{check.bad_seq}: {check.problem}"))
    for key, deal in by_key.items():
        if key not in seen:
            check = missing_chain(deal)
            report.failures.append(Failure(deal, f"{key}: {check.problem}"))
    if all_deals:
        # Item 4: chains the signed checkpoints witnessed that are gone, and checkpoints not as signed.
        lost = [lost_chain(key, heads) for key, heads in witnessed.items() if key not in seen | set(by_key)]
        report.failures += [Failure(None, f"{check.key}: {check.problem}") for check in lost]
        report.failures += [Failure(None, f"checkpoint of {c.day.isoformat()}: {p}") for c, p in checkpoint_problems()]
    by_slug = {deal.slug: deal for deal in deals}
    report.failures += [Failure(by_slug[d.deal], str(d)) for d in reconcile(deals)]
    return report
