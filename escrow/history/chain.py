"""Appending to and verifying the hash-chained history (DESIGN.md: DealEvent).

An entry's hash is SHA-256 over the canonical JSON of its content and the previous entry's hash.
Appending locks the chain head row, so two writers never produce two entries at one position.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from escrow.models import HistoryAction, HistoryChain, HistoryEntry

GENESIS = "0" * 64
ACCOUNTS_CHAIN = "accounts"  # people: sign-ins, people added, moved or deactivated
REFERENCE_CHAIN = "reference"  # what every deal reads: organisations, share prices, calendar overrides


def chain_key_for(deal):
    return f"deal:{deal.pk}"


def entry_content(entry) -> dict:
    """The fields the hash covers, in a stable form."""
    return {
        "chain": entry.chain.key,
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "acting_for": entry.acting_for,
        "deal": entry.deal_id,
        "tranche": entry.tranche_id,
        "action": entry.action,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "clause": entry.clause,
        "summary": entry.summary,
        "details": entry.details,
    }


def compute_hash(entry) -> str:
    payload = json.dumps(entry_content(entry), sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256((entry.prev_hash + payload).encode()).hexdigest()


def _normalise(details):
    # Store exactly what the hash saw (dates and Decimals become strings once, here).
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


@transaction.atomic
def append(chain_key, **fields):
    """Append one entry (the keyword fields of `_chained_entry`) to a chain, its head row locked while
    appending, so two writers never produce two entries at one position."""
    chain, _ = HistoryChain.objects.get_or_create(key=chain_key)
    chain = HistoryChain.objects.select_for_update().get(pk=chain.pk)
    entry = _chained_entry(chain, timezone.now(), **fields)
    entry.save()
    HistoryChain.objects.filter(pk=chain.pk).update(length=entry.seq, head_hash=entry.hash)
    return entry


def record(deal, *, action, actor=None, acting_for="", tranche=None, **kwargs):
    """Append to the deal's chain (every transition, signature, upload, role change)."""
    return append(
        chain_key_for(deal), action=action, actor=actor, acting_for=acting_for, deal=deal, tranche=tranche, **kwargs
    )


def record_many(items):
    """Batched `record`: items are (deal, kwargs of `record`). For the sweep (thousands of deals)."""
    return append_many([dict(kwargs, chain_key=chain_key_for(deal), deal=deal) for deal, kwargs in items])


@transaction.atomic
def append_many(items):
    """Append many entries in a fixed number of queries: all needed chain heads are created if
    missing and locked in one query (in key order, so two batches never deadlock), entries are
    inserted in one bulk insert, and the heads are moved in one bulk update."""
    if not items:
        return []
    keys = sorted({item["chain_key"] for item in items})
    HistoryChain.objects.bulk_create([HistoryChain(key=k) for k in keys], ignore_conflicts=True)
    chains = {c.key: c for c in HistoryChain.objects.select_for_update().filter(key__in=keys).order_by("key")}
    now, entries = timezone.now(), []
    for item in items:
        fields = dict(item)
        chain = chains[fields.pop("chain_key")]
        entries.append(_chained_entry(chain, now, **fields))
    HistoryEntry.objects.bulk_create(entries)
    _move_heads(list(chains.values()))
    return entries


def _move_heads(chains):
    """One UPDATE for all chain heads: from a VALUES list on PostgreSQL (Django's bulk_update builds a
    CASE per row, slow for thousands); bulk_update elsewhere (the SQLite demo)."""
    if connection.vendor != "postgresql":
        HistoryChain.objects.bulk_update(chains, ["length", "head_hash"])
        return
    rows = ", ".join(["(%s::bigint, %s::bigint, %s)"] * len(chains))
    with connection.cursor() as cursor:
        cursor.execute(
            # The table name is the model's own and every value is a parameter: nothing comes from input.
            f"UPDATE {HistoryChain._meta.db_table} AS c SET length = v.length, head_hash = v.head_hash "  # noqa: S608
            f"FROM (VALUES {rows}) AS v(id, length, head_hash) WHERE c.id = v.id",
            [x for c in chains for x in (c.pk, c.length, c.head_hash)],
        )


def _chained_entry(
    chain,
    at,
    *,
    action,
    actor=None,
    acting_for="",
    deal=None,
    tranche=None,
    from_state="",
    to_state="",
    clause="",
    summary="",
    details=None,
):
    """The next entry of a locked chain, hashed; the chain head moves in memory only."""
    entry = HistoryEntry(
        chain=chain,
        seq=chain.length + 1,
        at=at,
        actor=actor,
        actor_name=str(actor) if actor else "",
        acting_for=acting_for,
        deal=deal,
        tranche=tranche,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        clause=clause,
        summary=summary,
        details=_normalise(details),
        prev_hash=chain.head_hash,
    )
    entry.hash = compute_hash(entry)
    chain.length, chain.head_hash = entry.seq, entry.hash
    return entry


def record_account_event(action, *, actor=None, details=None, summary=None):
    return append(
        ACCOUNTS_CHAIN,
        action=action,
        actor=actor,
        clause="",
        details=details,
        summary=summary or f"{action} {actor or (details or {}).get('username', '')}".strip(),
    )


def record_reference_event(action, *, actor, summary, clause="", details=None):
    """Reference data that deals read (organisations, share prices, calendar overrides): one chain."""
    return append(REFERENCE_CHAIN, action=action, actor=actor, clause=clause, summary=summary, details=details)


@dataclass
class ChainCheck:
    key: str
    length: int
    head_hash: str
    ok: bool
    problem: str = ""
    bad_seq: int | None = None


def missing_chain(deal) -> ChainCheck:
    """A deal without a chain lost its whole history (a TRUNCATE, or rows removed with triggers off): every
    deal has one from its creation (DESIGN.md: DealEvent), so this is broken, never "nothing to check"."""
    return ChainCheck(chain_key_for(deal), 0, GENESIS, False, f"deal {deal.slug} has no history chain", 1)


def verify_chain(chain, *, saved_head: tuple[int, str] | None = None) -> ChainCheck:
    """Walk a chain from its first entry. saved_head=(seq, hash) from an export catches truncation.
    A deal's chain must start with the deal's creation: an empty one, or one whose first entry is anything
    else, lost its beginning."""
    prev, expected_seq, seen = GENESIS, 1, {}
    is_deal = chain.key.startswith("deal:")
    for entry in chain.entries.order_by("seq").iterator():
        problem = _entry_problem(entry, prev, expected_seq)
        if not problem and is_deal and entry.seq == 1 and entry.action != HistoryAction.DEAL_CREATED:
            problem = f"entry #1 is {entry.action}, not {HistoryAction.DEAL_CREATED}: the chain lost its beginning"
        if problem:
            return ChainCheck(chain.key, expected_seq - 1, prev, False, problem, expected_seq)
        seen[entry.seq] = entry.hash
        prev, expected_seq = entry.hash, expected_seq + 1
    length = expected_seq - 1
    if is_deal and length == 0:
        return ChainCheck(chain.key, 0, prev, False, "the deal's chain is empty (its history was removed)", 1)
    if chain.length != length or chain.head_hash != prev:
        return ChainCheck(
            chain.key,
            length,
            prev,
            False,
            f"the chain head says {chain.length} entries ending {chain.head_hash[:12]}, "
            f"the entries end at #{length} {prev[:12]}",
            length + 1,
        )
    if saved_head:
        seq, head = saved_head
        if seen.get(seq) != head:
            where = "is missing (the log was truncated)" if seq > length else "has a different hash"
            return ChainCheck(
                chain.key, length, prev, False, f"saved head #{seq} {head[:12]} {where}", min(seq, length + 1)
            )
    return ChainCheck(chain.key, length, prev, True)


def _entry_problem(entry, prev, expected_seq):
    if entry.seq != expected_seq:
        return f"entry #{expected_seq} is missing (next is #{entry.seq})"
    if entry.prev_hash != prev:
        return f"entry #{entry.seq} does not link to the previous entry"
    if compute_hash(entry) != entry.hash:
        return f"entry #{entry.seq} ({entry.action}) was altered: its content does not match its hash"
    return ""
