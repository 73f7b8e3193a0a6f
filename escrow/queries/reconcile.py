"""The ledger, the tranches and the signatures replayed against each deal's history (issue 10 item 5).

The history is hash-chained and append-only (escrow.history.chain); the ledger is append-only too, but a
database owner can switch the triggers off, and tranche states, quantities, instruments and signatures are
ordinary rows. So everything the release of shares depends on is replayed from the deal's history and
compared with the rows: every ledger movement has its history entry and the reverse (EA 1.1, 3.2,
SPA 5.2(1)), the balances equal the history's totals (RULES.md invariant), the deal keeps the shares and
policies it was created with, each tranche is in the state its history ends in and holds the figures last
recorded, and every signature covers the hash its instrument was issued with and has its `signed` entry.
`differences` names each mismatch, the first one first; details no action writes are named, never a crash.

A difference means the rows or the history were changed outside the actions: `verify_history` reports it and
the nightly verification alerts compliance (escrow.actions.verification).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from escrow.history.chain import chain_key_for
from escrow.models import Deal, HistoryAction, HistoryEntry, ShareMovement, Signature, TrancheState

# The history entry each kind of ledger movement is recorded under, with the quantity in its details.
MOVEMENT_OF = {
    HistoryAction.DEPOSIT_CONFIRMED: ShareMovement.Kind.DEPOSIT,  # EA 1.1
    HistoryAction.RELEASED: ShareMovement.Kind.RELEASE,  # EA 3.2
    HistoryAction.RETURNED_FOR_CANCELLATION: ShareMovement.Kind.RETURN,  # SPA 5.2(1)
}
REFERENCE_KEY = {HistoryAction.RELEASED: "transfer_reference"}
# The audited revenue as filed or, before any signature, corrected (SPA 4.2; issue 12 item 8).
REPORTS = {HistoryAction.REPORT_FILED, HistoryAction.REPORT_CORRECTED}
# A hold remembers where the tranche was (EA 3.3, SPA 8.1); lifting a suspension returns it there.
HOLDS = {TrancheState.DISPUTED, TrancheState.SUSPENDED}
# A movement and its entry are written in one transaction, a moment apart (DESIGN.md "An action").
SAME_MOMENT = timedelta(minutes=1)
ISSUED = {
    HistoryAction.JOINT_INSTRUCTION_ISSUED,  # EA 3.1(b)
    HistoryAction.SETTLEMENT_ISSUED,  # EA 3.3
    HistoryAction.ADJUSTMENT_ISSUED,  # SPA 5.3
}


@dataclass(frozen=True)
class Difference:
    """One place where the rows and the deal's history disagree."""

    deal: str
    problem: str

    def __str__(self):
        return f"deal {self.deal}: {self.problem}"


@dataclass(frozen=True)
class Movement:
    """A ledger movement as the history records it."""

    seq: int
    action: str
    kind: str
    tranche_id: int | None
    quantity: int
    reference: str
    actor_id: int | None
    at: object


@dataclass
class Replay:
    """What the deal's history says the rows must be."""

    total_shares: int | None = None
    policies: dict = field(default_factory=dict)  # policy key -> value, as the deal was created (P1-P9)
    deal_state: str = Deal.State.AWAITING_DEPOSIT
    tranche_states: dict = field(default_factory=dict)  # tranche id -> (to_state, seq)
    quantities: dict = field(default_factory=dict)  # tranche id -> (release quantity, seq)
    movements: list = field(default_factory=list)
    issued: dict = field(default_factory=dict)  # document sha256 -> (seq, tranche id, quantity)
    signed: dict = field(default_factory=dict)  # (instrument id, signer id) -> (seq, document sha256)
    tranches_seen: dict = field(default_factory=dict)  # tranche id -> first seq naming it
    revenues: dict = field(default_factory=dict)  # tranche id -> (audited revenue as recorded, seq)
    preparers: dict = field(default_factory=dict)  # tranche id -> (officer who prepared the release, seq)
    held_from: dict = field(default_factory=dict)  # tranche id -> (state a hold returns to, seq)
    unreadable: list = field(default_factory=list)  # seqs whose details are not what their action writes


def replay(entries) -> Replay:
    """Fold the deal's entries, in chain order, into what the rows must say."""
    state = Replay()
    for entry in entries:
        try:
            _apply(state, entry)
        except (AttributeError, KeyError, TypeError, ValueError):
            # Details no action writes (an edit the chain walk names too): reported, never a crash.
            state.unreadable.append(entry.seq)
    return state


def _apply(state, entry):
    details = entry.details if isinstance(entry.details, dict) else {}
    if entry.tranche_id is not None:
        state.tranches_seen.setdefault(entry.tranche_id, entry.seq)
    if entry.action == HistoryAction.DEAL_CREATED:
        state.total_shares = details.get("total_shares")
        state.policies = {key: spec["value"] for key, spec in (details.get("policies") or {}).items()}
    if entry.to_state:
        if entry.tranche_id is None:
            state.deal_state = entry.to_state
        else:
            state.tranche_states[entry.tranche_id] = (entry.to_state, entry.seq)
            held = entry.from_state if entry.to_state in HOLDS else ""
            state.held_from[entry.tranche_id] = (held, entry.seq)
    quantity = _recorded_quantity(entry, details)
    if quantity is not None and entry.tranche_id is not None:
        state.quantities[entry.tranche_id] = (quantity, entry.seq)
    if entry.action in MOVEMENT_OF and _whole(details.get("quantity")):
        state.movements.append(_movement(entry, details))
    if entry.action == HistoryAction.CORPORATE_ACTION_CONFIRMED or (
        entry.action == HistoryAction.DIVIDEND_PASSED_THROUGH and details.get("rebases")
    ):
        state.movements.extend(_rebases(entry, details))
    if entry.action in REPORTS and entry.tranche_id is not None:
        state.revenues[entry.tranche_id] = (details.get("audited_revenue"), entry.seq)
    if entry.action == HistoryAction.RELEASE_PREPARED and entry.tranche_id is not None:
        state.preparers[entry.tranche_id] = (entry.actor_id, entry.seq)
    if entry.action in ISSUED:
        state.issued[details.get("document_sha256")] = (entry.seq, entry.tranche_id, details.get("quantity"))
    if entry.action == HistoryAction.SIGNED:
        state.signed[(details.get("instrument"), entry.actor_id)] = (entry.seq, details.get("document_sha256"))


def _recorded_quantity(entry, details):
    """The tranche's release quantity as last fixed: computed (SPA 5.2), changed by a settlement, award or
    adjustment (EA 3.3, SPA 5.3), or put in a joint instruction (EA 3.1(b))."""
    if entry.action == HistoryAction.QUANTITY_COMPUTED:
        return (details.get("calculation") or {}).get("total_release")
    if entry.action in (HistoryAction.QUANTITY_CHANGED, HistoryAction.JOINT_INSTRUCTION_ISSUED):
        return details.get("quantity")
    return None


def _whole(value):
    # A release of 0 shares (or a return with nothing left) moves nothing: no ledger row is written.
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _movement(entry, details):
    kind = MOVEMENT_OF[entry.action]
    return Movement(
        seq=entry.seq,
        action=entry.action,
        kind=kind,
        tranche_id=entry.tranche_id,
        quantity=details["quantity"],
        reference=str(details.get(REFERENCE_KEY.get(entry.action, "reference"), "") or ""),
        actor_id=entry.actor_id,
        at=entry.at,
    )


def _rebases(entry, details):
    """Issue 14 items 2, 4: a confirmed split or consolidation records one signed `rebase` per tranche it changed,
    and a stock dividend's new shares received one per tranche they were added to."""
    for item in details["rebases"]:
        quantity = item["quantity"]
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity == 0:
            raise ValueError("a rebase is a whole, non-zero number of shares")
        yield Movement(
            seq=entry.seq,
            action=entry.action,
            kind=ShareMovement.Kind.REBASE,
            tranche_id=item["tranche"],
            quantity=quantity,
            reference=str(details.get("reference") or ""),
            actor_id=entry.actor_id,
            at=entry.at,
        )


def entries_of(deal):
    return HistoryEntry.objects.filter(chain__key=chain_key_for(deal)).order_by("seq")


def differences(deal) -> Iterator[Difference]:
    """Every mismatch between the deal's rows and its history, ledger first."""
    state = replay(entries_of(deal).iterator())
    for seq in state.unreadable:
        yield Difference(deal.slug, f"history entry #{seq} has details its action never writes")
    for check in (_terms, _ledger, _balances, _deal_state, _tranches, _signatures):
        for problem in check(deal, state):
            yield Difference(deal.slug, problem)


def first_difference(deal) -> Difference | None:
    return next(differences(deal), None)


def reconcile(deals=None) -> list:
    """The first difference of each deal that has one (all deals when `deals` is None)."""
    deals = Deal.objects.order_by("pk") if deals is None else deals
    return [found for deal in deals if (found := first_difference(deal)) is not None]


# --- the checks: each yields plain English problems (the record stays English, like the history) ---


def _terms(deal, state):
    if state.total_shares is not None and state.total_shares != deal.total_shares:
        yield (
            f"the deal holds {deal.total_shares:,} consideration shares; "
            f"its creation entry says {_n(state.total_shares)}"
        )
    for key, value in sorted(state.policies.items()):
        if getattr(deal, key, value) != value:
            yield f"the deal reads policy {key} as {getattr(deal, key)!r}; its creation entry says {value!r}"


def _ledger(deal, state):
    """EA 4.2: besides deposit, release, return and a rebase (a split, a consolidation, a stock dividend's new
    shares), nothing moves escrowed shares; each has its entry."""
    rows = list(ShareMovement.objects.filter(deal=deal).order_by("pk"))
    rows += list(ShareMovement.objects.filter(tranche__deal=deal).exclude(deal=deal).order_by("pk"))
    unmatched = {row.pk: row for row in rows}
    for expected in state.movements:
        row = next(
            (r for r in unmatched.values() if r.kind == expected.kind and r.tranche_id == expected.tranche_id), None
        )
        if row is None:
            yield (
                f"history entry #{expected.seq} ({expected.action}) records {expected.quantity:,} shares, "
                f"but the ledger has no {expected.kind} movement for it"
            )
            continue
        del unmatched[row.pk]
        yield from _movement_problems(deal, row, expected)
    for row in unmatched.values():
        yield f"ledger movement {_describe(row)} has no history entry"


def _movement_problems(deal, row, expected):
    where = f"ledger movement {_describe(row)}"
    if row.deal_id != deal.pk:
        yield f"{where} names another deal (#{row.deal_id}); history entry #{expected.seq} puts it on this one"
    if row.quantity != expected.quantity:
        yield f"{where} is {row.quantity:,} shares; history entry #{expected.seq} says {expected.quantity:,}"
    if row.reference != expected.reference:
        yield f"{where} has reference {row.reference!r}; history entry #{expected.seq} says {expected.reference!r}"
    if abs(row.recorded_at - expected.at) > SAME_MOMENT:
        yield (
            f"{where} is dated {row.recorded_at.isoformat()}; "
            f"history entry #{expected.seq} is dated {expected.at.isoformat()}"
        )
    if row.recorded_by_id != expected.actor_id:
        yield (
            f"{where} was recorded by person #{row.recorded_by_id}; "
            f"history entry #{expected.seq} says #{expected.actor_id}"
        )


def _n(value):
    return f"{value:,}" if isinstance(value, int) else repr(value)


def _describe(row):
    year = f", tranche #{row.tranche_id}" if row.tranche_id else ""
    return f"#{row.pk} ({row.kind} of {row.quantity:,} shares{year})"


def _balances(deal, state):
    """RULES.md: in escrow + released + returned = deposited + rebased; no count is negative."""
    ledger = ShareMovement.objects.filter(deal=deal).balances()
    recorded = {"deposited": 0, "rebased": 0, "released": 0, "returned": 0}
    names = {
        ShareMovement.Kind.DEPOSIT: "deposited",
        ShareMovement.Kind.RELEASE: "released",
        ShareMovement.Kind.REBASE: "rebased",
    }
    for movement in state.movements:
        recorded[names.get(movement.kind, "returned")] += movement.quantity
    for name, total in recorded.items():
        if ledger[name] != total:
            yield f"the ledger says {ledger[name]:,} shares {name}; the history's total is {total:,}"
    if ledger["in_escrow"] < 0:
        yield f"the ledger's balance in escrow is negative ({ledger['in_escrow']:,})"


def _deal_state(deal, state):
    if deal.state != state.deal_state:
        yield f"the deal is {deal.state}; its history ends in {state.deal_state}"


def _tranches(deal, state):
    tranches = {t.pk: t for t in deal.tranches.order_by("year")}
    for pk, seq in sorted(state.tranches_seen.items(), key=lambda item: item[1]):
        if pk not in tranches:
            yield f"history entry #{seq} concerns tranche #{pk}, which is not one of this deal's"
    for tranche in tranches.values():
        expected, seq = state.tranche_states.get(tranche.pk, (TrancheState.SCHEDULED, None))
        if tranche.state != expected:
            since = f" (entry #{seq})" if seq else " (no transition recorded)"
            yield f"year {tranche.year} is {tranche.state}; its history ends in {expected}{since}"
        yield from _tranche_figures(tranche, state)


def _tranche_figures(tranche, state):
    """The figures a release is made from: the quantity (SPA 5.2, EA 3.3, SPA 5.3), the audited revenue later
    years' offsets read (SPA 5.2(2)), the state a hold returns to (SPA 8.1) and the officer who prepared it
    (EA 3.2 four eyes)."""
    quantity, seq = state.quantities.get(tranche.pk, (None, None))
    if tranche.release_quantity != quantity:
        recorded = f"history entry #{seq} fixed {_n(quantity)}" if seq else "its history fixed none"
        yield f"year {tranche.year} would release {_n(tranche.release_quantity)} shares; {recorded}"
    revenue, seq = state.revenues.get(tranche.pk, (None, None))
    if _amount(revenue) != tranche.audited_revenue:
        recorded = f"history entry #{seq} says {revenue}" if seq else "its history has no report"
        yield f"year {tranche.year} has audited revenue {tranche.audited_revenue}; {recorded}"
    held, seq = state.held_from.get(tranche.pk, ("", None))
    if tranche.state_before_hold != held:
        yield (
            f"year {tranche.year} would return to {tranche.state_before_hold or 'nothing'} after its hold; "
            f"history entry #{seq} says {held or 'nothing'}"
        )
    if tranche.state == TrancheState.RELEASE_PREPARED:
        preparer, seq = state.preparers.get(tranche.pk, (None, None))
        if tranche.prepared_by_id != preparer:
            yield (
                f"year {tranche.year} names person #{tranche.prepared_by_id} as the preparing officer; "
                f"history entry #{seq} says #{preparer}"
            )


def _amount(value):
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return value


def _signatures(deal, state):
    """A signature covers the exact bytes its instrument was issued with, and has its `signed` entry."""
    signatures = Signature.objects.filter(instrument__tranche__deal=deal).select_related("instrument__document")
    found = set()
    for signature in signatures.order_by("pk"):
        instrument = signature.instrument
        where = f"signature #{signature.pk} on instrument #{instrument.pk}"
        document_hash = instrument.document.sha256
        if signature.sha256 != document_hash:
            yield f"{where} covers {signature.sha256[:12]}, but the instrument's document is {document_hash[:12]}"
        issued = state.issued.get(document_hash)
        if issued is None:
            yield f"instrument #{instrument.pk}'s document {document_hash[:12]} was never issued in the history"
        elif issued[2] != instrument.quantity:
            yield (
                f"instrument #{instrument.pk} says {instrument.quantity:,} shares; "
                f"history entry #{issued[0]} says {_n(issued[2])}"
            )
        recorded = state.signed.get((instrument.pk, signature.signer_id))
        found.add((instrument.pk, signature.signer_id))
        if recorded is None:
            yield f"{where} by person #{signature.signer_id} has no signed entry in the history"
        elif recorded[1] != signature.sha256:
            yield f"{where} covers {signature.sha256[:12]}; history entry #{recorded[0]} says {str(recorded[1])[:12]}"
    for key in sorted(set(state.signed) - found, key=lambda k: state.signed[k][0]):
        yield f"history entry #{state.signed[key][0]} records a signature on instrument #{key[0]} that is not on record"
