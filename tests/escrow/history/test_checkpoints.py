"""Issue 10 item 4: a daily signed checkpoint of every chain's head, held by the parties and timestamped.

The insider here owns the database and, worse, holds the history's HMAC key: they edit an entry written
before a checkpoint and recompute the chain so that every link and every keyed hash verifies again, or they
cut the chain's tail and move its head back. The checkpoint (signed with the platform's key, timestamped by
the local RFC 3161 authority of tests/tsa.py, and in each party's inbox) still names the difference.
"""

import io
import json
import re
from datetime import date

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from escrow.actions.checkpoints import make_checkpoint
from escrow.documents import timestamp
from escrow.documents.platform_key import _self_signed
from escrow.history import chain as history
from escrow.history.chain import chain_key_for, verify_chain
from escrow.models import Checkpoint, HistoryAction, HistoryChain, Notification
from escrow.queries.checkpoints import checkpoint_problem, deal_statement_problem
from tests.escrow.history.test_keyed_hashes import more_shares, rewrite
from tests.tsa import tsa_pair

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 30)
PARTIES = ("issuer", "purchaser", "seller", "agent1", "agent2")


def run_verify(*args):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_history", *args, stdout=out)
        raise SystemExit(0)
    return exit_info.value.code, out.getvalue()


def triggers_off(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # superuser: triggers off
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def statement_in(note) -> dict:
    return json.loads(re.search(r"(\{.*\})\s*$", note.body, re.S).group(1))


@pytest.fixture
def chain(require_postgres, deposited):
    return HistoryChain.objects.get(key=chain_key_for(deposited))


def test_a_checkpoint_is_signed_timestamped_and_in_every_partys_inbox(tsa, chain, deposited, people):
    checkpoint = make_checkpoint(day=DAY)
    heads = {c["chain"]: c for c in json.loads(checkpoint.payload)["chains"]}
    assert set(heads) == set(HistoryChain.objects.values_list("key", flat=True))  # every chain, not only deals
    assert heads[chain.key]["length"] == chain.length and heads[chain.key]["head_hash"] == chain.head_hash
    assert checkpoint_problem(checkpoint) == ""
    assert checkpoint.tsa_url == tsa.url and checkpoint.timestamp_token
    stamp = timestamp.check(checkpoint.timestamp_token, checkpoint.payload.encode())
    assert stamp.problem == "" and stamp.trusted and stamp.at is not None
    for name in PARTIES:
        (note,) = Notification.objects.filter(user=people[name], dedupe_key__startswith="checkpoint:")
        assert note.deal == deposited and "2026-11-30" in note.subject and chain.head_hash in note.body
        statement = statement_in(note)
        assert statement["head_hash"] == chain.head_hash and statement["length"] == chain.length
        assert statement["checkpoint_digest"] == checkpoint.digest and deal_statement_problem(statement) == ""
        assert deal_statement_problem({**statement, "length": chain.length + 1}) != ""
    for name in ("auditor", "compliance"):  # representatives of the contracting parties only
        assert not Notification.objects.filter(user=people[name], dedupe_key__startswith="checkpoint:").exists()
    assert make_checkpoint(day=DAY) == checkpoint  # one a day: a repeated tick makes nothing twice
    assert Notification.objects.filter(dedupe_key__startswith="checkpoint:").count() == len(PARTIES)
    assert run_verify()[0] == 0


def test_the_beat_task_makes_the_days_checkpoint(chain):
    from escrow.tasks import checkpoint as task

    assert task(day=DAY.isoformat()) == Checkpoint.objects.get(day=DAY).digest


def test_an_edit_before_the_checkpoint_recomputed_with_the_right_key_is_caught(tsa, chain, deposited, people):
    make_checkpoint(day=DAY)
    witnessed = chain.length
    history.record(deposited, action=HistoryAction.SUSPENDED, actor=people["issuer"], summary="later")
    deposit = chain.entries.get(action=HistoryAction.DEPOSIT_CONFIRMED)
    forged = rewrite(chain, from_seq=deposit.seq, hash_with=history.compute_hash, edit=more_shares)
    assert verify_chain(forged).ok, "with the key, the rewritten chain verifies link by link"
    code, out = run_verify("--deal", deposited.slug)
    assert code == 1
    assert f"BROKEN  {chain.key}: first bad entry #{witnessed}: the checkpoint of 2026-11-30 #{witnessed}" in out
    assert "has a different hash" in out


def test_a_rewrite_is_placed_between_two_checkpoints(chain, deposited, people):
    make_checkpoint(day=DAY)
    first = chain.length
    history.record(deposited, action=HistoryAction.SUSPENDED, actor=people["issuer"], summary="day two")
    make_checkpoint(day=date(2026, 12, 1))
    victim = HistoryChain.objects.get(pk=chain.pk).length
    forged = rewrite(
        HistoryChain.objects.get(pk=chain.pk),
        from_seq=victim,
        hash_with=history.compute_hash,
        edit=lambda entry: setattr(entry, "summary", "nothing happened"),
    )
    check = verify_chain(forged, witnessed=_witnessed(forged))
    assert not check.ok and check.bad_seq == victim
    assert f"rewritten; it matched the checkpoint of 2026-11-30 at #{first}" in check.problem


def _witnessed(chain):
    from escrow.queries.checkpoints import witnessed_heads

    return witnessed_heads().get(chain.key, ())


def test_a_truncated_chain_is_caught(chain, deposited):
    make_checkpoint(day=DAY)
    witnessed = chain.length
    triggers_off("DELETE FROM escrow_historyentry WHERE chain_id = %s AND seq > %s", [chain.pk, witnessed - 2])
    last = chain.entries.order_by("-seq").first()
    triggers_off(
        "UPDATE escrow_historychain SET length = %s, head_hash = %s WHERE id = %s", [last.seq, last.hash, chain.pk]
    )
    assert verify_chain(HistoryChain.objects.get(pk=chain.pk)).ok, "the shortened chain is self-consistent"
    code, out = run_verify()
    assert code == 1 and f"the checkpoint of 2026-11-30 #{witnessed}" in out and "the log was truncated" in out


def test_a_chain_removed_altogether_is_caught(chain):
    make_checkpoint(day=DAY)
    accounts = HistoryChain.objects.get(key="accounts")
    triggers_off("DELETE FROM escrow_historyentry WHERE chain_id = %s", [accounts.pk])
    triggers_off("DELETE FROM escrow_historychain WHERE id = %s", [accounts.pk])
    code, out = run_verify()
    assert code == 1 and "BROKEN  accounts: first bad entry #1: the chain is gone" in out


def test_a_forged_checkpoint_is_caught(tsa, chain, deposited):
    """The insider rewrites the checkpoint to match their rewritten chain: the platform's signature, or the
    timestamp authority's, no longer verifies."""
    checkpoint = make_checkpoint(day=DAY)
    forged = checkpoint.payload.replace(chain.head_hash, "0" * 64)
    triggers_off("UPDATE escrow_checkpoint SET payload = %s WHERE id = %s", [forged, checkpoint.pk])
    code, out = run_verify()
    assert code == 1 and "BROKEN  checkpoint of 2026-11-30: its digest does not match" in out
    from escrow.queries.checkpoints import digest

    triggers_off("UPDATE escrow_checkpoint SET digest = %s WHERE id = %s", [digest(forged.encode()), checkpoint.pk])
    assert "its signature does not verify" in checkpoint_problem(Checkpoint.objects.get(pk=checkpoint.pk))
    # Re-signed with a key of their own: the platform does not trust that certificate.
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key, cert = _self_signed("Escrow portal platform seal")
    signature = base64.b64encode(key.sign(forged.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    triggers_off(
        "UPDATE escrow_checkpoint SET signature = %s, certificate = %s WHERE id = %s", [signature, pem, checkpoint.pk]
    )
    assert "does not trust" in checkpoint_problem(Checkpoint.objects.get(pk=checkpoint.pk))


def test_a_timestamp_from_another_authority_is_not_trusted(tsa, chain, settings, tmp_path):
    checkpoint = make_checkpoint(day=DAY)
    _key, other_cert = tsa_pair("Another authority")
    settings.TSA_CERT_FILE = str(tmp_path / "other-tsa.pem")
    (tmp_path / "other-tsa.pem").write_bytes(other_cert.public_bytes(serialization.Encoding.PEM))
    assert "not from the trusted authority" in checkpoint_problem(checkpoint)
    settings.TSA_CERT_FILE = ""  # no configured root: integrity and imprint are still checked
    stamp = timestamp.check(checkpoint.timestamp_token, checkpoint.payload.encode())
    assert stamp.problem == "" and not stamp.trusted


def test_a_timestamp_of_other_content_is_caught(tsa, chain):
    checkpoint = make_checkpoint(day=DAY)
    other = timestamp.stamp(b"another content")
    triggers_off("UPDATE escrow_checkpoint SET timestamp_token = %s WHERE id = %s", [other, checkpoint.pk])
    assert "does not cover this content" in checkpoint_problem(Checkpoint.objects.get(pk=checkpoint.pk))
    triggers_off("UPDATE escrow_checkpoint SET timestamp_token = %s WHERE id = %s", [b"\x30\x03junk", checkpoint.pk])
    assert "cannot be read" in checkpoint_problem(Checkpoint.objects.get(pk=checkpoint.pk))


def test_no_checkpoint_without_its_timestamp_when_the_authority_is_down(chain, settings):
    with socket_closed() as url:
        settings.TSA_URL = url
        with pytest.raises(timestamp.TimestampUnavailable, match="gave no token"):
            make_checkpoint(day=DAY)
    assert not Checkpoint.objects.exists()


def socket_closed():
    """A URL on 127.0.0.1 where nothing listens."""
    import contextlib
    import socket

    @contextlib.contextmanager
    def closed():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        yield f"http://127.0.0.1:{port}/"

    return closed()


@pytest.mark.parametrize(
    "sql", ["UPDATE escrow_checkpoint SET digest = 'x'", "DELETE FROM escrow_checkpoint", "TRUNCATE escrow_checkpoint"]
)
def test_checkpoints_are_append_only(chain, sql):
    make_checkpoint(day=DAY)
    refused = pytest.raises(DatabaseError, match="the checkpoint record is append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert Checkpoint.objects.count() == 1
