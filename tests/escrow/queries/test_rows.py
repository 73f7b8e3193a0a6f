"""Issue 13 item 1: escrow.queries.rows.loader makes a plain model's object without Model.from_db's call per field;
the objects must be the ones from_db makes (every attribute, the state, the database) for every model the
hand-written queries load, and a model that is not plain (a listener, a field that does more when set) still goes
through from_db."""

import pytest
from django.db.models import signals

from escrow.models import Deal, DealParty, Notification, Tranche
from escrow.queries import rows
from escrow.queries.rows import columns, loader
from parties.models import Organisation
from tests.conftest import open_and_file

pytestmark = pytest.mark.django_db
MODELS = [Deal, Tranche, DealParty, Organisation, Notification]


def read(model):
    table = model._meta.db_table
    return rows.rows(f"SELECT {columns(model, 't')} FROM {table} t ORDER BY t.id", ())


def reference(model, row):
    """What loader did before: the converters, then from_db."""
    from django.db import connection

    names = [f.attname for f in model._meta.concrete_fields]
    values = list(row)
    for i, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
            values[i] = convert(values[i], column, connection)
    return model.from_db(connection.alias, names, values)


def same(a, b):
    assert type(a) is type(b)
    assert {k: v for k, v in vars(a).items() if k != "_state"} == {k: v for k, v in vars(b).items() if k != "_state"}
    for state in ("adding", "db", "fields_cache"):
        assert getattr(a._state, state) == getattr(b._state, state), state


def test_plain_models_load_as_from_db_makes_them(deposited, people):
    open_and_file(deposited, people, 1, "665000000")  # a calculation (JSON), dates, decimals, a state
    for model in MODELS:
        assert rows._plain(model), model
        found = read(model)
        assert found, model
        load = loader(model)
        for row in found:
            made, expected = load(row), reference(model, row)
            same(made, expected)
            assert made == expected and made.pk == expected.pk
    tranche = loader(Tranche)(read(Tranche)[0])
    assert tranche.state and tranche.deal.pk == tranche.deal_id  # the state reads back; a foreign key loads


def test_a_model_with_a_listener_goes_through_from_db(deposited):
    calls = []

    def listener(sender, instance, **kwargs):
        calls.append(instance)

    signals.post_init.connect(listener, sender=Deal)
    rows._LOADING.pop(("plain", Deal), None)
    try:
        assert not rows._plain(Deal)
        deal = loader(Deal)(read(Deal)[0])
        assert calls == [deal]
    finally:
        signals.post_init.disconnect(listener, sender=Deal)
        rows._LOADING.pop(("plain", Deal), None)
    assert rows._plain(Deal)
