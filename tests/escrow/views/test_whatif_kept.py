"""Issue 13 item 1: the what-if page keeps its form's fields (whatif_fields) and its result (whatif_result: the
table, chart and steps) per process. Each must be what its template draws afresh, in English and in Chinese,
and never stale: every input below is asked in turn with the fragments already kept for the others, so a key
that missed something the fragment shows would hand back another case's fragment."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from escrow.contract.policies import Policies
from escrow.models import Deal
from escrow.queries.quantities import schedule_for
from escrow.templatetags.portal import whatif_fields, whatif_result
from escrow.views.forms import WhatIfForm
from escrow.views.whatif import _chart, _initial

pytestmark = pytest.mark.django_db
LANGUAGES = ("en", "zh-hans")
DATA = [
    None,  # unbound: the targets (or audited revenues) and the deal's policies
    {"revenue_1": "600000000", "revenue_2": "700,000,000", "rounding": "floor"},
    {"revenue_1": "600000000", "revenue_2": "700,000,000", "rounding": "half-up"},
    {"revenue_1": "", "revenue_2": "5"},  # a gap: the form's own error
    {"revenue_1": "abc", "revenue_2": "5", "offset_order": "bogus"},  # field errors
    {"revenue_1": "-5"},
    {f"revenue_{n}": str(n * 100_000_000) for n in range(1, 6)} | {"excess_credit": "none"},
]


def forms(deal):
    tranches = list(deal.tranches.order_by("year"))
    for data in DATA:
        form = WhatIfForm(data, tranches=tranches, deal=deal, initial=_initial(tranches))
        form.is_valid() if data is not None else None
        yield form


def fresh_fields(form):
    names = list(form.fields)
    context = {
        "revenue_fields": [form[n] for n in names if n.startswith("revenue_")],
        "policy_fields": [form[n] for n in names if not n.startswith("revenue_")],
    }
    return render_to_string("escrow/whatif_fields.html", context)


def schedules(deal):
    tranches = list(deal.tranches.order_by("year"))
    for actuals in ([], [Decimal("598500000")], [Decimal("600000000"), Decimal("700000000")]):
        for rounding in ("floor", "half-up"):
            policies = Policies.from_mapping({**deal.policies.as_dict(), "rounding": rounding})
            schedule = schedule_for(deal, tranches=tranches, actuals=actuals, policies=policies)
            yield schedule, _chart(tranches, schedule)


def test_the_fields_are_what_the_template_draws(kaixin):
    for _round in range(2):  # the second round finds every fragment kept
        for language in LANGUAGES:
            with translation.override(language):
                for deal in (kaixin, _other_policies(kaixin)):
                    for form in forms(deal):
                        assert whatif_fields(form) == fresh_fields(form), (language, form.data)


def test_the_result_is_what_the_template_draws(kaixin):
    for _round in range(2):
        for language in LANGUAGES:
            with translation.override(language):
                for currency in ("CNY", "USD"):
                    for schedule, chart in schedules(kaixin):
                        context = {"schedule": schedule, "chart": chart, "deal": {"target_currency": currency}}
                        fresh = render_to_string("escrow/whatif_result.html", context)
                        assert whatif_result(schedule, chart, currency) == fresh, (language, currency)


def _other_policies(deal):
    """The same deal with another reading of a policy (P4: rounding): the fields' initial choice moves."""
    Deal.objects.filter(pk=deal.pk).update(rounding="half-up" if deal.rounding != "half-up" else "floor")
    return Deal.objects.get(pk=deal.pk)
