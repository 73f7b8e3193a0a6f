"""Issue 13 item 1: the history page's filter choices and its chain check read with hand-written SQL
(escrow.queries.history.filter_choices and chain_status's one query), compared here with the ORM queries they
replaced (kept below), on PostgreSQL and on SQLite (the quick start) alike: entries by people and by the portal,
for a party and for none, of the deal's own chain only (not another deal's, not the accounts chain)."""

from datetime import date

import pytest
from django.utils import timezone

from escrow.history.chain import chain_key_for, record, record_account_event, verify_chain
from escrow.models import HistoryAction, HistoryChain, HistoryEntry, VerificationRun
from escrow.queries import history as history_queries
from escrow.queries.history import (
    _FIRST,
    NewestFirst,
    _chain_read,
    chain_status,
    filter_choices,
    history_of,
    page_reads,
)
from tests.escrow.history.test_history_chain import bypass_trigger

pytestmark = pytest.mark.django_db


# The ORM versions these replaced, as they were.
def old_choices(deal):
    entries = history_of(deal)
    return {
        "parties": list(
            entries.exclude(acting_for="").order_by("acting_for").values_list("acting_for", flat=True).distinct()
        ),
        "people": list(
            entries.exclude(actor=None).order_by("actor_name").values_list("actor_id", "actor_name").distinct()
        ),
        "actions": list(entries.order_by("action").values_list("action", flat=True).distinct()),
    }


def old_read(key):
    chain = HistoryChain.objects.filter(key=key).first()
    if chain is None:
        return None
    run = VerificationRun.objects.filter(finished_at__isnull=False).order_by("-day").first()
    return chain, list(chain.entries.order_by("seq")), run


def fields(obj):
    return None if obj is None else {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.fixture
def busy(deposited, people, kaixin_other_deal):
    """The deal's chain with entries by several people, for parties and for none; noise in other chains."""
    record(deposited, action=HistoryAction.AUDITOR_APPROVED, actor=people["auditor"], acting_for="auditor", summary="a")
    record(deposited, action=HistoryAction.AUDITOR_APPROVED, actor=people["issuer"], acting_for="issuer", summary="b")
    record(deposited, action=HistoryAction.DEAL_CREATED, summary="by the portal")
    record(kaixin_other_deal, action="other_deal_only", actor=people["agent2"], acting_for="nobody_here", summary="c")
    record_account_event("login", actor=people["compliance"])
    return deposited


@pytest.fixture
def kaixin_other_deal(deposited):
    from bench.world import copies_of

    copies_of(deposited, 1)
    return type(deposited).objects.exclude(pk=deposited.pk).get()


def test_the_choices_are_the_orm_choices(busy, kaixin_other_deal):
    for deal in (busy, kaixin_other_deal):
        assert filter_choices(deal) == (old_choices(deal), history_of(deal).count())
    choices, _count = filter_choices(busy)
    assert "nobody_here" not in choices["parties"] and "other_deal_only" not in choices["actions"]
    assert len(choices["people"]) >= 2 and all(name for _pk, name in choices["people"])


def test_the_status_read_is_the_orm_read(busy):
    key = chain_key_for(busy)
    for finished in (False, True):
        if finished:
            for day in (date(2027, 1, 4), date(2027, 1, 5)):
                VerificationRun.objects.create(
                    day=day, started_at=timezone.now(), finished_at=timezone.now(), ok=False, failures=[{"x": 1}]
                )
            VerificationRun.objects.create(day=date(2027, 1, 6), started_at=timezone.now())  # not finished
        chain, entries, run = _chain_read(key, _FIRST)
        old_chain, old_entries, old_run = old_read(key)
        assert fields(chain) == fields(old_chain) and fields(run) == fields(old_run)
        assert [fields(e) for e in entries] == [fields(e) for e in old_entries]
        assert all(e.chain is chain for e in entries)  # the hash reads entry.chain.key: no query each
        later = _chain_read(key, 3)[1]
        assert [e.seq for e in later] == [e.seq for e in old_entries if e.seq >= 3]
        assert _chain_read(key, chain.length + 1)[1] == []  # the chain row without entries from there
    assert _chain_read("deal:0", _FIRST) is None
    assert verify_chain(chain, entries=entries) == verify_chain(old_chain)


def test_a_mark_of_another_chain_row_is_not_trusted(deposited, monkeypatch):
    """The Mark names the chain row it was taken on: on any other row the page walks the chain from the start."""
    assert chain_status(deposited).ok
    key = history_queries._mark_key(chain_key_for(deposited))
    row_id, mark = history_queries._cached(key)
    history_queries._remember(key, (row_id + 1, mark))
    walked = []
    original = history_queries.verify_chain
    monkeypatch.setattr(history_queries, "verify_chain", lambda chain, **kw: walked.append(kw) or original(chain, **kw))
    assert chain_status(deposited).ok
    assert walked[0]["since"] is None and len(walked[0]["entries"]) == mark.seq


def test_a_rewritten_marked_entry_makes_the_page_walk_everything(deposited):
    assert chain_status(deposited).ok
    chain = HistoryChain.objects.get(key=chain_key_for(deposited))
    bypass_trigger(
        "UPDATE escrow_historyentry SET summary = %s WHERE chain_id = %s AND seq = %s", ["forged", chain.pk, 1]
    )
    assert chain_status(deposited).ok  # before the Mark and the Mark's own entry intact: the nightly walk's job
    head = HistoryEntry.objects.get(chain=chain, seq=chain.length)
    bypass_trigger("UPDATE escrow_historyentry SET hash = %s WHERE id = %s", ["f" * 64, head.pk])
    check = chain_status(deposited)  # the Mark's entry changed: the whole walk finds the first forged entry
    assert not check.ok and check.bad_seq == 1


def test_the_pages_one_read_is_the_choices_and_the_check(busy, kaixin_other_deal):
    """page_reads: filter_choices and chain_status in one query, the same on a first view (the whole walk), a
    marked one, after an append, with the nightly run's finding, with a forged entry after the Mark."""
    from django.core.cache import cache

    def both(deal):
        cache.clear()  # each side from the same (empty) Mark...
        alone = (filter_choices(deal), chain_status(deal))
        cache.clear()
        together = page_reads(deal)
        assert together == alone
        assert page_reads(deal) == (filter_choices(deal), chain_status(deal))  # ...and from the Mark they left
        return together[1]

    assert both(busy).ok and not both(kaixin_other_deal).ok  # the copy's chain starts with the noise entry
    record(busy, action=HistoryAction.AUDITOR_APPROVED, summary="one more")
    assert both(busy).ok
    key = chain_key_for(busy)
    VerificationRun.objects.create(
        day=date(2027, 1, 5),
        started_at=timezone.now(),
        finished_at=timezone.now(),
        ok=False,
        failures=[{"deal": busy.slug, "problem": f"{key}: #2: entry #2 was altered"}],
    )
    assert "nightly verification of 2027-01-05" in both(busy).problem
    entry = record(busy, action=HistoryAction.AUDITOR_APPROVED, summary="to forge")
    bypass_trigger("UPDATE escrow_historyentry SET summary = %s WHERE id = %s", ["forged", entry.pk])
    assert both(busy).bad_seq == entry.seq


def test_newest_first_pages_are_the_orms(busy, people):
    from tests.conftest import open_and_file

    open_and_file(busy, people, 1, "598500000")  # entries about a year (their tranche read with them)
    entries = history_of(busy).order_by("-seq")
    total = entries.count()
    newest = NewestFirst(busy, total)
    assert len(newest) == total > 10
    for start, stop in ((0, 5), (3, 11), (total - 2, total + 5), (total + 3, total + 9), (0, total)):
        mine, orm = newest[start:stop], list(entries[start:stop])
        assert [fields(e) for e in mine] == [fields(e) for e in orm]
        assert [fields(e.chain) for e in mine] == [fields(e.chain) for e in orm]
        assert [fields(e.tranche) for e in mine] == [fields(e.tranche) for e in orm]
    assert any(e.tranche is not None for e in newest[0:total]) and any(e.tranche is None for e in newest[0:total])
