"""Issue 14 item 7, EA 4.2: the escrow agent may not sell, transfer, pledge or otherwise dispose of the shares.
Only a deposit, a release, a return for cancellation and a rebase (a split, a consolidation or a stock
dividend's new shares) can be written to the ledger: the action layer refuses any other kind first, and the
database's check constraint `movement_kind_ea_4_2` refuses it even from an insider going round the actions
(the ORM or raw SQL)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from escrow.actions.movements import check_movement_kind, write_movement
from escrow.contract.errors import NotAllowed
from escrow.models import ShareMovement
from escrow.models.ledger import EA_4_2_KINDS
from tests.escrow.history.test_triggers import operator_sql

pytestmark = pytest.mark.django_db
DISPOSALS = ("sale", "transfer", "pledge", "loan", "disposal")


def test_exactly_the_four_ea_4_2_kinds():
    assert EA_4_2_KINDS == ("deposit", "release", "return", "rebase")
    assert set(ShareMovement.Kind.values) == set(EA_4_2_KINDS)
    for kind in EA_4_2_KINDS:
        check_movement_kind(kind)


def test_the_rebase_label_names_every_source():
    """A stock dividend's new shares are written as rebases too (escrow.actions.holdings), so the label a reader
    sees on statements and the admin names it beside a split and a consolidation, in both languages."""
    with translation.override("en"):
        assert str(ShareMovement.Kind.REBASE.label) == "Rebase (split, consolidation or stock dividend)"
    with translation.override("zh-hans"):
        assert str(ShareMovement.Kind.REBASE.label) == "股数调整（拆股、合股或股票股息）"


@pytest.mark.parametrize("kind", DISPOSALS)
def test_the_action_layer_refuses_a_disposal(deposited, people, kind):
    with pytest.raises(NotAllowed, match=r"EA 4\.2") as refused, transaction.atomic():
        write_movement(deal=deposited, kind=kind, quantity=1, fact_key=f"x:{kind}", actor=people["agent1"])
    assert refused.value.clause == "EA 4.2"
    assert not ShareMovement.objects.filter(kind=kind).exists()


@pytest.mark.parametrize("kind", DISPOSALS)
def test_the_orm_cannot_write_a_disposal(require_postgres, deposited, people, kind):
    """An insider with a Django shell, going round the actions."""
    with pytest.raises(IntegrityError, match="movement_kind_ea_4_2"), transaction.atomic():
        ShareMovement.objects.create(
            deal=deposited,
            kind=kind,
            quantity=1_000,
            fact_key=f"insider:{kind}",
            recorded_at=timezone.now(),
            recorded_by=people["agent1"],
        )
    assert ShareMovement.objects.filter(deal=deposited).balances()["in_escrow"] == 15_000_000


@pytest.mark.parametrize("kind", DISPOSALS)
def test_raw_sql_cannot_write_a_disposal(require_postgres, deposited, people, kind):
    """An operator at a psql prompt: the check constraint refuses the row."""
    refusal = operator_sql(
        "INSERT INTO escrow_sharemovement (deal_id, kind, quantity, fact_key, reference, recorded_at, recorded_by_id) "
        "VALUES (%s, %s, 1000, %s, '', now(), %s)",
        [deposited.pk, kind, f"psql:{kind}", people["agent1"].pk],
    )
    assert refusal and "movement_kind_ea_4_2" in refusal
    assert not ShareMovement.objects.filter(fact_key=f"psql:{kind}").exists()


def test_a_rebase_row_is_accepted_by_the_database(require_postgres, deposited, people):
    """The fourth kind EA 4.2 allows (a rebase: a split or consolidation, issue 14 item 4, or a stock dividend's
    new shares, item 2) passes the constraint."""
    with transaction.atomic():
        movement = write_movement(
            deal=deposited, kind="rebase", quantity=1, fact_key="rebase:test", actor=people["agent1"]
        )
    assert movement.kind == ShareMovement.Kind.REBASE
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM escrow_sharemovement WHERE kind = 'rebase'")
        assert cursor.fetchone()[0] == 1
