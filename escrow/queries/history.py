"""A deal's history as the pages, the API and the exports read it (a read; the chain writes itself)."""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

from escrow.history.chain import ChainCheck, chain_key_for, verify_chain
from escrow.models import HistoryChain, HistoryEntry, VerificationRun
from escrow.queries.rows import columns, loader, rows

log = logging.getLogger(__name__)


def history_of(deal, *, tranche=None):
    """The deal's hash-chained entries in chain order (oldest first), or those about one of its years.
    Only the deal's own chain (`deal:<id>`): account and reference entries live in chains of their own."""
    entries = HistoryEntry.objects.filter(deal=deal, chain__key=chain_key_for(deal))
    if tranche is not None:
        entries = entries.filter(tranche=tranche)
    return entries.select_related("tranche", "chain").order_by("seq")


def chain_status(deal):
    """The history page's check of the deal's chain, whose cost does not grow with the chain (issue 13
    item 3): the entries appended since the last whole walk are walked from its Mark, kept in the shared
    cache; the entry the Mark ends on must still carry the hash it had. What the Mark cannot see (an entry
    before it rewritten in place) the nightly verification walks every chain for
    (escrow.actions.verification): a chain problem it found for this deal is shown here until a later
    night finds the chain whole. None when the deal has no chain row (the page then shows no check)."""
    chain = HistoryChain.objects.filter(key=chain_key_for(deal)).first()
    if chain is None:
        return None
    key = _mark_key(chain)
    mark = _cached(key)
    if mark and not chain.entries.filter(seq=mark.seq, hash=mark.hash).exists():
        mark = None  # the chain changed under the Mark (or the cache outlived the row): walk it all
    check = verify_chain(chain, since=mark)
    if check.ok:
        _remember(key, check.mark)
        return _nightly_problem(chain, check) or check
    return check


def _nightly_problem(chain, check):
    """The last finished nightly verification's problem with this chain, as a failed check; None if it had none."""
    run = VerificationRun.objects.filter(finished_at__isnull=False).order_by("-day").first()
    prefix = f"{chain.key}: "
    for failure in run.failures if run else ():
        if failure.get("problem", "").startswith(prefix):
            problem = f"nightly verification of {run.day.isoformat()}: {failure['problem'][len(prefix) :]}"
            return ChainCheck(chain.key, check.length, check.head_hash, False, problem)
    return None


def _mark_key(chain):
    """Per chain row, and per key configuration: a key taken out of HISTORY_HMAC_KEYS, or plain SHA-256 no
    longer accepted, must make the next view walk the whole chain again."""
    keys = ",".join(sorted(settings.HISTORY_HMAC_KEYS))
    accepts_plain = settings.HISTORY_ACCEPT_PLAIN_SHA256
    digest = hashlib.sha256(f"{keys}|{accepts_plain}".encode()).hexdigest()[:16]
    return f"escrow:chain-verified:{chain.pk}:{chain.key}:{digest}"


def _cached(key):
    try:
        return cache.get(key)
    except Exception:  # the shared cache is down: the page walks the whole chain (never wrong, only slower)
        log.warning("The shared cache is unreachable; walking the whole history chain", exc_info=True)
        return None


def _remember(key, mark):
    try:
        cache.set(key, mark, timeout=None)
    except Exception:
        log.warning("The shared cache is unreachable; the history chain's mark is not kept", exc_info=True)


def history_rows(deal) -> list:
    """history_of(deal) as (entry, its year or None) pairs, read with hand-written SQL built once per process
    (issue 13 item 1: the API's history read; the ORM built and compiled the query, with its tranche and chain
    joins, on every request). The same rule: the deal's own chain, oldest first;
    tests/escrow/api/test_plain_reads.py compares it with history_of."""
    load = loader(HistoryEntry)
    return [(load(row), row[-1]) for row in rows(_HISTORY_SQL, (deal.pk, chain_key_for(deal)))]


_HISTORY_SQL = (
    f"SELECT {columns(HistoryEntry, 'e')}, t.year FROM {HistoryEntry._meta.db_table} e"  # noqa: S608 (constant SQL)
    f" JOIN {HistoryChain._meta.db_table} c ON c.id = e.chain_id"
    " LEFT JOIN escrow_tranche t ON t.id = e.tranche_id"
    " WHERE e.deal_id = %s AND c.key = %s ORDER BY e.seq"
)
