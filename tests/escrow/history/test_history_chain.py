"""The tamper-evident history (issue 3 item 5): hash chain, verify_history, append-only trigger, exports."""

import csv
import io
import itertools

import pgtrigger
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from escrow.history.chain import chain_key_for, verify_chain
from escrow.models import HistoryChain, HistoryEntry
from escrow.queries.exports import export_csv, export_pdf
from tests.conftest import open_and_file, release

pytestmark = pytest.mark.django_db


def bypass_trigger(sql, params=()):
    """What a rogue DBA could do: write the table behind the application's back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # superuser: triggers off
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def run_verify(*args):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_history", *args, stdout=out)
        raise SystemExit(0)
    return exit_info.value.code, out.getvalue()


@pytest.fixture
def history(deposited, people):
    open_and_file(deposited, people, 1, "665000000")
    release(deposited, people, 1)
    return HistoryChain.objects.get(key=chain_key_for(deposited))


def test_every_step_is_chained_and_verifies(history):
    actions = list(history.entries.values_list("action", flat=True))
    for expected in [
        "party_added",
        "auditor_approved",
        "deposit_confirmed",
        "year_ended",
        "report_filed",
        "quantity_computed",
        "joint_instruction_issued",
        "signed",
        "instructed",
        "release_prepared",
        "released",
    ]:
        assert expected in actions
    entries = list(history.entries.order_by("seq"))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert verify_chain(history).ok
    assert run_verify()[0] == 0


def test_a_tampered_row_is_caught_and_named(history):
    victim = history.entries.get(action="released")
    bypass_trigger(
        "UPDATE escrow_historyentry SET summary = %s WHERE id = %s", ["3,500,000 shares released", victim.pk]
    )
    check = verify_chain(history)
    assert not check.ok and check.bad_seq == victim.seq
    code, out = run_verify()
    assert code == 1
    assert f"#{victim.seq}" in out and "altered" in out


def test_a_removed_row_is_caught(history):
    victim = history.entries.filter(action="signed", seq__lt=history.length - 3).order_by("seq").first()
    bypass_trigger("DELETE FROM escrow_historyentry WHERE id = %s", [victim.pk])
    check = verify_chain(history)
    assert not check.ok and check.bad_seq == victim.seq


def test_a_truncated_tail_is_caught_against_a_saved_head(history, deposited):
    _, saved = export_csv(deposited)
    last = history.entries.order_by("-seq").first()
    bypass_trigger("DELETE FROM escrow_historyentry WHERE id = %s", [last.pk])
    previous = history.entries.order_by("-seq").first()
    with pgtrigger.ignore("escrow.HistoryChain:chain_moves_forward"):  # the rogue DBA moves the head back too
        HistoryChain.objects.filter(pk=history.pk).update(length=previous.seq, head_hash=previous.hash)
    code, out = run_verify()
    # Without the saved head the shortened chain is self-consistent; the ledger is not (issue 10 item 5).
    assert code == 1 and "BROKEN" not in out and "has no history entry" in out, out
    code, out = run_verify("--deal", deposited.slug, "--head", f"{saved.length}:{saved.head_hash}")
    assert code == 1 and "truncated" in out


def test_exports_carry_the_head_hash(history, deposited):
    data, check = export_csv(deposited)
    text = data.decode("utf-8-sig")
    assert check.ok and check.head_hash in text
    rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].startswith("#")]
    assert rows[0][0] == "seq" and len(rows) - 1 == check.length
    pdf, check = export_pdf(deposited)
    assert pdf.startswith(b"%PDF-") and check.length == history.length


def test_logins_and_failed_logins_are_recorded(client, people):
    client.post("/accounts/login/", {"username": "seller", "password": "wrong"})
    client.login(username="seller", password="escrow-demo-2026")
    accounts = HistoryChain.objects.get(key="accounts")
    assert {"login_failed", "login"} <= set(accounts.entries.values_list("action", flat=True))
    assert verify_chain(accounts).ok


def test_postgres_refuses_update_and_delete(require_postgres, history):
    entry = history.entries.first()
    for sql in (
        "UPDATE escrow_historyentry SET summary = 'x' WHERE id = %s",
        "DELETE FROM escrow_historyentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert HistoryEntry.objects.get(pk=entry.pk).summary == entry.summary


def test_entries_appended_in_bulk_chain_and_hash_as_single_ones(deposited, people):
    """The sweep's batched append (record_many: rows hashed without model objects, one COPY) continues the chain
    where single appends left it and hashes each entry as compute_hash does for the stored row (issue 13 item 4)."""
    from escrow.history.chain import compute_hash, record, record_many

    tranche = deposited.tranches.get(year=1)
    record_many(
        [
            (deposited, dict(action="year_ended", tranche=tranche, from_state="scheduled", to_state="awaiting_report")),
            (
                deposited,
                dict(action="deadline_missed", clause="SPA 4.2", summary="late", details={"due": "2027-01-29"}),
            ),
            (deposited, dict(action="fee_invoice_issued", actor=people["agent1"], acting_for="Agent (escrow_agent)")),
        ]
    )
    record(deposited, action="signed", actor=people["agent1"], summary="after the batch")
    chain = HistoryChain.objects.get(key=chain_key_for(deposited))
    entries = list(chain.entries.order_by("seq"))
    assert [e.action for e in entries[-4:]] == ["year_ended", "deadline_missed", "fee_invoice_issued", "signed"]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert all(e.hash == compute_hash(e) for e in entries)
    assert entries[-2].actor_name == str(people["agent1"]) and entries[-3].details == {"due": "2027-01-29"}
    assert verify_chain(chain).ok
    with pytest.raises(TypeError, match="unknown entry fields"):
        record_many([(deposited, dict(action="signed", party="a typo"))])
