"""Many rows in one statement: PostgreSQL COPY for the sweep's bulk inserts (issue 13 item 4).

Django's bulk_create prepares every value of every row in Python, field by field, and the driver then
binds each one to a placeholder; for the 160,000 penalty days of a catch-up (14 columns) that was most
of the sweep's time. COPY hands the rows to the driver's C code as they are and the server writes them
in one pass, close to what an INSERT ... SELECT of the same rows costs (docs/performance.md).

The rows are tuples of Python values in the order of `fields` (attribute names: `deal_id`, not `deal`),
already what the column stores: the helpers apply no field defaults and no `auto_now`. A row whose unique
key is already taken is skipped, as bulk_create(ignore_conflicts=True) would: a concurrent run wrote it
first. COPY cannot skip a row, so it runs in a savepoint; if it is refused, the rows go through a
temporary table and one INSERT ... ON CONFLICT DO NOTHING instead (the rare path).
Other databases (the SQLite demo) take bulk_create.
"""

import json as pyjson
from contextlib import nullcontext
from itertools import count

from django.db import IntegrityError, connection, models, transaction
from django.db.models.expressions import RawSQL
from psycopg.types.json import Jsonb

_staging = count()


class JsonText(str):
    """A JSON column's value as its JSON text, made once by the caller (a notice's message is the same for all
    its readers; a history entry's details were dumped for its hash): COPY's text format hands the text to the
    server, which parses it as jsonb, instead of dumping the value again for each row."""

    __slots__ = ()


def copy_rows(model, fields, rows, *, skip_taken=True) -> int:
    """Insert `rows` (tuples in `fields` order); returns how many were written (conflicts skipped).
    skip_taken=False: no row can conflict (e.g. each refers to a row just written), so no savepoint is needed
    to skip one; a taken key is an error (IntegrityError)."""
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        return len(_bulk_create(model, fields, rows, ignore_conflicts=skip_taken))
    if not skip_taken:
        table, columns = _quoted(model, fields)
        with connection.cursor() as cursor:
            _copy(cursor, f"COPY {table} ({columns}) FROM STDIN", _adapted(model, fields, rows))
        return len(rows)
    written = _copy_or_insert(model, fields, rows, returning=False)
    return len(rows if written is None else written)


def copy_rows_with_ids(model, fields, rows, *, skip_taken=True) -> list:
    """Like `copy_rows`, with the primary keys taken first (so rows that refer to these, like an email
    to its notification, need no read-back): the id of each row in order, None where it was skipped.
    skip_taken=False: a taken unique key is an error (IntegrityError), as for a chain's next position."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        if not skip_taken:
            return [obj.pk for obj in _bulk_create(model, fields, rows)]
        return _create_one_by_one(model, fields, rows)
    ids = reserve_ids(model, len(rows))
    rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
    if not skip_taken:
        table, columns = _quoted(model, ["id", *fields])
        with connection.cursor() as cursor:
            _copy(cursor, f"COPY {table} ({columns}) FROM STDIN", _adapted(model, ["id", *fields], rows))
        return ids
    written = _copy_or_insert(model, ["id", *fields], rows, returning=True)
    if written is None:
        return ids
    return [pk if pk in written else None for pk in ids]


def any_of(values, sql_type="bigint"):
    """For `field__in=` with thousands of values: one array parameter (`IN (SELECT unnest(%s))`) instead of
    a placeholder per value, which the driver would bind one by one. A plain list elsewhere (SQLite)."""
    values = list(values)
    if connection.vendor != "postgresql":
        return values
    # the type is ours, the values one parameter
    return RawSQL(f"SELECT unnest(%s::{sql_type}[])", [array_literal(values)])  # noqa: S611


def array_literal(values):
    """A list of integers or of strings as one PostgreSQL array literal, for a parameter cast to its array type
    (`%s::bigint[]`, `%s::text[]`): the driver quotes a list element by element, with a regular expression each
    (a tenth of a sweep's notice). Any other list is returned as it is, for the driver."""
    values = list(values)
    if all(type(v) is int for v in values):
        return "{" + ",".join(map(str, values)) + "}"
    if all(type(v) is str for v in values):
        return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"
    return values


def reserve_ids(model, n) -> list:
    """n primary keys from the table's own sequence, in one statement."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [connection.ops.quote_name(table), n],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _copy_or_insert(model, fields, rows, *, returning):
    """None when COPY wrote every row; else the ids written (returning) or a list as long as the count."""
    rows = _adapted(model, fields, rows)
    table, columns = _quoted(model, fields)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _copy(cursor, f"COPY {table} ({columns}) FROM STDIN", rows)
        return None
    except IntegrityError:  # a unique key is taken: skip those rows, keep everything else
        return _insert_skipping(table, columns, rows, returning=returning)


def _insert_skipping(table, columns, rows, *, returning):
    staging = f"bulk_staging_{next(_staging)}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA")  # noqa: S608
        _copy(cursor, f"COPY {staging} ({columns}) FROM STDIN", rows)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "  # noqa: S608 (our own names)
            f"ON CONFLICT DO NOTHING RETURNING {'id' if returning else '1'}"
        )
        written = [value for (value,) in cursor.fetchall()]
        cursor.execute(f"DROP TABLE {staging}")
    return set(written) if returning else written


def _copy(cursor, sql, rows):
    """COPY through Django's cursor: execute wrappers and the debug log (DEBUG, assertNumQueries) see it
    as one statement, like any other."""

    def run(sql, params, many, context):
        with cursor.db.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    debug = getattr(cursor, "debug_sql", None)
    with debug(sql) if debug else nullcontext():
        cursor._execute_with_wrappers(sql, None, False, run)  # Django's hook for wrappers (no public one)


def _adapted(model, fields, rows):
    """JSON columns as jsonb (psycopg passes a dict only when told); every other value as it is."""
    json = {i for i, name in enumerate(fields) if isinstance(model._meta.get_field(name), models.JSONField)}
    if not json:
        return rows
    return [
        tuple(Jsonb(v) if i in json and v is not None and not isinstance(v, JsonText) else v for i, v in enumerate(row))
        for row in rows
    ]


def _quoted(model, fields):
    q = connection.ops.quote_name
    return q(model._meta.db_table), ", ".join(q(model._meta.get_field(f).column) for f in fields)


def _bulk_create(model, fields, rows, **options):
    rows = [tuple(pyjson.loads(v) if isinstance(v, JsonText) else v for v in row) for row in rows]
    return model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows], **options)


def _create_one_by_one(model, fields, rows) -> list:
    """The demo's path (SQLite): one insert per row, each in a savepoint, so a taken key skips one row."""
    ids = []
    for row in rows:
        try:
            with transaction.atomic():
                ids.append(_bulk_create(model, fields, [row])[0].pk)
        except IntegrityError:
            ids.append(None)
    return ids
