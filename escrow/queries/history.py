"""A deal's history as the pages, the API and the exports read it (a read; the chain writes itself)."""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

from escrow.history.chain import ChainCheck, chain_key_for, verify_chain
from escrow.models import HistoryChain, HistoryEntry, Tranche, VerificationRun
from escrow.queries.rows import columns, loader, nulls, rows, width

log = logging.getLogger(__name__)


def history_of(deal, *, tranche=None):
    """The deal's hash-chained entries in chain order (oldest first), or those about one of its years.
    Only the deal's own chain (`deal:<id>`): account and reference entries live in chains of their own."""
    entries = HistoryEntry.objects.filter(deal=deal, chain__key=chain_key_for(deal))
    if tranche is not None:
        entries = entries.filter(tranche=tranche)
    return entries.select_related("tranche", "chain").order_by("seq")


class NewestFirst:
    """history_of(deal) newest first, as the unfiltered history page pages it: a slice is one hand-written query
    (issue 13 item 1: the ORM built the same query on every view), its entries with their year and chain as
    select_related made them. tests/escrow/queries/test_history_page_sql.py compares it with the ORM's slices."""

    def __init__(self, deal, count):
        self.deal, self.total = deal, count

    def __len__(self):
        return self.total

    def __getitem__(self, part):
        if not isinstance(part, slice) or part.step is not None or (part.start or 0) < 0 or part.stop is None:
            raise TypeError("NewestFirst is read a page at a time: [start:stop]")
        start = part.start or 0
        found = rows(_NEWEST_SQL, [chain_key_for(self.deal), self.deal.pk, max(part.stop - start, 0), start])
        load_entry, load_tranche, load_chain = loader(HistoryEntry), loader(Tranche), loader(HistoryChain)
        at_tranche, at_chain = width(HistoryEntry), width(HistoryEntry) + width(Tranche)
        entries = []
        for row in found:
            entry = load_entry(row)
            entry.tranche = load_tranche(row[at_tranche:]) if row[at_tranche] is not None else None
            entry.chain = load_chain(row[at_chain:])
            entries.append(entry)
        return entries


def filter_choices(deal):
    """The history filter's choices: ({"parties": the acting-for names, "people": (actor id, actor name) pairs,
    "actions": the action codes}, each distinct and in the order the filter lists them, how many entries
    history_of(deal) has), of the deal's own chain. One hand-written query (issue 13 item 1: four ORM queries
    before, the count the unfiltered page's); tests/escrow/queries/test_history_page_sql.py compares it with the
    ORM queries it replaced."""
    return _choices_of(rows(_CHOICES_SQL + " ORDER BY 1, 2, 4, 3", [chain_key_for(deal), deal.pk] * 4))


def _choices_of(found):
    choices, count = {"parties": [], "people": [], "actions": []}, 0
    for kind, text, number, actor_name in found:
        if kind == 0:
            choices["parties"].append(text)
        elif kind == 1:
            choices["people"].append((number, actor_name))
        elif kind == 2:
            choices["actions"].append(text)
        else:
            count = number
    return choices, count


def page_reads(deal):
    """(filter_choices(deal), chain_status(deal)) in one hand-written query, the history page's (issue 13 item 1):
    the choices and the chain check's reads, one UNION ALL; a second query only where chain_status reads twice."""
    key = chain_key_for(deal)
    cache_key = _mark_key(key)
    kept = _cached(cache_key)
    start = kept[1].seq if kept else _FIRST
    found = rows(_page_sql(), [*[key, deal.pk] * 4, start, key])
    choices = _choices_of(row[2:6] for row in found if row[0] == 0)
    return choices, _status(key, cache_key, kept, _status_of([row[6:] for row in found if row[0] == 1]))


_PAGE_SQL = []


def _page_sql():
    """Written once per process: the choices (numbered in their order) and the status read (numbered by seq)."""
    if not _PAGE_SQL:
        empty = ", ".join(nulls(model) for model in (HistoryChain, VerificationRun, HistoryEntry))
        _PAGE_SQL.append(
            "SELECT 0, ROW_NUMBER() OVER (ORDER BY ch.k, ch.t, ch.nm, ch.num), ch.k, ch.t, ch.num, ch.nm, "  # noqa: S608
            f"{empty} FROM ({_CHOICES_SQL}) ch "
            f'UNION ALL SELECT 1, ROW_NUMBER() OVER (ORDER BY e."seq", e."id"), NULL, NULL, NULL, NULL, {_STATUS} '
            "ORDER BY 1, 2"
        )
    return _PAGE_SQL[0]


_OWN_CHAIN = (
    'FROM escrow_historyentry e INNER JOIN escrow_historychain c ON e."chain_id" = c."id" '
    'WHERE c."key" = %s AND e."deal_id" = %s'
)
# Distinct across the kinds at once (a kind's rows never equal another's); each kind in the ORM's order: the party
# by name, the person by name (then id, where the ORM left a tie to the plan), the action by code; then the count.
_CHOICES_SQL = (
    f'SELECT 0 AS k, e."acting_for" AS t, NULL AS num, NULL AS nm {_OWN_CHAIN} AND NOT (e."acting_for" = \'\') '
    f'UNION SELECT 1, NULL, e."actor_id", e."actor_name" {_OWN_CHAIN} AND e."actor_id" IS NOT NULL '
    f'UNION SELECT 2, e."action", NULL, NULL {_OWN_CHAIN} '
    f"UNION SELECT 3, NULL, COUNT(*), NULL {_OWN_CHAIN}"
)


def chain_status(deal):
    """The history page's check of the deal's chain, whose cost does not grow with the chain (issue 13
    item 3): the entries appended since the last whole walk are walked from its Mark, kept in the shared
    cache; the entry the Mark ends on must still carry the hash it had. What the Mark cannot see (an entry
    before it rewritten in place) the nightly verification walks every chain for
    (escrow.actions.verification): a chain problem it found for this deal is shown here until a later
    night finds the chain whole. None when the deal has no chain row (the page then shows no check).

    One hand-written query reads the chain row, its entries from the Mark's on and the last finished nightly
    run (issue 13 item 1: four ORM queries before); a second reads the whole chain only when the Mark no
    longer fits (another chain row than the one it was taken on, or its entry gone or rewritten)."""
    key = chain_key_for(deal)
    cache_key = _mark_key(key)
    kept = _cached(cache_key)  # (the chain row's id, its Mark)
    return _status(key, cache_key, kept, _chain_read(key, kept[1].seq if kept else _FIRST))


def _status(key, cache_key, kept, read):
    """chain_status's check of what _chain_read read from the kept Mark's seq on (from the first without one)."""
    if read is None:
        return None
    mark = kept[1] if kept else None
    chain, entries, run = read
    if mark is not None:
        if kept[0] == chain.pk and any(e.seq == mark.seq and e.hash == mark.hash for e in entries):
            entries = [e for e in entries if e.seq > mark.seq]
        else:  # the chain changed under the Mark (or the cache outlived the row): walk it all
            mark = None
            chain, entries, run = _chain_read(key, _FIRST) or (chain, [], run)
    check = verify_chain(chain, since=mark, entries=entries)
    if check.ok:
        _remember(cache_key, (chain.pk, check.mark))
        return _nightly_problem(chain, check, run) or check
    return check


# Below any seq a row can hold: the whole chain, whatever an operator wrote into it.
_FIRST = -(2**63)


def _chain_read(key, start):
    """(the chain row, its entries with seq >= start in seq order, the last finished nightly run or None), or None
    without a chain row. The entries are model objects as chain.entries makes them (their chain set)."""
    return _status_of(rows(_STATUS_SQL, [start, key]))


def _status_of(found):
    if not found:
        return None
    chain_width, run_width = width(HistoryChain), width(VerificationRun)
    chain = loader(HistoryChain)(found[0])
    run = loader(VerificationRun)(found[0][chain_width:]) if found[0][chain_width] is not None else None
    load_entry, skip = loader(HistoryEntry), chain_width + run_width
    entries = []
    for row in found:
        if row[skip] is None:  # no entry from `start` on (the LEFT JOIN's one empty row)
            continue
        entry = load_entry(row[skip:])
        entry.chain = chain
        entries.append(entry)
    return chain, entries, run


# NewestFirst's page: the entries with their year (if any) and chain, as history_of's select_related read them.
_NEWEST_SQL = (
    f"SELECT {columns(HistoryEntry, 'e')}, {columns(Tranche, 't')}, {columns(HistoryChain, 'c')} "  # noqa: S608
    'FROM escrow_historyentry e INNER JOIN escrow_historychain c ON e."chain_id" = c."id" '
    'LEFT JOIN escrow_tranche t ON e."tranche_id" = t."id" '
    'WHERE c."key" = %s AND e."deal_id" = %s ORDER BY e."seq" DESC LIMIT %s OFFSET %s'
)
# The chain row by key, its entries from a seq on, and the last finished nightly run (its failures on the first
# row only: the list can be long and the walk long).
_RUN_COLUMNS = columns(VerificationRun, "r").replace(
    'r."failures"', 'CASE WHEN ROW_NUMBER() OVER (ORDER BY e."seq", e."id") = 1 THEN r."failures" END'
)
_STATUS = (
    f"{columns(HistoryChain, 'c')}, {_RUN_COLUMNS}, {columns(HistoryEntry, 'e')} FROM escrow_historychain c "  # noqa: S608
    'LEFT JOIN (SELECT * FROM escrow_verificationrun WHERE "finished_at" IS NOT NULL '
    'ORDER BY "day" DESC LIMIT 1) r ON 1 = 1 '
    'LEFT JOIN escrow_historyentry e ON e."chain_id" = c."id" AND e."seq" >= %s '
    'WHERE c."key" = %s'
)
_STATUS_SQL = f'SELECT {_STATUS} ORDER BY e."seq", e."id"'


def _nightly_problem(chain, check, run):
    """The last finished nightly verification's problem with this chain, as a failed check; None if it had none."""
    prefix = f"{chain.key}: "
    for failure in run.failures if run else ():
        if failure.get("problem", "").startswith(prefix):
            problem = f"nightly verification of {run.day.isoformat()}: {failure['problem'][len(prefix) :]}"
            return ChainCheck(chain.key, check.length, check.head_hash, False, problem)
    return None


def _mark_key(chain_key):
    """Per chain, and per key configuration: a key taken out of HISTORY_HMAC_KEYS, or plain SHA-256 no
    longer accepted, must make the next view walk the whole chain again. The value names the chain row it was
    taken on (chain_status walks everything on another row)."""
    keys = ",".join(sorted(settings.HISTORY_HMAC_KEYS))
    accepts_plain = settings.HISTORY_ACCEPT_PLAIN_SHA256
    digest = hashlib.sha256(f"{keys}|{accepts_plain}".encode()).hexdigest()[:16]
    return f"escrow:chain-verified:{chain_key}:{digest}"


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
