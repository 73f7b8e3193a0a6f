"""Issue 13 item 4: the sweep finds the due steps from rows (`deadlines._tranche_steps`, through
`queries.steps.deadline_step`), not from model objects; each must be the step `next_step` gives the page and
the API for the same tranche, in every state that has a deadline, signatures included."""

import gc
from dataclasses import replace
from datetime import date

import pytest
from django.utils import translation

from escrow import actions
from escrow.actions.deadlines import _tranche_steps, remind_and_mark
from escrow.models import Tranche, TrancheState
from escrow.queries.steps import DEADLINE_STATES, next_step, signed_roles_of, tranches_with_context
from tests.conftest import PASSWORD, open_and_file, tranche

pytestmark = pytest.mark.django_db

S = TrancheState


def _signed_by_issuer_only(deal, people):
    """Year 1 awaits the joint instruction (EA 3.1(b)), which the issuer has signed and the purchaser not."""
    t = open_and_file(deal, people, 1, "665000000")
    instruction = t.instruments.get(kind="joint_instruction", status="open")
    actions.sign_instrument(
        people["issuer"], instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD, ip="127.0.0.1"
    )


def _as_read(step):
    """A step as the sweep uses it (the provisional mark is for pages), its description in both languages."""
    words = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            words.append(str(step.description))
    return replace(step, provisional=None, description=tuple(words))


def test_the_steps_from_rows_are_next_steps(deposited, people):
    _signed_by_issuer_only(deposited, people)
    release, transfer = date(2027, 1, 29), date(2027, 2, 22)
    later = {
        2: dict(state=S.AWAITING_REPORT),
        3: dict(state=S.AWAITING_INSTRUCTION, calculation={"requires_settlement": True}),
        4: dict(state=S.INSTRUCTED, documents_complete_on=date(2027, 2, 1)),
        5: dict(state=S.RELEASE_PREPARED, documents_complete_on=date(2027, 2, 1)),
    }
    for year, fields in later.items():  # the states as the actions leave them; only the read is under test
        Tranche.objects.filter(deal=deposited, year=year).update(
            release_due_date=release, transfer_due_date=transfer, **fields
        )
    assert tranche(deposited, 1).state == S.AWAITING_INSTRUCTION

    rows = list(_tranche_steps(Tranche.objects.filter(deal=deposited)))
    models = [t for t in tranches_with_context([deposited]) if t.state in DEADLINE_STATES]

    assert [(d.tranche.pk, d.tranche.year) for d in rows] == [(t.pk, t.year) for t in models]
    assert len(rows) == 5
    assert {(d.deal.pk, d.deal.name, d.deal.slug) for d in rows} == {(deposited.pk, deposited.name, deposited.slug)}
    for due, model in zip(rows, models, strict=True):
        assert _as_read(due.step) == _as_read(next_step(model, signed_roles=signed_roles_of(model)))
    assert rows[0].step.roles == ("purchaser",)  # the issuer has signed


def test_the_collector_is_back_as_it_was_after_the_phase(db):
    """The phase pauses the cycle collector while it makes the notices (batch.collector_paused), then hands it
    back as the caller had it."""
    assert gc.isenabled()
    remind_and_mark(date(2027, 1, 23))
    assert gc.isenabled()
    gc.disable()
    try:
        remind_and_mark(date(2027, 1, 23))
        assert not gc.isenabled()
    finally:
        gc.enable()
