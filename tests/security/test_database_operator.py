"""Issue 10, the database operator: at a psql prompt, as the tables' owner. Every attack of the issue's list is
refused by the database or named by `verify_history`, which exits non-zero (items 4 and 5):
TRUNCATE of the history, chain heads and ledger; an UPDATE, DELETE or INSERT in the ledger; a tranche's state or
quantity, a signature or an instrument edited; triggers disabled, an entry edited and the chain recomputed."""

import pytest

from escrow import actions
from escrow.history.chain import chain_key_for
from escrow.models import HistoryAction, HistoryEntry, Instrument, ShareMovement, Signature
from tests.security.insider import (
    RECORD_TABLES,
    edit_details,
    operator_sql,
    rehash_chain,
    run_verify,
    sql,
    triggers_off,
)
from tests.security.records_world import records_world  # noqa: F401  (module-scoped fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(records_world, db):  # noqa: F811
    return records_world


def release_of(deal, year=None):
    movements = ShareMovement.objects.filter(deal=deal, kind="release")
    return movements.get(tranche__year=year) if year else movements.get()


def expect_differs(world, *needles):
    code, out = run_verify()
    assert code == 1, out
    lines = [line for line in out.splitlines() if not line.startswith("ok")]
    assert any(all(n in line for n in needles) for line in lines), out
    return out


def test_the_untouched_world_verifies(world):
    code, out = run_verify()
    assert code == 0 and "BROKEN" not in out and "DIFFERS" not in out, out


@pytest.mark.parametrize("table", [*RECORD_TABLES, ", ".join(RECORD_TABLES)])
def test_truncate_is_refused(world, table):
    refusal = operator_sql(f"TRUNCATE {table} CASCADE")
    assert refusal and "TRUNCATE refused" in refusal, table
    assert run_verify()[0] == 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE escrow_sharemovement SET quantity = quantity + 1",
        "DELETE FROM escrow_sharemovement WHERE kind = 'release'",
        "UPDATE escrow_historyentry SET summary = 'nothing happened'",
        "DELETE FROM escrow_historyentry",
    ],
)
def test_update_and_delete_are_refused(world, statement):
    refusal = operator_sql(statement)
    assert refusal and "is append-only" in refusal


def test_a_truncate_with_the_triggers_off_is_named(world):
    with triggers_off():
        sql("TRUNCATE escrow_historyentry, escrow_historychain, escrow_sharemovement CASCADE")
    code, out = run_verify()
    assert code == 1
    for deal in world.deals:
        assert f"BROKEN  {chain_key_for(deal)}" in out and f"deal {deal.slug} has no history chain" in out


def test_a_ledger_update_is_named(world):
    release = release_of(world.kaixin)
    with triggers_off("escrow_sharemovement"):
        sql("UPDATE escrow_sharemovement SET quantity = 6000000 WHERE id = %s", [release.pk])
    expect_differs(world, "DIFFERS", world.kaixin.slug, f"ledger movement #{release.pk}", "is 6,000,000 shares")


def test_a_deleted_movement_is_named(world):
    release = release_of(world.closed)
    with triggers_off("escrow_sharemovement", "escrow_transferevidence"):
        sql("DELETE FROM escrow_transferevidence WHERE movement_id = %s", [release.pk])
        sql("DELETE FROM escrow_sharemovement WHERE id = %s", [release.pk])
    expect_differs(world, world.closed.slug, "(released) records 5 shares", "ledger has no release movement")


def test_an_inserted_movement_needs_no_trigger_off_and_is_named(world):
    """INSERT is what the append-only triggers allow: a forged release to someone's benefit."""
    year5 = world.tranche(5)
    agent = world.people["agent1"]
    sql(
        "INSERT INTO escrow_sharemovement (deal_id, tranche_id, kind, quantity, fact_key, reference, recorded_at, "
        "recorded_by_id) VALUES (%s, %s, 'release', 3000000, 'forged', 'TA-X', now(), %s)",
        [world.kaixin.pk, year5.pk, agent.pk],
    )
    expect_differs(world, "(release of 3,000,000 shares", "has no history entry")


def test_a_tranche_state_update_is_named(world):
    year5 = world.tranche(5)
    sql("UPDATE escrow_tranche SET state = 'release_prepared', release_quantity = 3000000 WHERE id = %s", [year5.pk])
    expect_differs(world, "year 5 is release_prepared; its history ends in awaiting_report")


def test_a_release_quantity_update_is_named(world):
    year4 = world.tranche(4)
    sql("UPDATE escrow_tranche SET release_quantity = 9000000 WHERE id = %s", [year4.pk])
    expect_differs(world, "year 4 would release 9,000,000 shares", "fixed 3,000,000")


def test_a_hold_that_would_return_elsewhere_is_named(world):
    """SPA 8.1: lifting a suspension returns the tranche where it was; the operator points that elsewhere."""
    year2 = world.tranche(2)
    actions.suspend_release(world.people["issuer"], year2.pk, reason="The seller breached SPA 8.1.")
    sql("UPDATE escrow_tranche SET state_before_hold = 'release_prepared' WHERE id = %s", [year2.pk])
    expect_differs(world, "year 2 would return to release_prepared after its hold", "says instructed")


def test_a_deal_state_update_is_named(world):
    sql("UPDATE escrow_deal SET state = 'closed' WHERE id = %s", [world.kaixin.pk])
    expect_differs(world, "the deal is closed; its history ends in in_escrow")


def test_a_total_shares_update_is_named(world):
    sql("UPDATE escrow_deal SET total_shares = 20000000 WHERE id = %s", [world.kaixin.pk])
    expect_differs(world, "holds 20,000,000 consideration shares", "creation entry says 15,000,000")


def test_a_policy_switched_in_sql_is_named(world):
    """P1 decides how much an excess offsets (SPA 5.2(2)); switching it changes every later release."""
    sql("UPDATE escrow_deal SET excess_credit = 'whole-excess-over-50pct' WHERE id = %s", [world.kaixin.pk])
    expect_differs(world, "policy excess_credit as 'whole-excess-over-50pct'", "says 'half-of-excess'")


def test_a_signature_over_other_bytes_is_named(world):
    signature = Signature.objects.filter(instrument__tranche=world.tranche(4)).first()
    sql("UPDATE escrow_signature SET sha256 = repeat('a', 64) WHERE id = %s", [signature.pk])
    expect_differs(world, f"signature #{signature.pk}", "covers aaaaaaaaaaaa")


def test_a_deleted_signature_is_named(world):
    signature = Signature.objects.filter(instrument__tranche=world.tranche(4)).first()
    sql("DELETE FROM escrow_signature WHERE id = %s", [signature.pk])
    expect_differs(world, "records a signature on instrument", "not on record")


def test_an_instrument_quantity_update_is_named(world):
    instrument = Instrument.objects.get(tranche=world.tranche(4), kind="joint_instruction", status="effective")
    sql("UPDATE escrow_instrument SET quantity = 9000000 WHERE id = %s", [instrument.pk])
    expect_differs(world, f"instrument #{instrument.pk} says 9,000,000 shares")


def test_a_swapped_document_is_named(world):
    """The owner points the instrument at a document whose bytes nobody signed (its hash rewritten to match)."""
    instrument = Instrument.objects.get(tranche=world.tranche(4), kind="joint_instruction", status="effective")
    sql("UPDATE escrow_storeddocument SET sha256 = repeat('b', 64) WHERE id = %s", [instrument.document_id])
    sql("UPDATE escrow_signature SET sha256 = repeat('b', 64) WHERE instrument_id = %s", [instrument.pk])
    expect_differs(world, "was never issued in the history")


def released_entry(deal):
    return HistoryEntry.objects.get(chain__key=chain_key_for(deal), action=HistoryAction.RELEASED)


def test_details_no_action_writes_are_named_not_a_crash(world):
    entry = HistoryEntry.objects.filter(
        chain__key=chain_key_for(world.kaixin), action=HistoryAction.QUANTITY_COMPUTED
    ).first()
    with triggers_off("escrow_historyentry"):
        sql("UPDATE escrow_historyentry SET details = '{\"calculation\": 1}'::jsonb WHERE id = %s", [entry.pk])
    out = expect_differs(world, f"history entry #{entry.seq} has details its action never writes")
    assert f"first bad entry #{entry.seq}" in out


def test_an_edited_entry_breaks_the_chain(world):
    entry = released_entry(world.kaixin)
    with triggers_off():
        edit_details(entry, quantity=6_000_000)
    code, out = run_verify()
    assert code == 1 and f"first bad entry #{entry.seq}" in out and "was altered" in out


@pytest.mark.parametrize("downgrade", [False, True], ids=["keep-key-id", "downgrade-to-plain-sha256"])
def test_a_consistent_forgery_with_a_recomputed_chain_is_named(world, downgrade):
    """The owner doubles year 1's release everywhere it shows (ledger row and history entry), recomputes every
    later hash and moves the head. Without the key they can only write plain SHA-256: keyed entries then fail
    their HMAC, and entries marked plain after keyed ones (or plain to the head) are refused."""
    entry = released_entry(world.kaixin)
    release = release_of(world.kaixin, 1)
    with triggers_off():
        sql("UPDATE escrow_sharemovement SET quantity = 6000000 WHERE id = %s", [release.pk])
        sql("UPDATE escrow_tranche SET release_quantity = 6000000 WHERE id = %s", [release.tranche_id])
        edit_details(HistoryEntry.objects.get(pk=entry.pk), quantity=6_000_000)
        rehash_chain(chain_key_for(world.kaixin), from_seq=entry.seq, downgrade=downgrade)
    code, out = run_verify("--deal", world.kaixin.slug)
    assert code == 1 and f"BROKEN  {chain_key_for(world.kaixin)}" in out, out


def test_a_whole_chain_recomputed_as_plain_sha256_is_named(world):
    """Every entry rewritten as if from before the keys: a chain plain to its head proves nothing."""
    with triggers_off():
        edit_details(released_entry(world.kaixin), quantity=3_000_000, transfer_reference="TA-FORGED")
        rehash_chain(chain_key_for(world.kaixin), downgrade=True)
    code, out = run_verify("--deal", world.kaixin.slug)
    assert code == 1 and f"BROKEN  {chain_key_for(world.kaixin)}" in out, out


def test_a_deleted_entry_with_a_recomputed_chain_is_named(world):
    entry = released_entry(world.kaixin)
    with triggers_off():
        sql("DELETE FROM escrow_historyentry WHERE id = %s", [entry.pk])
        rehash_chain(chain_key_for(world.kaixin), from_seq=entry.seq)
    code, out = run_verify()
    assert code == 1 and f"BROKEN  {chain_key_for(world.kaixin)}" in out, out
