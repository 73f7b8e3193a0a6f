"""Issue 10 item 4: the history's hashes are keyed (HMAC-SHA256, key from the environment, never in the database).

The insider here owns the database: switches the triggers off (session_replication_role, a superuser's
power), edits an entry and recomputes every hash after it so that each entry links to the previous one
again. Without the key the recomputed hashes cannot verify: plain SHA-256, a guessed key, an unconfigured
key id, or an older key than the chain already moved to are each named by verify_history.
"""

import hashlib
import hmac
import io
import json

import pytest
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test import override_settings

from escrow.history import chain as history
from escrow.history.chain import GENESIS, chain_key_for, entry_content, verify_chain
from escrow.models import HistoryAction, HistoryChain, HistoryEntry

pytestmark = pytest.mark.django_db

DEMO_KEYS = {"demo": "demo-history-key-NOT-FOR-PRODUCTION"}


def payload(entry) -> bytes:
    """What the insider can rebuild from the code: the previous hash and the entry's canonical content."""
    content = json.dumps(entry_content(entry), sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return (entry.prev_hash + content).encode()


def plain_sha256(entry):
    return hashlib.sha256(payload(entry)).hexdigest()


def hmac_with(secret):
    return lambda entry: hmac.new(secret.encode(), payload(entry), hashlib.sha256).hexdigest()


def rewrite(chain, *, from_seq, hash_with, key_id=None, edit=None):
    """Edit entry #from_seq (when `edit` is given), then recompute every hash from there to the head, each
    entry linked to the one before it, and move the head to match: a self-consistent forged chain."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # superuser: triggers off
    before = chain.entries.filter(seq=from_seq - 1).first()
    prev = before.hash if before else GENESIS
    for entry in chain.entries.filter(seq__gte=from_seq).order_by("seq"):
        if edit and entry.seq == from_seq:
            edit(entry)
        if key_id is not None:
            entry.key_id = key_id
        entry.prev_hash = prev
        entry.hash = hash_with(entry)
        entry.save()
        prev = entry.hash
    HistoryChain.objects.filter(pk=chain.pk).update(head_hash=prev)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")
    return HistoryChain.objects.get(pk=chain.pk)


def run_verify(*args):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_history", *args, stdout=out)
        raise SystemExit(0)
    return exit_info.value.code, out.getvalue()


def more_shares(entry):
    entry.details = {**entry.details, "quantity": "15000001"}


@pytest.fixture
def chain(require_postgres, deposited):
    return HistoryChain.objects.get(key=chain_key_for(deposited))


def test_every_entry_is_hmac_keyed_with_the_current_key(chain, settings):
    entries = list(chain.entries.order_by("seq"))
    assert entries and {e.key_id for e in entries} == {settings.HISTORY_HMAC_CURRENT}
    secret = settings.HISTORY_HMAC_KEYS[settings.HISTORY_HMAC_CURRENT]
    for entry in entries:
        assert entry.hash == hmac_with(secret)(entry)  # an independent computation of the keyed hash
        assert entry.hash != plain_sha256(entry)
    assert verify_chain(chain).ok


def test_the_key_never_lives_in_the_database(chain, settings):
    secret = settings.HISTORY_HMAC_KEYS[settings.HISTORY_HMAC_CURRENT]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM escrow_historyentry WHERE row_to_json(escrow_historyentry)::text LIKE %s",
            [f"%{secret}%"],
        )
        assert cursor.fetchone()[0] == 0


def test_an_insider_recomputing_with_plain_sha256_is_caught(chain, deposited):
    deposit = chain.entries.get(action=HistoryAction.DEPOSIT_CONFIRMED)
    forged = rewrite(chain, from_seq=deposit.seq, hash_with=plain_sha256, edit=more_shares)
    check = verify_chain(forged)
    assert not check.ok and check.bad_seq == deposit.seq and "was altered" in check.problem
    code, out = run_verify("--deal", deposited.slug)
    assert code == 1 and f"first bad entry #{deposit.seq}" in out


def test_an_insider_relabelling_entries_as_plain_sha256_is_caught(chain):
    """Plain SHA-256 (key id "") is how entries from before the keys are hashed; after a keyed entry it is a
    rewrite, and a chain made plain from its first entry has no keyed entry sealing it."""
    deposit = chain.entries.get(action=HistoryAction.DEPOSIT_CONFIRMED)
    forged = rewrite(chain, from_seq=deposit.seq, hash_with=plain_sha256, key_id="", edit=more_shares)
    check = verify_chain(forged)
    assert not check.ok and check.bad_seq == deposit.seq and "plain SHA-256 after keyed entries" in check.problem
    forged = rewrite(forged, from_seq=1, hash_with=plain_sha256, key_id="")
    check = verify_chain(forged)
    assert not check.ok and check.bad_seq == 1 and "which anyone can recompute" in check.problem


def test_an_insider_with_a_guessed_key_is_caught(chain):
    deposit = chain.entries.get(action=HistoryAction.DEPOSIT_CONFIRMED)
    forged = rewrite(chain, from_seq=deposit.seq, hash_with=hmac_with("guessed-key"), edit=more_shares)
    check = verify_chain(forged)
    assert not check.ok and check.bad_seq == deposit.seq and "was altered" in check.problem
    forged = rewrite(forged, from_seq=deposit.seq, hash_with=hmac_with("guessed-key"), key_id="mine")
    check = verify_chain(forged)
    assert not check.ok and check.bad_seq == deposit.seq
    assert "names key 'mine', which is not configured" in check.problem


def test_the_hash_covers_the_previous_hash_the_actor_and_the_details(chain):
    """Each part changed alone, with the link kept, no longer matches its hash."""
    entry = chain.entries.exclude(actor=None).order_by("seq").last()
    original = history.compute_hash(entry)
    for change in (
        lambda e: setattr(e, "prev_hash", "f" * 64),
        lambda e: setattr(e, "actor_id", None),
        lambda e: setattr(e, "details", {**e.details, "x": 1}),
    ):
        changed = HistoryEntry.objects.get(pk=entry.pk)
        change(changed)
        assert history.compute_hash(changed) != original


def test_rotation_keeps_old_entries_valid_and_keys_only_move_forward(chain, deposited, people):
    rotated = {"k2": "second-key-for-the-rotation-test", **DEMO_KEYS}  # newest first
    with override_settings(HISTORY_HMAC_KEYS=rotated, HISTORY_HMAC_CURRENT="k2"):
        for summary in ("first with k2", "second with k2"):
            entry = history.record(deposited, action=HistoryAction.SUSPENDED, actor=people["issuer"], summary=summary)
            assert entry.key_id == "k2"
        rotated_chain = HistoryChain.objects.get(pk=chain.pk)
        assert verify_chain(rotated_chain).ok, "entries of the old key still verify"
        assert run_verify("--deal", deposited.slug)[0] == 0
        # Back to the old key after the new one: someone holding only the retired key rewrote the tail.
        # (Had no entry of the new key been written yet, the signed checkpoints would catch it: test_checkpoints.)
        forged = rewrite(rotated_chain, from_seq=entry.seq, hash_with=hmac_with(DEMO_KEYS["demo"]), key_id="demo")
        check = verify_chain(forged)
        assert not check.ok and check.bad_seq == entry.seq and "older than 'k2'" in check.problem
    with override_settings(HISTORY_HMAC_KEYS={"k2": rotated["k2"]}, HISTORY_HMAC_CURRENT="k2"):
        check = verify_chain(HistoryChain.objects.get(pk=chain.pk))
        assert not check.ok and check.bad_seq == 1 and "'demo', which is not configured" in check.problem


def test_entries_from_before_the_keys_verify_once_a_keyed_entry_seals_them(require_postgres, monkeypatch, settings):
    """Legacy entries (key id "", plain SHA-256) verify while the setting accepts them, and for good once a
    keyed entry follows them: its HMAC covers their head hash."""
    monkeypatch.setattr(history, "current_key_id", lambda: "")
    for n in range(3):
        history.append("legacy", action=HistoryAction.LOGIN, summary=f"before the keys {n}")
    monkeypatch.undo()
    legacy = HistoryChain.objects.get(key="legacy")
    assert set(legacy.entries.values_list("key_id", flat=True)) == {""}
    check = verify_chain(legacy)
    assert not check.ok and "plain SHA-256" in check.problem and check.bad_seq == 1
    settings.HISTORY_ACCEPT_PLAIN_SHA256 = True
    assert verify_chain(legacy).ok
    settings.HISTORY_ACCEPT_PLAIN_SHA256 = False
    history.append("legacy", action=HistoryAction.LOGIN, summary="after the keys")
    assert verify_chain(HistoryChain.objects.get(key="legacy")).ok
