"""Policies P1-P8 (RULES.md "Ambiguities")."""

import dataclasses

import pytest

from escrow.contract.policies import DEFINITIONS_BY_KEY, POLICY_DEFINITIONS, Policies, PolicyError

EXPECTED = {
    "excess_credit": ("P1", "half-of-excess", ("whole-excess-over-50pct",)),
    "offset_base": ("P2", "shortfall-year", ("excess-year",)),
    "offset_order": ("P3", "earliest-first", ("largest-first",)),
    "rounding": ("P4", "floor", ("half-up",)),
    "partial_release": ("P5", "by-formula", ("settlement-only",)),
    "penalty_cap_valuation": ("P7", "last-day", ("each-day",)),
    "hold_days": ("P8", "civil-code", ("inclusive",)),
    "escrow_fee_payer": ("P9", "issuer", ("purchaser", "split")),  # EA 4.4: the contract does not say
}


def test_definitions_are_p1_to_p9_in_order():
    assert [d.number for d in POLICY_DEFINITIONS] == [f"P{i}" for i in range(1, 10)]
    assert [d.key for d in POLICY_DEFINITIONS] == list(Policies().as_dict())


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_definition_values(key):
    number, default, alternatives = EXPECTED[key]
    definition = DEFINITIONS_BY_KEY[key]
    assert (definition.number, definition.default, definition.alternatives) == (number, default, alternatives)
    assert set(definition.meanings) == {default, *alternatives}
    assert definition.clause and definition.question


def test_calendar_definition():
    definition = DEFINITIONS_BY_KEY["calendar"]
    assert definition.number == "P6" and definition.default == "CN"
    assert "HK" in definition.alternatives and "NASDAQ" in definition.alternatives


def test_defaults_match_definitions():
    assert Policies().as_dict() == {d.key: d.default for d in POLICY_DEFINITIONS}


def test_from_mapping_fills_defaults_and_accepts_alternatives():
    chosen = {key: alts[0] for key, (_, _, alts) in EXPECTED.items()}
    policies = Policies.from_mapping({**chosen, "calendar": "HK"})
    assert policies.as_dict() == {**chosen, "calendar": "HK"}
    assert Policies.from_mapping({}) == Policies()
    assert Policies.from_mapping(None) == Policies()


def test_round_trip():
    policies = Policies(rounding="half-up", calendar="NASDAQ")
    assert Policies.from_mapping(policies.as_dict()) == policies


@pytest.mark.parametrize("code", ["CN", "HK", "NASDAQ", "NYSE", "XNAS", "US", "nasdaq", " hk "])
def test_calendar_codes_known_to_holidays(code):
    assert Policies.from_mapping({"calendar": code}).calendar == code.strip().upper()


def test_unknown_key_is_named():
    with pytest.raises(PolicyError, match=r"unknown policy key.*'excess'"):
        Policies.from_mapping({"excess": "half-of-excess"})


def test_bad_value_names_key_and_allowed_values():
    with pytest.raises(PolicyError) as info:
        Policies.from_mapping({"rounding": "ceiling"})
    message = str(info.value)
    assert "P4" in message and "'rounding'" in message and "'ceiling'" in message
    assert "floor" in message and "half-up" in message


def test_bad_calendar():
    with pytest.raises(PolicyError, match="P6 'calendar' cannot be 'ZZ'"):
        Policies.from_mapping({"calendar": "ZZ"})


def test_direct_construction_validates_too():
    with pytest.raises(PolicyError):
        Policies(offset_order="random")
    with pytest.raises(PolicyError):
        Policies(rounding=None)


def test_policy_error_is_value_error_and_policies_frozen():
    assert issubclass(PolicyError, ValueError)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Policies().rounding = "half-up"
