"""The period statement's reads in one hand-written query (issue 13 item 1: seven ORM queries on every statement
page, CSV and API read before): the deal's years, its ledger up to the period's end, the stored penalty days up to
it, the dividends, voting instructions and meetings (for those who read them) and the fee invoices. Each kind
keeps the filter and order of the ORM query it replaced; its rows become model objects as the ORM makes them
(escrow.queries.rows.loader). tests/escrow/queries/test_statement_reads_sql.py compares it with those queries."""

import functools
from dataclasses import dataclass

from django.db import connection

from escrow.models import Dividend, FeeInvoice, Meeting, PenaltyDay, ShareMovement, Tranche, VotingInstruction
from escrow.queries.rows import columns, day, loader, moment, nulls, rows

# The row: its kind, its place in its kind's order, then each model's columns in this order; a kind fills its own
# models' columns and leaves the others' NULL (an instruction fills its meeting's, as select_related did).
_MODELS = (Tranche, ShareMovement, PenaltyDay, Dividend, VotingInstruction, Meeting, FeeInvoice)


@dataclass(frozen=True)
class _Kind:
    models: tuple  # (model, alias) the kind's rows fill
    source: str  # FROM ... WHERE ..., its values as parameters named in `params`
    order: str
    params: tuple  # the statement_reads arguments the placeholders of `source` take, in order


_KINDS = {
    "tranches": _Kind(((Tranche, "t"),), 'escrow_tranche t WHERE t."deal_id" = %s', 't."year", t."id"', ("deal",)),
    "ledger": _Kind(
        ((ShareMovement, "l"),),
        'escrow_sharemovement l WHERE l."deal_id" = %s AND l."recorded_at" < %s',
        'l."recorded_at", l."id"',
        ("deal", "until"),
    ),
    "penalty_days": _Kind(
        ((PenaltyDay, "p"),),
        'escrow_penaltyday p WHERE p."tranche_id" IN (SELECT "id" FROM escrow_tranche WHERE "deal_id" = %s) '
        'AND p."day" <= %s',
        'p."tranche_id", p."day", p."id"',
        ("deal", "end"),
    ),
    "dividends": _Kind(
        ((Dividend, "d"),),
        'escrow_dividend d WHERE d."deal_id" = %s AND d."passed_on" >= %s AND d."passed_on" <= %s',
        'd."passed_on", d."id"',
        ("deal", "start", "end"),
    ),
    "instructions": _Kind(
        ((VotingInstruction, "v"), (Meeting, "m")),
        'escrow_votinginstruction v INNER JOIN escrow_meeting m ON v."meeting_id" = m."id" '
        'WHERE m."deal_id" = %s AND v."given_at" >= %s AND v."given_at" < %s',
        'v."given_at", v."id"',
        ("deal", "since", "until"),
    ),
    "meetings": _Kind(
        ((Meeting, "m"),),
        'escrow_meeting m WHERE m."deal_id" = %s '
        'AND ((m."lodged_on" >= %s AND m."lodged_on" <= %s) OR m."lodged_at" IS NULL)',
        'm."id"',
        ("deal", "start", "end"),
    ),
    "invoices": _Kind(
        ((FeeInvoice, "f"),), 'escrow_feeinvoice f WHERE f."deal_id" = %s', 'f."year", f."id"', ("deal",)
    ),
}
RIGHTS = ("dividends", "instructions", "meetings")


def statement_reads(deal, *, start, end, since, until, kinds) -> dict:
    """{kind: its rows} for each of `kinds` (names of _KINDS), in one query:
    - tranches: the deal's years, by year;
    - ledger: its ShareMovements recorded before `until`, by moment;
    - penalty_days: the PenaltyDays of its years on or before `end`, by year and day;
    - dividends: paid to the seller from `start` to `end`, by day;
    - instructions: voting instructions given from `since` up to `until`, by moment, with their meeting;
    - meetings: those whose proxy was lodged from `start` to `end` or not lodged yet, by id;
    - invoices: every fee invoice of the deal, by year."""
    kinds = tuple(kinds)
    values = {"deal": deal.pk, "start": day(start), "end": day(end), "since": moment(since), "until": moment(until)}
    params = [values[name] for kind in kinds for name in _KINDS[kind].params]
    read = {kind: [] for kind in kinds}
    offsets = _offsets()
    for row in rows(_sql(kinds, connection.vendor), params):
        kind = kinds[row[0]]
        models = _KINDS[kind].models
        found = loader(models[0][0])(row[offsets[models[0][0]] :])
        if kind == "instructions":
            found.meeting = loader(Meeting)(row[offsets[Meeting] :])
        read[kind].append(found)
    return read


@functools.cache
def _offsets() -> dict:
    offsets, at = {}, 2
    for model in _MODELS:
        offsets[model] = at
        at += len(model._meta.concrete_fields)
    return offsets


@functools.cache
def _sql(kinds, vendor) -> str:
    """Written once per process, choice of kinds and database: each kind's SELECT with its rows numbered in its
    order, one UNION ALL."""
    return " UNION ALL ".join(_select(i, _KINDS[kind]) for i, kind in enumerate(kinds)) + " ORDER BY 1, 2"


def _select(number, kind):
    aliases = dict(kind.models)
    parts = [str(number), f"ROW_NUMBER() OVER (ORDER BY {kind.order})"]
    for model in _MODELS:
        if model in aliases:
            parts.append(columns(model, aliases[model]))
        else:
            parts.append(nulls(model))
    return f"SELECT {', '.join(parts)} FROM {kind.source}"  # noqa: S608 - constant SQL, values are parameters
