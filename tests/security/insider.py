"""What a hostile database operator can type at a psql prompt, and the verification that must notice it.

The operator owns the tables (or is a superuser): they can switch the append-only triggers off, edit, delete,
insert and truncate, and then recompute the hash chain. They read the code, so they know how an entry's hash
is made, but not the HMAC key, which lives in the environment and never in the database (issue 10 item 4):
their recompute is plain SHA-256 of the previous hash and the canonical JSON of the entry, written here, not
through escrow.history.chain (which has the key).
"""

import hashlib
import io
import json
from contextlib import contextmanager
from datetime import UTC

import pytest
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction

from escrow.models import HistoryChain, HistoryEntry

RECORD_TABLES = (
    "escrow_historyentry",
    "escrow_historychain",
    "escrow_sharemovement",
    "escrow_transferevidence",  # the transfer agent's record of each movement references it
)


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def operator_sql(statement, params=()):
    """One statement in its own savepoint; returns the database's refusal, or None when it went through."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # A psql session has no deferred foreign-key checks pending (the test's transaction has).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(statement, params)
    except DatabaseError as refusal:
        return str(refusal)
    return None


@contextmanager
def triggers_off(*tables):
    """The owner switches the append-only triggers off (ALTER TABLE ... DISABLE TRIGGER USER), and back on."""
    tables = tables or RECORD_TABLES
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    for table in tables:
        sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        for table in tables:
            sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def insider_content(entry) -> dict:
    """The fields the hash covers, as the insider reads them in the source."""
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


def insider_hash(prev_hash, entry) -> str:
    payload = json.dumps(insider_content(entry), sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def rehash_chain(chain_key, *, from_seq=1, downgrade=False):
    """With the triggers off, recompute the hashes of the chain from entry `from_seq` to its head, in order
    (plain SHA-256: no key), renumbering any gap, and move its head; `downgrade` also marks those entries as
    plain SHA-256 (key id ""), like entries from before the keys."""
    chain = HistoryChain.objects.get(key=chain_key)
    entries = list(HistoryEntry.objects.filter(chain=chain).order_by("seq"))
    kept = [e for e in entries if e.seq < from_seq]
    prev, seq = (kept[-1].hash if kept else "0" * 64), len(kept)
    has_key_id = any(f.name == "key_id" for f in HistoryEntry._meta.fields)
    for entry in entries[len(kept) :]:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        digest = insider_hash(prev, entry)
        sets = "seq = %s, prev_hash = %s, hash = %s" + (", key_id = ''" if downgrade and has_key_id else "")
        sql(f"UPDATE escrow_historyentry SET {sets} WHERE id = %s", [seq, prev, digest, entry.pk])
        prev = digest
    sql("UPDATE escrow_historychain SET length = %s, head_hash = %s WHERE id = %s", [seq, prev, chain.pk])


def edit_details(entry, **changes):
    """The owner rewrites an entry's details in SQL (triggers off)."""
    details = dict(entry.details, **changes)
    sql("UPDATE escrow_historyentry SET details = %s::jsonb WHERE id = %s", [json.dumps(details), entry.pk])


def run_verify(*args):
    """verify_history's exit code and output."""
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_history", *args, stdout=out)
        raise SystemExit(0)
    return exit_info.value.code, out.getvalue()
