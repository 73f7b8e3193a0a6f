"""Model objects from the rows of hand-written SQL (issue 13 item 1), as the ORM makes them.

Queries a page runs on every request are written in SQL once per process instead of being built and compiled
through the ORM each time (escrow.queries.due, escrow.queries.deals.deal_for); their rows become model objects
here: each field's database converters (SQLite's dates, a JSON field's decoding), then Model.from_db.
"""

from django.db import connection, connections


def columns(model, alias):
    """The model's concrete columns as `alias`."column", in the order `loader` reads them."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def nulls(model):
    """As many NULLs as `columns` writes for the model, each cast to its column's type: a UNION ALL of kinds of rows
    leaves the columns of the models a kind does not read NULL, and PostgreSQL must find each column's type."""
    return ", ".join(f"CAST(NULL AS {field.cast_db_type(connection)})" for field in model._meta.concrete_fields)


def width(model) -> int:
    """How many columns `columns` writes for the model."""
    return len(model._meta.concrete_fields)


def rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def loader(model):
    """Makes a model object from a row's leading columns, as the ORM makes it: each field's database converters
    (SQLite's dates, a JSON field's decoding) applied, then Model.from_db."""
    names, converters = _loading(model)
    db = connections[connection.alias]  # the connection itself, not the proxy, once per list
    alias, count = db.alias, len(names)

    def load(row):
        values = list(row[:count])
        for i, convert, column in converters:
            values[i] = convert(values[i], column, db)
        return model.from_db(alias, names, values)

    return load


_LOADING = {}


def _loading(model):
    """The model's field names and database converters (the ORM's, per field), worked out once per process."""
    key = (model, connection.vendor)
    if key not in _LOADING:
        fields = model._meta.concrete_fields
        cols = [field.get_col(model._meta.db_table) for field in fields]
        converters = [  # the database's own (SQLite's dates, decimals, booleans), then the field's (JSON)
            (i, convert, column)
            for i, column in enumerate(cols)
            for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        ]
        _LOADING[key] = ([field.attname for field in fields], converters)
    return _LOADING[key]
