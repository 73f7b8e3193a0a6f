"""Issue 10 item 4: the database operator cannot rewrite the history, its chain heads or the ledger, and the
one who switches the triggers off to empty the history is named by verify_history."""

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from escrow.history.chain import chain_key_for, record
from escrow.models import Deal, HistoryAction, HistoryChain, HistoryEntry, ShareMovement
from tests.conftest import open_and_file, release
from tests.factories import make_deal

pytestmark = pytest.mark.django_db


def operator_sql(sql, params=()):
    """What someone at a psql prompt types; returns the database's refusal, or None when it went through."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # A fresh psql session has no deferred foreign-key checks pending (the test's transaction has).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql, params)
    except DatabaseError as refusal:
        return str(refusal)
    return None


def run_verify(*args):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_history", *args, stdout=out)
        raise SystemExit(0)
    return exit_info.value.code, out.getvalue()


@pytest.fixture
def released(require_postgres, deposited, people):
    open_and_file(deposited, people, 1, "665000000")
    release(deposited, people, 1)
    return deposited


@pytest.mark.parametrize("sql", ["UPDATE escrow_historyentry SET summary = 'x'", "DELETE FROM escrow_historyentry"])
def test_history_entries_refuse_update_and_delete(released, sql):
    before = list(HistoryEntry.objects.values_list("pk", "summary"))
    refusal = operator_sql(sql)
    assert refusal and "the history is append-only" in refusal and "escrow_historyentry" in refusal
    assert list(HistoryEntry.objects.values_list("pk", "summary")) == before


def test_history_and_chain_refuse_truncate(released):
    for table in ("escrow_historyentry", "escrow_historychain", "escrow_historyentry, escrow_historychain"):
        refusal = operator_sql(f"TRUNCATE {table} CASCADE")
        assert refusal and "TRUNCATE refused" in refusal, table
    assert HistoryChain.objects.filter(key=chain_key_for(released)).exists()
    assert run_verify()[0] == 0


def test_chain_heads_only_move_forward(released):
    chain = HistoryChain.objects.get(key=chain_key_for(released))
    for sql in (
        "UPDATE escrow_historychain SET length = length - 1 WHERE id = %s",
        "UPDATE escrow_historychain SET head_hash = repeat('0', 64) WHERE id = %s",
        "UPDATE escrow_historychain SET key = 'deal:999999' WHERE id = %s",
        "DELETE FROM escrow_historychain WHERE id = %s",
    ):
        refusal = operator_sql(sql, [chain.pk])
        assert refusal and "a history chain head" in refusal and "refused on escrow_historychain" in refusal, sql
    assert HistoryChain.objects.get(pk=chain.pk).head_hash == chain.head_hash


def test_a_head_moved_forward_by_hand_is_caught_by_verify(released):
    """The trigger lets a head move forward (that is an append); a forward move without an entry is a lie
    the walk of the chain names."""
    chain = HistoryChain.objects.get(key=chain_key_for(released))
    assert operator_sql("UPDATE escrow_historychain SET length = length + 1 WHERE id = %s", [chain.pk]) is None
    code, out = run_verify("--deal", released.slug)
    assert code == 1 and f"BROKEN  {chain.key}" in out and "the chain head says" in out


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE escrow_sharemovement SET quantity = quantity + 1",
        "UPDATE escrow_sharemovement SET kind = 'deposit'",
        "DELETE FROM escrow_sharemovement",
        "TRUNCATE escrow_sharemovement CASCADE",  # CASCADE: the transfer records reference it
    ],
)
def test_the_ledger_refuses_update_delete_and_truncate(released, sql):
    before = ShareMovement.objects.filter(deal=released).balances()
    refusal = operator_sql(sql)
    assert refusal and "the share ledger is append-only" in refusal and "escrow_sharemovement" in refusal
    assert ShareMovement.objects.filter(deal=released).balances() == before


def test_a_hostile_dba_truncating_the_history_is_named_for_every_deal(released, people):
    """A superuser switches the triggers off and empties the history and chain tables: every deal now
    reports a missing chain, and verify_history exits non-zero."""
    other, _ = make_deal("second")
    assert run_verify()[0] == 0
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in ("escrow_historyentry", "escrow_historychain"):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute("TRUNCATE escrow_historyentry, escrow_historychain")
        for table in ("escrow_historyentry", "escrow_historychain"):
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    code, out = run_verify()
    assert code == 1
    for deal in Deal.objects.all():
        assert f"BROKEN  {chain_key_for(deal)}" in out and f"deal {deal.slug} has no history chain" in out
    assert Deal.objects.count() == 2 and f"deal {other.slug} has no history chain" in out
    code, out = run_verify("--deal", released.slug)
    assert code == 1 and released.slug in out


def test_an_empty_chain_or_one_not_starting_with_the_deal_is_broken(released, people):
    chain = HistoryChain.objects.get(key=chain_key_for(released))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # superuser: triggers off
        cursor.execute("DELETE FROM escrow_historyentry WHERE chain_id = %s AND seq = 1", [chain.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
    code, out = run_verify("--deal", released.slug)
    assert code == 1 and "entry #1 is missing" in out
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM escrow_historyentry WHERE chain_id = %s", [chain.pk])
        cursor.execute(
            "UPDATE escrow_historychain SET length = 0, head_hash = repeat('0', 64) WHERE id = %s", [chain.pk]
        )
        cursor.execute("SET LOCAL session_replication_role = origin")
    code, out = run_verify("--deal", released.slug)
    assert code == 1 and f"BROKEN  {chain.key}" in out and "empty" in out
    # A chain rebuilt from scratch through the append path verifies link by link, but lost its beginning.
    record(released, action=HistoryAction.SUSPENDED, actor=people["agent1"], summary="rebuilt")
    code, out = run_verify("--deal", released.slug)
    assert code == 1 and "entry #1 is suspended, not deal_created" in out
