"""Appending to and verifying the hash-chained history (DESIGN.md: DealEvent).

An entry's hash is HMAC-SHA256, keyed with a secret from the environment (settings.HISTORY_HMAC_KEYS, never
in the database), over the previous entry's hash and the canonical JSON of its content (issue 10 item 4): a
database owner who edits an entry and recomputes the chain cannot produce hashes that verify. Each entry names
its key (key_id), so a rotated key keeps verifying what it hashed. Entries from before the keys have key id ""
(plain SHA-256); see `_KeyWalk` for when those still verify (docs/deployment.md "Keys").
Appending locks the chain head row, so two writers never produce two entries at one position.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from escrow.models import HistoryAction, HistoryChain, HistoryEntry
from escrow.models.bulk import JsonText, any_of, array_literal, copy_rows_with_ids
from parties.client import current_channel

GENESIS = "0" * 64
ACCOUNTS_CHAIN = "accounts"  # people: sign-ins, people added, moved or deactivated
REFERENCE_CHAIN = "reference"  # what every deal reads: organisations, share prices, calendar overrides


def chain_key_for(deal):
    return f"deal:{deal.pk}"


def entry_content(entry) -> dict:
    """The fields the hash covers, in a stable form."""
    return _content(entry.chain.key, {name: getattr(entry, name) for name in _HASHED})


_HASHED = [
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "acting_for",
    "deal_id",
    "tranche_id",
    "action",
    "from_state",
    "to_state",
    "clause",
    "summary",
    "details",
]


def _content(chain_key, row) -> dict:
    """`entry_content` of an entry's column values ({attname: value}), for an entry not made a model object."""
    return {
        "chain": chain_key,
        "seq": row["seq"],
        "at": row["at"].astimezone(UTC).isoformat(),
        "actor": row["actor_id"],
        "actor_name": row["actor_name"],
        "acting_for": row["acting_for"],
        "deal": row["deal_id"],
        "tranche": row["tranche_id"],
        "action": row["action"],
        "from_state": row["from_state"],
        "to_state": row["to_state"],
        "clause": row["clause"],
        "summary": row["summary"],
        "details": row["details"],
    }


def compute_hash(entry) -> str:
    """HMAC-SHA256 with the entry's key over prev_hash + content; plain SHA-256 for key id "" (legacy)."""
    return _digest(entry.prev_hash, entry_content(entry), entry.key_id)


def _digest(prev_hash, content, key_id) -> str:
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    message = (prev_hash + payload).encode()
    if not key_id:
        return hashlib.sha256(message).hexdigest()
    return hmac.digest(_secret(key_id), message, "sha256").hex()  # hmac.new(...).hexdigest(), in one call


def current_key_id() -> str:
    key_id = settings.HISTORY_HMAC_CURRENT
    if not key_id or key_id not in settings.HISTORY_HMAC_KEYS:
        raise ImproperlyConfigured(f"HISTORY_HMAC_CURRENT ({key_id!r}) is not one of HISTORY_HMAC_KEYS")
    if len(key_id) > 20 or not settings.HISTORY_HMAC_KEYS[key_id]:
        raise ImproperlyConfigured(f"HISTORY_HMAC_KEYS: key {key_id!r} needs a secret and an id of up to 20 characters")
    return key_id


def _secret(key_id) -> bytes:
    return settings.HISTORY_HMAC_KEYS[key_id].encode()


def _key_rank(key_id) -> int:
    """Keys are listed newest first: a larger rank is a newer key."""
    keys = list(settings.HISTORY_HMAC_KEYS)
    return len(keys) - keys.index(key_id)


def _normalise(details):
    # Store exactly what the hash saw (dates and Decimals become strings once, here).
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


def _normalised(details) -> tuple:
    """(`_normalise(details)`, its JSON text for the COPY: the same value, dumped once, not again per row)."""
    text = json.dumps(details or {}, cls=DjangoJSONEncoder)
    return json.loads(text), JsonText(text)


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
    """Append many entries in a fixed number of queries: all needed chain heads are locked in one query
    (in key order, so two batches never deadlock; missing ones are created first), the entries are
    written in one COPY (escrow.models.bulk: Django's per-value preparation was most of the sweep's
    time), and the heads are moved in one UPDATE. Each entry is a row of column values, hashed as
    `_chained_entry` hashes a model object (same content, same key), never made a model object itself
    (issue 13 item 4: thousands per sweep). Returns the new entries' ids, in order."""
    if not items:
        return []
    chains = _lock_heads(sorted({item["chain_key"] for item in items}))
    now, key_id, rows = timezone.now(), current_key_id(), []
    for item in items:
        chain = chains[item["chain_key"]]
        row = _entry_row(chain, now, key_id, item)
        chain.length, chain.head_hash = row["seq"], row["hash"]
        row["details"] = row.pop("details_json")  # what the hash saw, as JSON text
        rows.append(tuple(row[name] for name in ENTRY_FIELDS))
    ids = copy_rows_with_ids(HistoryEntry, ENTRY_FIELDS, rows, skip_taken=False)
    _move_heads(list(chains.values()))
    return ids


def _entry_row(chain, at, key_id, item) -> dict:
    """The column values of a locked chain's next entry (the keyword fields of `_chained_entry`), hashed."""
    actor, deal, tranche = item.get("actor"), item.get("deal"), item.get("tranche")
    details, details_json = _normalised(_with_channel(item.get("details")))
    row = {
        "chain_id": chain.pk,
        "seq": chain.length + 1,
        "at": at,
        "actor_id": actor.pk if actor else None,
        "actor_name": str(actor) if actor else "",
        "acting_for": item.get("acting_for", ""),
        "deal_id": deal.pk if deal is not None else None,
        "tranche_id": tranche.pk if tranche is not None else None,
        "action": item["action"],
        "from_state": item.get("from_state") or "",
        "to_state": item.get("to_state") or "",
        "clause": item.get("clause", ""),
        "summary": item.get("summary", ""),
        "details": details,
        "prev_hash": chain.head_hash,
        "key_id": key_id,
    }
    unknown = set(item) - _ITEM_FIELDS
    if unknown:
        raise TypeError(f"append_many: unknown entry fields {sorted(unknown)}")
    row["hash"] = _digest(row["prev_hash"], _content(chain.key, row), key_id)
    row["details_json"] = details_json
    return row


_ITEM_FIELDS = {
    "chain_key",
    "action",
    "actor",
    "acting_for",
    "deal",
    "tranche",
    "from_state",
    "to_state",
    "clause",
    "summary",
    "details",
}


ENTRY_FIELDS = [f.attname for f in HistoryEntry._meta.concrete_fields if not f.primary_key]


def _lock_heads(keys) -> dict:
    """{key: HistoryChain} locked, in key order; a head is created first where a chain has none yet."""
    heads = HistoryChain.objects.select_for_update().filter(key__in=any_of(keys, "text")).order_by("key")
    chains = {c.key: c for c in heads}
    if len(chains) < len(keys):
        missing = [k for k in keys if k not in chains]
        HistoryChain.objects.bulk_create([HistoryChain(key=k) for k in missing], ignore_conflicts=True)
        chains = {c.key: c for c in heads.all()}  # again, with the new heads, still in key order
    return chains


def _move_heads(chains):
    """One UPDATE for all chain heads: from arrays on PostgreSQL (Django's bulk_update builds a CASE per
    row, slow for thousands); bulk_update elsewhere (the SQLite demo)."""
    if connection.vendor != "postgresql":
        HistoryChain.objects.bulk_update(chains, ["length", "head_hash"])
        return
    with connection.cursor() as cursor:
        cursor.execute(
            # The table name is the model's own and every value is a parameter: nothing comes from input.
            f"UPDATE {HistoryChain._meta.db_table} AS c SET length = v.length, head_hash = v.head_hash "  # noqa: S608
            "FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS v(id, length, head_hash) WHERE c.id = v.id",
            # one text each (bulk.array_literal), not quoted element by element
            [
                array_literal([c.pk for c in chains]),
                array_literal([c.length for c in chains]),
                array_literal([c.head_hash for c in chains]),
            ],
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
        details=_normalise(_with_channel(details)),
        prev_hash=chain.head_hash,
        key_id=current_key_id(),
    )
    entry.hash = compute_hash(entry)
    chain.length, chain.head_hash = entry.seq, entry.hash
    return entry


def _with_channel(details):
    """Issue 10 item 3: an action taken with an API token names the token, so every use is attributable.
    Browser sessions and the worker add nothing (the actor already says who)."""
    channel = current_channel()
    if not channel or channel.get("channel") != "api":
        return details
    return {**(details or {}), "channel": "api", "api_token": channel.get("token")}


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
    # Where a walk that found the chain whole ended, to resume from (verify_chain's `since`); None otherwise.
    mark: "Mark | None" = None


@dataclass(frozen=True)
class Mark:
    """A verified prefix of a chain: entries 1..seq linked and hashed right, ending in `hash`, with the
    key walk's state there (the last key id seen, the first plain SHA-256 entry), so a later walk can
    check only the entries appended since (issue 13 item 3)."""

    seq: int
    hash: str
    last_key: str | None
    first_plain: int | None


def missing_chain(deal) -> ChainCheck:
    """A deal without a chain lost its whole history (a TRUNCATE, or rows removed with triggers off): every
    deal has one from its creation (DESIGN.md: DealEvent), so this is broken, never "nothing to check"."""
    return ChainCheck(chain_key_for(deal), 0, GENESIS, False, f"deal {deal.slug} has no history chain", 1)


def verify_chain(
    chain, *, saved_head: tuple[int, str] | None = None, witnessed=(), since: Mark | None = None, entries=None
) -> ChainCheck:
    """Walk a chain from its first entry. saved_head=(seq, hash) from an export catches truncation; witnessed
    is [(seq, hash, who)] from the signed checkpoints, which also catch a chain recomputed with the right key.
    A deal's chain must start with the deal's creation: an empty one, or one whose first entry is anything
    else, lost its beginning. `since`: the Mark of an earlier walk that found the chain whole; only the
    entries after it are walked (the page's check; the full walks of verify_history and the nightly
    verification never pass it). `entries`: the chain's entries after `since` (all of them without it) in seq
    order, when the caller read them already (the history page reads them with the chain row in one query)."""
    if since is not None and (saved_head or witnessed):
        raise ValueError("a saved or witnessed head is checked against the whole chain: walk it from the start")
    prev, expected_seq, seen, keys = GENESIS, 1, {}, _KeyWalk()
    if since is not None:
        prev, expected_seq = since.hash, since.seq + 1
        keys.last_key, keys.first_plain = since.last_key, since.first_plain
    if entries is None:
        entries = chain.entries.order_by("seq")
        entries = (entries.filter(seq__gt=since.seq) if since is not None else entries).iterator()
    is_deal = chain.key.startswith("deal:")
    for entry in entries:
        problem = _entry_problem(entry, prev, expected_seq) or keys.step(entry)
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
    problem = keys.finish()
    if not problem and saved_head:
        problem = _witness_problem(seen, length, [(*saved_head, "saved head")])
    problem = problem or _witness_problem(seen, length, witnessed)
    if problem:
        return ChainCheck(chain.key, length, prev, False, problem[0], problem[1])
    return ChainCheck(chain.key, length, prev, True, mark=Mark(length, prev, keys.last_key, keys.first_plain))


def _witness_problem(seen, length, witnessed):
    """The earliest witnessed head the chain no longer has, as (message, first bad seq), or None.

    Reordered by position, so the message can say after which witnessed entry the chain was rewritten."""
    last_good = None
    for seq, head, who in sorted(witnessed, key=lambda w: w[0]):
        if seen.get(seq) == head:
            last_good = (seq, who)
            continue
        if seq > length:
            return f"{who} #{seq} {head[:12]} is missing (the log was truncated)", length + 1
        since = f"; it matched {last_good[1]} at #{last_good[0]}" if last_good else ""
        return f"{who} #{seq} {head[:12]} has a different hash: an entry up to #{seq} was rewritten{since}", seq
    return None


class _KeyWalk:
    """The key rules along a chain: every key id is configured; keys only move forward (newest first in
    HISTORY_HMAC_KEYS), so nobody rewrites recent entries with a retired key; plain SHA-256 entries (key id "",
    from before the keys) come only before the first keyed entry, and a chain plain to its head verifies only
    while HISTORY_ACCEPT_PLAIN_SHA256 is on: anyone with SQL access can recompute plain hashes."""

    def __init__(self):
        self.last_key, self.first_plain = None, None

    def step(self, entry):
        if not entry.key_id:
            if self.last_key:
                return f"entry #{entry.seq} is plain SHA-256 after keyed entries: it was rewritten without the key"
            self.first_plain = self.first_plain or entry.seq
            return ""
        if entry.key_id not in settings.HISTORY_HMAC_KEYS:
            return f"entry #{entry.seq} names key '{entry.key_id}', which is not configured (HISTORY_HMAC_KEYS)"
        if self.last_key and _key_rank(entry.key_id) < _key_rank(self.last_key):
            return (
                f"entry #{entry.seq} is hashed with key '{entry.key_id}', older than '{self.last_key}' "
                "before it: keys only move forward"
            )
        self.last_key = entry.key_id
        return ""

    def finish(self):
        """(message, first bad seq) when the chain is plain SHA-256 to its head and that is not accepted."""
        if self.first_plain and not self.last_key and not settings.HISTORY_ACCEPT_PLAIN_SHA256:
            message = (
                f"entries from #{self.first_plain} to the head are plain SHA-256, which anyone can recompute "
                "(no keyed entry seals them; HISTORY_ACCEPT_PLAIN_SHA256 is off)"
            )
            return message, self.first_plain
        return None


def _entry_problem(entry, prev, expected_seq):
    if entry.seq != expected_seq:
        return f"entry #{expected_seq} is missing (next is #{entry.seq})"
    if entry.prev_hash != prev:
        return f"entry #{entry.seq} does not link to the previous entry"
    if entry.key_id and entry.key_id not in settings.HISTORY_HMAC_KEYS:
        return ""  # named by _KeyWalk
    if compute_hash(entry) != entry.hash:
        return f"entry #{entry.seq} ({entry.action}) was altered: its content does not match its hash"
    return ""
