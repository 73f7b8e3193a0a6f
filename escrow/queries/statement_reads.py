"""The period statement's reads of dividends, voting instructions, meetings and fee invoices in one hand-written
query (issue 13 item 1: four ORM queries on every statement page, CSV and API read before). Each kind keeps its
own filter and order; its rows become model objects as the ORM makes them (escrow.queries.rows.loader).
tests/escrow/queries/test_statement_reads_sql.py compares it with the ORM queries it replaced."""

from django.db import connection

from escrow.models import Dividend, FeeInvoice, Meeting, VotingInstruction
from escrow.queries.rows import columns, loader, rows

# The row: kind, its place in its kind's order, then a dividend's columns, an instruction's, a meeting's (the
# instruction's own meeting, or a meeting read for itself), an invoice's; each kind leaves the others' NULL.
_GROUPS = (Dividend, VotingInstruction, Meeting, FeeInvoice)
DIVIDENDS, INSTRUCTIONS, MEETINGS, INVOICES = range(4)


def statement_reads(deal, *, start, end, since, until, rights=True):
    """(dividends paid to the seller from `start` to `end`, by day; voting instructions given from `since` up to
    `until`, by moment, with their meeting; meetings whose proxy was lodged from `start` to `end` or not lodged
    yet, by id; every fee invoice of the deal, by year). Without `rights` only the invoices are read."""
    params = [deal.pk]
    if rights:
        params = [deal.pk, start, end, deal.pk, since, until, deal.pk, start, end, deal.pk]
    found = rows(_sql(rights), params)
    loads = {model: loader(model) for model in _GROUPS}
    offsets = _offsets()
    read = ([], [], [], [])
    for row in found:
        kind = row[0]
        if kind == INSTRUCTIONS:
            instruction = loads[VotingInstruction](row[offsets[VotingInstruction] :])
            instruction.meeting = loads[Meeting](row[offsets[Meeting] :])
            read[kind].append(instruction)
        else:
            model = _GROUPS[kind]
            read[kind].append(loads[model](row[offsets[model] :]))
    return read


def _offsets():
    offsets, at = {}, 2
    for model in _GROUPS:
        offsets[model] = at
        at += len(model._meta.concrete_fields)
    return offsets


_SQL = {}


def _sql(rights):
    """Written once per process and database: each kind's SELECT, its rows numbered in its order, one UNION ALL."""
    key = (rights, connection.vendor)
    if key not in _SQL:
        branches = [
            _branch(
                INVOICES,
                'escrow_feeinvoice f WHERE f."deal_id" = %s',
                'f."year", f."id"',
                {FeeInvoice: "f"},
            )
        ]
        if rights:
            branches[:0] = [
                _branch(
                    DIVIDENDS,
                    'escrow_dividend d WHERE d."deal_id" = %s AND d."passed_on" >= %s AND d."passed_on" <= %s',
                    'd."passed_on", d."id"',
                    {Dividend: "d"},
                ),
                _branch(
                    INSTRUCTIONS,
                    'escrow_votinginstruction v INNER JOIN escrow_meeting m ON v."meeting_id" = m."id" '
                    'WHERE m."deal_id" = %s AND v."given_at" >= %s AND v."given_at" < %s',
                    'v."given_at", v."id"',
                    {VotingInstruction: "v", Meeting: "m"},
                ),
                _branch(
                    MEETINGS,
                    'escrow_meeting m WHERE m."deal_id" = %s '
                    'AND ((m."lodged_on" >= %s AND m."lodged_on" <= %s) OR m."lodged_at" IS NULL)',
                    'm."id"',
                    {Meeting: "m"},
                ),
            ]
        _SQL[key] = " UNION ALL ".join(branches) + " ORDER BY 1, 2"
    return _SQL[key]


def _branch(kind, source, order, aliases):
    """One kind's SELECT: its models' columns under their aliases, typed NULLs for every other model's."""
    parts = [str(kind), f"ROW_NUMBER() OVER (ORDER BY {order})"]
    for model in _GROUPS:
        if model in aliases:
            parts.append(columns(model, aliases[model]))
        else:
            parts.extend(f"CAST(NULL AS {field.cast_db_type(connection)})" for field in model._meta.concrete_fields)
    return f"SELECT {', '.join(parts)} FROM {source}"  # noqa: S608 - constant SQL, values are parameters
