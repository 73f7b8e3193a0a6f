"""The engine's "how the quantity was computed" steps in the reader's language.

The engine (escrow.contract, no Django) records each step as data: the clause, a `key` naming the
kind of step, its inputs and the figures its sentence needs (`facts`), beside its English wording
(escrow.contract.explain.Explanation). A page renders the step from that data through the catalogue:
a formula and a full sentence per step, inputs as `S = 3,000,000`, amounts with their currency,
policies by their number and meaning, never by code. A step stored before steps carried a key
(older calculations) is shown in the engine's English wording, marked as such.
"""

from dataclasses import dataclass

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from escrow.contract.policies import POLICY_DEFINITIONS
from escrow.queries.words import amount_text, as_decimal, money_text, shares_text

POLICIES = {d.key: d for d in POLICY_DEFINITIONS}
MONEY_INPUTS = {"T", "R", "excess", "credited", "T_base"}
SHARE_INPUTS = {"S", "total", "released", "release_quantity"}
YEAR_MAPS = {"offset_shares", "formula_offset_shares", "unreleased_of_fifth"}

INPUT_LABELS = {
    "S": _("S (shares of the year's tranche)"),
    "T": _("T (target revenue)"),
    "R": _("R (audited revenue)"),
    "excess": _("R − T (excess revenue)"),
    "credited": _("revenue credited to the earlier year"),
    "T_base": _("T_base (the target that converts the credit into shares)"),
    "fraction": _("f (share of that tranche earned)"),
    "year": _("year"),
    "total": _("total shares"),
    "released": _("shares released"),
    "years_audited": _("years audited"),
    "tranches": _("tranches"),
    "start": _("start day"),
    "business_days": _("business days"),
    "calendar_days": _("calendar days"),
    "release_quantity": _("quantity released"),
    "offset_shares": _("offsets, by earlier year"),
    "formula_offset_shares": _("the formula's offsets, by earlier year"),
    "unreleased_of_fifth": _("still unreleased of each year's fifth"),
    "day": _("day"),
}

# Where a deadline is counted from (escrow.contract.calendar passes these words as `what`).
STARTS = {
    "effective date": _("the effective date"),
    "assessment year end": _("the end of the assessment year"),
    "all documents received": _("the day all documents were received"),
    "sent by courier": _("the day the notice was sent by courier"),
}

ROUNDING = {"floor": _("rounded down"), "half-up": _("rounded to the nearest share, halves up")}


@dataclass(frozen=True)
class Step:
    """One step as a page shows it."""

    clause: str
    formula: str
    inputs: list  # (label, value) pairs, values already formatted
    sentence: str
    warnings: list
    english: str  # the engine's wording, kept for the record (a tooltip)
    translated: bool  # False: an older step without a key, shown in the engine's English


def steps(explanations, currency="CNY") -> list:
    """Each explanation (an Explanation or its stored dict) as a Step in the active language."""
    return [step(e if isinstance(e, dict) else e.as_dict(), currency) for e in explanations or []]


def step(data: dict, currency="CNY") -> Step:
    inputs, facts = data.get("inputs") or {}, data.get("facts") or {}
    render = SENTENCES.get(data.get("key") or "")
    english = f"{data.get('formula', '')} → {data.get('figure', '')}"
    if render is None:
        return Step(data.get("clause", ""), data.get("formula", ""), [], data.get("figure", ""), [], english, False)
    formula, sentence = render(inputs, facts, currency)
    return Step(
        data.get("clause", ""),
        str(formula),
        [pair for key, value in inputs.items() if (pair := _input(key, value, currency))],
        str(sentence),
        [str(w) for w in data.get("warnings") or []],
        english,
        True,
    )


def _input(key, value, currency):
    """`S = 3,000,000`, `T = RMB 665,000,000`, `P4 = rounded down`, `offsets = year 1: 300,000`."""
    if key in POLICIES:
        definition = POLICIES[key]
        meaning = definition.meanings.get(value)
        return (definition.number, gettext(meaning) if meaning else _calendar(value))
    label = str(INPUT_LABELS.get(key, key))
    if key in MONEY_INPUTS:
        return (label, money_text(value, currency))
    if key in SHARE_INPUTS:
        return (label, shares_text(value))
    if key == "fraction":
        return (label, _percent(value))
    if key in YEAR_MAPS:
        return (label, _by_year(value) or "—")
    if isinstance(value, int):
        return (label, shares_text(value))
    return (label, str(value))


def _percent(value):
    number = as_decimal(value)
    return "—" if number is None else amount_text(number * 100, 2) + "%"


def _by_year(mapping):
    return "; ".join(
        gettext("year %(year)s: %(shares)s") % {"year": year, "shares": shares_text(n)}
        for year, n in (mapping or {}).items()
    )


def _calendar(code):
    meaning = POLICIES["calendar"].meanings.get(code)
    return gettext(meaning) if meaning else str(code)


def _years(value):
    return ", ".join(str(y) for y in value) if isinstance(value, (list, tuple)) else str(value)


# One renderer per kind of step: (formula, sentence). The clause is shown beside them.


def _own_full(inputs, facts, currency):
    return (
        _("R ≥ T: the whole tranche S is released"),
        gettext("The audited revenue reached the target: the whole tranche of %(shares)s shares is released.")
        % {"shares": shares_text(inputs.get("S"))},
    )


def _own_partial(inputs, facts, currency):
    formula = gettext("deducted = (T − R) ÷ T × S; own release = S × R ÷ T, %(rounding)s (P4)") % {
        "rounding": ROUNDING.get(inputs.get("rounding"), inputs.get("rounding"))
    }
    sentence = gettext(
        "The target was missed: %(own)s shares are released and %(deducted)s deducted; the deducted shares stay "
        "in escrow and are cancelled at expiry unless a later year's excess offsets them."
    ) % {"own": shares_text(facts.get("own")), "deducted": shares_text(facts.get("deducted"))}
    return formula, sentence


def _excess(inputs, facts, currency):
    if inputs.get("excess_credit") == "whole-excess-over-50pct":
        formula = _("available = R − T when R > 1.5 × T, otherwise 0 (P1)")
    else:
        # xgettext:no-python-format
        formula = _("available = 50% × (R − T) (P1)")
    sentence = gettext(
        "Of the excess revenue, %(available)s may offset earlier shortfalls; %(used)s is used for them and "
        "%(lapsed)s lapses (an excess offsets only earlier years and is never carried forward)."
    ) % {key: money_text(facts.get(key), currency) for key in ("available", "used", "lapsed")}
    return formula, sentence


def _offset(inputs, facts, currency):
    formula = _(
        "f = min(1, R ÷ T + credited revenue ÷ T_base) (P2, P3); release = S × f, rounded (P4), less what was "
        "already released"
    )
    sentence = gettext(
        "%(shares)s more shares are released for year %(year)s; %(released)s of its %(size)s shares have been "
        "released so far."
    ) % {
        "shares": shares_text(facts.get("shares")),
        "year": inputs.get("year"),
        "released": shares_text(facts.get("released")),
        "size": shares_text(facts.get("size")),
    }
    return formula, sentence


def _missed_by_formula(inputs, facts, currency):
    return (
        _("R < T: partial release (P5)"),
        _("The target was missed: the audited report still starts the release; the quantity follows SPA 5.2."),
    )


def _missed_settlement(inputs, facts, currency):
    return (
        _("R < T: partial release (P5)"),
        _("The target was missed: shares of this year are released only under a settlement signed by all parties."),
    )


TOTALS_FORMULA = _("cancelled at expiry = total − all released; in escrow + released + cancelled = total")


def _totals_open(inputs, facts, currency):
    left = facts.get("years_left", 0)
    sentence = ngettext(
        "%(years)s year is not yet audited: %(still)s shares are still in escrow.",
        "%(years)s years are not yet audited: %(still)s shares are still in escrow.",
        left,
    ) % {"years": left, "still": shares_text(facts.get("still"))}
    return TOTALS_FORMULA, sentence


def _totals_complete(inputs, facts, currency):
    sentence = gettext("%(cancelled)s shares are returned to Party A for cancellation at expiry.") % {
        "cancelled": shares_text(facts.get("cancelled"))
    }
    return TOTALS_FORMULA, sentence


def _offset_capped(inputs, facts, currency):
    sentence = gettext(
        "The offset for year %(years)s is capped at %(shares)s shares instead of the formula's %(formula)s: an "
        "earlier settlement, award or adjustment released more than the formula."
    ) % {
        "years": _years(facts.get("years")),
        "shares": shares_text(facts.get("shares")),
        "formula": shares_text(facts.get("formula_shares")),
    }
    return _("offset for an earlier year ≤ what is still unreleased of that year's fifth"), sentence


def _released(inputs, facts, currency):
    sentence = gettext(
        "%(quantity)s shares were released on %(day)s: %(own)s for year %(year)s and %(offsets)s as offsets."
    ) % {
        "quantity": shares_text(facts.get("quantity")),
        "day": facts.get("released_on") or "—",
        "own": shares_text(facts.get("own")),
        "year": facts.get("year"),
        "offsets": shares_text(facts.get("offsets")),
    }
    return _("released: the recorded quantity (the formula's, or a settlement's, award's or adjustment's)"), sentence


def _deadline(unit_formula, unit_sentence):
    def render(inputs, facts, currency):
        words = {
            "start": STARTS.get(facts.get("from"), facts.get("from")),
            "days": inputs.get("business_days", inputs.get("calendar_days")),
            "due": facts.get("due"),
        }
        return str(unit_formula) % words, str(unit_sentence) % words

    return render


SENTENCES = {
    "own_full": _own_full,
    "own_partial": _own_partial,
    "excess": _excess,
    "offset": _offset,
    "missed_by_formula": _missed_by_formula,
    "missed_settlement": _missed_settlement,
    "totals_open": _totals_open,
    "totals_complete": _totals_complete,
    "offset_capped": _offset_capped,
    "released": _released,
    "deadline_business": _deadline(
        _("%(start)s + %(days)s business days (the start day is not counted)"),
        _("Due on %(due)s: %(days)s business days after %(start)s."),
    ),
    "deadline_calendar": _deadline(
        _("%(start)s + %(days)s calendar days"), _("Due on %(due)s: %(days)s calendar days after %(start)s.")
    ),
}
