"""Issue 13 item 3: the history page checks only what was appended since its last whole walk; a rewrite
after that point is caught at once, one before it by the nightly verification, which the page shows."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from escrow.history import chain as chain_module
from escrow.history.chain import chain_key_for, record
from escrow.models import HistoryAction, HistoryChain, VerificationRun
from escrow.queries.history import chain_status
from tests.escrow.history.test_history_chain import bypass_trigger

pytestmark = pytest.mark.django_db


@pytest.fixture
def hashed(monkeypatch):
    """How many entries' hashes a check recomputes."""
    calls = []
    original = chain_module.compute_hash

    def counting(entry):
        calls.append(entry.seq)
        return original(entry)

    monkeypatch.setattr(chain_module, "compute_hash", counting)
    return calls


def note(deal):
    return record(deal, action=HistoryAction.AUDITOR_APPROVED, summary="note", clause="SPA 4.2")


def test_only_new_entries_are_walked(deposited, hashed):
    length = HistoryChain.objects.get(key=chain_key_for(deposited)).length
    assert chain_status(deposited).ok and len(hashed) == length  # the first view walks it all
    hashed.clear()
    assert chain_status(deposited).ok and hashed == []
    note(deposited)
    note(deposited)
    hashed.clear()  # appending hashed them too
    check = chain_status(deposited)
    assert check.ok and check.length == length + 2 and hashed == [length + 1, length + 2]


def test_a_rewrite_after_the_mark_is_caught(deposited):
    assert chain_status(deposited).ok
    entry = note(deposited)
    bypass_trigger("UPDATE escrow_historyentry SET summary = %s WHERE id = %s", ["forged", entry.pk])
    check = chain_status(deposited)
    assert not check.ok and check.bad_seq == entry.seq


def test_a_removed_marked_entry_makes_the_page_walk_everything(deposited, hashed):
    chain_status(deposited)
    head = HistoryChain.objects.get(key=chain_key_for(deposited))
    bypass_trigger("DELETE FROM escrow_historyentry WHERE chain_id = %s AND seq = %s", [head.pk, head.length])
    hashed.clear()
    check = chain_status(deposited)
    assert not check.ok and len(hashed) == head.length - 1


def test_the_nightly_finding_is_shown(deposited, client_for):
    key = chain_key_for(deposited)
    url = reverse("escrow:history", args=[deposited.slug])
    assert 'data-ok="true"' in client_for("compliance").get(url).content.decode()
    VerificationRun.objects.create(
        day=date(2027, 1, 5),
        started_at=timezone.now(),
        finished_at=timezone.now(),
        ok=False,
        failures=[{"deal": deposited.slug, "problem": f"{key}: #2: entry #2 (party_added) was altered"}],
    )
    html = client_for("compliance").get(url).content.decode()
    assert 'data-ok="false"' in html and "nightly verification of 2027-01-05" in html
