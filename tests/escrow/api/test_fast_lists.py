"""Issue 13 item 1: /api/me/due/ and /api/deals/ write their items as plain dicts (escrow.api.serializers
due_action_data, deal_summary_data); they must be exactly what DueActionSerializer and DealSummarySerializer
give, the schema's description, for every kind of item and in both languages."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.utils import translation

from escrow.api import serializers as out
from escrow.models import Deal, Role, Tranche, TrancheState
from escrow.queries.clock import ProvisionalDeadline
from escrow.queries.due import DueAction
from escrow.queries.steps import CONFIRM_DEPOSIT, NextStep, next_step

DEAL = Deal(pk=7, slug="kaixin-2025", name="Kaixin", name_zh="凯鑫", state=Deal.State.IN_ESCROW, total_shares=10)
PROVISIONAL = ProvisionalDeadline("transfer_due_date", "EA 3.2", date(2027, 2, 10), "CN", (2027, 2028))


def items():
    deposit = NextStep((Role.ESCROW_AGENT,), "confirm_deposit", CONFIRM_DEPOSIT, date(2025, 12, 23), "EA 1.1")
    yield DueAction(DEAL, None, deposit, 22, 15)
    yield DueAction(
        DEAL, None, NextStep((Role.ESCROW_AGENT,), "confirm_deposit", CONFIRM_DEPOSIT, None, "EA 1.1"), None, None
    )
    for state in TrancheState:
        tranche = Tranche(pk=11, year=2, deal=DEAL, state=state, calculation={}, release_due_date=date(2027, 1, 29))
        step = next_step(tranche, signed_roles={Role.ISSUER})
        yield DueAction(DEAL, tranche, step, -3, None)
        yield DueAction(
            DEAL,
            tranche,
            NextStep(step.roles, step.action, step.description, date(2027, 2, 10), "EA 3.2", PROVISIONAL),
            40,
            28,
        )
    done = NextStep((), "", "Released", None, "EA 3.2", done=True)
    yield DueAction(DEAL, Tranche(pk=12, year=3, deal=DEAL), done, 0, 0)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_due_items_are_the_serializers(language):
    with translation.override(language):
        for item in items():
            assert out.due_action_data(item) == out.DueActionSerializer(item).data, item


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_due_list_is_its_items_serialized(language):
    listed = [*items(), *items()]  # each kind of step twice: the second time from the list's own texts
    with translation.override(language):
        assert out.due_actions_data(listed) == [out.DueActionSerializer(item).data for item in listed]
        assert out.due_actions_data(listed) == [out.due_action_data(item) for item in listed]
    assert out.due_actions_data([]) == []


@pytest.mark.parametrize("my_role", [Role.ISSUER, "auditor", None, ""])
def test_deal_summaries_are_the_serializers(my_role):
    deal = Deal(pk=3, slug="d", name="D", name_zh="丁", state=Deal.State.AWAITING_DEPOSIT, total_shares=5, ticker="T")
    deal.my_role = my_role
    request = SimpleNamespace(user=None)
    assert out.deal_summary_data(deal, request) == out.DealSummarySerializer(deal, context={"request": request}).data
