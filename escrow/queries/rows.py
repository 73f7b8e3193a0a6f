"""Model objects from the rows of hand-written SQL (issue 13 item 1), as the ORM makes them.

Queries a page runs on every request are written in SQL once per process instead of being built and compiled
through the ORM each time (escrow.queries.due, escrow.queries.deals.deal_for); their rows become model objects
here: each field's database converters (SQLite's dates, a JSON field's decoding), then Model.from_db. Their date
and datetime parameters go through `moment` and `day` (SQLite compares stored UTC text; a raw aware datetime would
be bound with its offset).
"""

from django.db import connection, connections
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django_fsm import FSMFieldDescriptor

# A hand-written read's date and datetime parameters, bound as the ORM binds them (SQLite compares UTC text:
# escrow.models.params says why); defined below the queries so escrow.usecases binds through the same rule.
from escrow.models.params import day, moment  # noqa: F401 (re-exported for the reads)


def columns(model, alias, names=None):
    """The model's concrete columns as `alias`."column", in the order `loader` reads them; `names`: only these
    fields (attnames), still in the model's order."""
    return ", ".join(f'{alias}."{field.column}"' for field in _fields(model, names))


def _fields(model, names=None):
    fields = model._meta.concrete_fields
    return fields if names is None else [field for field in fields if field.attname in names]


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


def loader(model, names=None):
    """Makes a model object from a row's leading columns, as the ORM makes it: each field's database converters
    (SQLite's dates, a JSON field's decoding) applied, then Model.from_db. `names`: only these fields (attnames;
    the row holds them in the model's order, as `columns` writes them), the others deferred, as .only() makes it."""
    names, converters = _loading(model, None if names is None else _fields(model, names))
    db = connections[connection.alias]  # the connection itself, not the proxy, once per list
    alias, count = db.alias, len(names)
    plain = _plain(model)

    def load(row):
        values = list(row[:count])
        for i, convert, column in converters:
            values[i] = convert(values[i], column, db)
        if not plain:
            return model.from_db(alias, names, values)
        # What from_db and Model.__init__ do for a whole row of a plain model (below), without a call per field:
        # 60-100 function calls a row fewer (issue 13 item 1: the due items' Deal and Tranche objects).
        new = model.__new__(model)
        state = new._state = ModelState()
        state.adding, state.db = False, alias
        new.__dict__.update(zip(names, values, strict=True))
        return new

    return load


def _plain(model) -> bool:
    """Whether Model.from_db(row) only stores each value under its attname: the model keeps Django's from_db and
    __init__, nobody listens to its pre_init or post_init, and no field's attribute does more when set than store
    the value (a foreign key's id clears a cached object, which a new object has not; `_stores`). tests/escrow/queries/
    test_rows.py compares the objects both ways make."""
    key = ("plain", model)
    if key not in _LOADING:
        _LOADING[key] = (
            model.from_db.__func__ is Model.from_db.__func__
            and model.__init__ is Model.__init__
            and not signals.pre_init.has_listeners(model)
            and not signals.post_init.has_listeners(model)
            and all(_stores(model.__dict__.get(field.attname)) for field in model._meta.concrete_fields)
        )
    return _LOADING[key]


def _stores(attribute) -> bool:
    """Setting the attribute on a new object only stores the value: Django's own, or django-fsm's state field
    without state proxies (its protection only refuses a second assignment)."""
    if isinstance(attribute, FSMFieldDescriptor):
        return not attribute.field.state_proxy
    return type(attribute) in (DeferredAttribute, ForeignKeyDeferredAttribute)


def converter(model, names):
    """Makes the values of the model's fields `names` (attnames) from a row's leading columns, as values_list gives
    them: each field's database converters applied (SQLite's dates and decimals, a JSON field's decoding)."""
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    names, converters = _loading(model, [by_attname[name] for name in names])
    db = connections[connection.alias]
    count = len(names)

    def convert_row(row):
        values = list(row[:count])
        for i, convert, column in converters:
            values[i] = convert(values[i], column, db)
        return tuple(values)

    return convert_row


_LOADING = {}


def _loading(model, fields=None):
    """The field names and database converters (the ORM's, per field) of the model's fields (`fields`, in that
    order; all of them by default), worked out once per process."""
    key = (model, connection.vendor, None if fields is None else tuple(field.attname for field in fields))
    if key not in _LOADING:
        fields = model._meta.concrete_fields if fields is None else fields
        cols = [field.get_col(model._meta.db_table) for field in fields]
        converters = [  # the database's own (SQLite's dates, decimals, booleans), then the field's (JSON)
            (i, convert, column)
            for i, column in enumerate(cols)
            for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        ]
        _LOADING[key] = ([field.attname for field in fields], converters)
    return _LOADING[key]
