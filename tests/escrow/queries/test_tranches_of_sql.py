"""Issue 13 item 1: /api/deals/<ref>/tranches/ reads the deal's years, their open instruments and those
instruments' signatures with hand-written SQL (escrow.queries.steps.tranches_of). It is compared here with
tranches_with_context, the ORM read it replaced, on a deal with a year whose joint instruction one party has signed and
years still running, and a deal with no open instrument; on PostgreSQL and on
SQLite alike."""

import pytest

from escrow import actions
from escrow.api import serializers as out
from escrow.queries.steps import signed_roles_of, tranches_of, tranches_with_context
from tests.conftest import PASSWORD, open_and_file, tranche

pytestmark = pytest.mark.django_db


def fields(obj):
    return None if obj is None else [getattr(obj, f.attname) for f in obj._meta.concrete_fields]


def read(tranches):
    return [
        (
            fields(t),
            fields(t.deal),
            [(fields(i), [(fields(s), fields(s.party)) for s in i.signatures.all()]) for i in t.open_instruments],
            sorted(signed_roles_of(t)),
            out.tranche_summary_data(t),
        )
        for t in tranches
    ]


def test_the_years_are_what_the_orm_read(deposited, people, django_assert_max_num_queries):
    open_and_file(deposited, people, 1, "598500000")
    instruction = tranche(deposited, 1).instruments.get(kind="joint_instruction", status="open")
    actions.sign_instrument(
        people["issuer"],
        instruction.pk,
        expected_sha256=instruction.document.sha256,
        password=PASSWORD,
        ip="127.0.0.1",
        user_agent="pytest",
    )
    found = read(tranches_of(deposited))
    assert found == read(tranches_with_context([deposited]).order_by("year"))
    assert [roles for _t, _d, _o, roles, _s in found][:2] == [["issuer"], []]
    with django_assert_max_num_queries(3):  # the years, their open instruments, the signatures with their parties
        tranches_of(deposited)


def test_a_deal_without_open_instruments(kaixin):
    assert read(tranches_of(kaixin)) == read(tranches_with_context([kaixin]).order_by("year"))
