"""The one parser of amounts, share quantities and dates (escrow.contract.numbers, issue 9 item 8):
what it accepts reads back as the same Decimal, int or date; anything else is an InputProblem (an
InvalidInput) with a message showing the accepted form, never another exception."""

import string
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrow.contract.errors import InvalidInput
from escrow.contract.numbers import InputProblem, parse_amount, parse_iso_date, parse_quantity

AMOUNT_FORM = "e.g. 598500000 or 598,500,000.50"
LIFE = (date(2025, 12, 2), date(2031, 1, 29))  # Kaixin: effective date .. year 5's end + 60 days (SPA 5.1)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("598500000", Decimal("598500000")),
        ("598,500,000", Decimal("598500000")),
        ("598500000.5", Decimal("598500000.5")),
        ("598,500,000.50", Decimal("598500000.50")),
        ("  665,000,000.00\n", Decimal("665000000.00")),  # blanks around it are not junk
        ("0", Decimal(0)),
        (Decimal("665000000.00"), Decimal("665000000.00")),
        (665000000, Decimal("665000000")),
    ],
)
def test_accepted_amounts(typed, expected):
    assert parse_amount(typed) == expected


@pytest.mark.parametrize(
    "typed, code, words",
    [
        ("598,5", "amount_form", "is not an amount"),
        ("1,2,3", "amount_form", "is not an amount"),
        ("0,500", "amount_form", "is not an amount"),
        ("665.000", "amount_decimals", "more than two decimal places"),
        ("665000000.001", "amount_decimals", "more than two decimal places"),
        ("1e9", "amount_form", "is not an amount"),
        ("1E9", "amount_form", "is not an amount"),
        ("1_000_000", "amount_form", "is not an amount"),
        ("9e99", "amount_form", "is not an amount"),
        ("-5", "amount_negative", "cannot be negative"),
        ("-0", "amount_negative", "cannot be negative"),
        ("+5", "amount_form", "is not an amount"),
        ("NaN", "amount_form", "is not an amount"),
        ("Infinity", "amount_form", "is not an amount"),
        ("-Infinity", "amount_form", "is not an amount"),
        ("６６５０００", "amount_script", "digits other than 0-9"),
        ("٦٦٥", "amount_script", "digits other than 0-9"),
        ("६६५", "amount_script", "digits other than 0-9"),
        ("665，000", "amount_form", "is not an amount"),  # a full-width comma
        ("665 000 000", "amount_form", "is not an amount"),
        ("RMB 665000000", "amount_form", "is not an amount"),
        ("665000000元", "amount_form", "is not an amount"),
        ("665000000.", "amount_form", "is not an amount"),
        (".5", "amount_form", "is not an amount"),
        ("0x10", "amount_form", "is not an amount"),
        ("1" * 19, "amount_too_large", "more than 18 digits"),
        ("", "amount_empty", "Enter the amount"),
        ("   ", "amount_empty", "Enter the amount"),
        (None, "amount_empty", "Enter the amount"),
        (1e9, "amount_form", "is not an amount"),  # a float: binary fractions are not money
        (True, "amount_form", "is not an amount"),
        (Decimal("NaN"), "amount_form", "is not an amount"),
        (Decimal("-1"), "amount_negative", "cannot be negative"),
        (Decimal("1.001"), "amount_decimals", "more than two decimal places"),
        (Decimal("1e30"), "amount_too_large", "more than 18 digits"),
    ],
)
def test_refused_amounts_show_the_accepted_form(typed, code, words):
    with pytest.raises(InvalidInput) as refused:
        parse_amount(typed)
    assert refused.value.code == code
    assert words in refused.value.message
    assert "e.g." in refused.value.message  # every refusal shows an example of the accepted form


@pytest.mark.parametrize(
    "typed, expected",
    [("2700000", 2_700_000), ("2,700,000", 2_700_000), ("0", 0), (" 15,000,000 ", 15_000_000), (12, 12)],
)
def test_accepted_quantities(typed, expected):
    assert parse_quantity(typed, most=15_000_000) == expected


@pytest.mark.parametrize(
    "typed, code",
    [
        ("2,7", "quantity_form"),
        ("1,2,3", "quantity_form"),
        ("2700000.5", "quantity_form"),
        ("2700000.0", "quantity_form"),
        ("2.7e6", "quantity_form"),
        ("1_000", "quantity_form"),
        ("-1", "quantity_negative"),
        (-1, "quantity_negative"),
        ("NaN", "quantity_form"),
        ("１２３", "quantity_script"),
        ("٣", "quantity_script"),
        ("३", "quantity_script"),
        ("12 shares", "quantity_form"),
        ("", "quantity_empty"),
        (None, "quantity_empty"),
        (2.0, "quantity_form"),
        (True, "quantity_form"),
        ("15,000,001", "quantity_too_large"),
        (15_000_001, "quantity_too_large"),
        ("9" * 19, "quantity_too_long"),
    ],
)
def test_refused_quantities(typed, code):
    with pytest.raises(InvalidInput) as refused:
        parse_quantity(typed, most=15_000_000)
    assert refused.value.code == code
    assert "2,700,000." in refused.value.message or "from 0 to 15,000,000." in refused.value.message


@pytest.mark.parametrize("typed", ["2027-01-29", " 2027-01-29 ", date(2027, 1, 29)])
def test_accepted_dates(typed):
    assert parse_iso_date(typed, life=LIFE) == date(2027, 1, 29)


@pytest.mark.parametrize(
    "typed, code",
    [
        ("2027/01/29", "date_form"),
        ("29/01/2027", "date_form"),
        ("01/29/2027", "date_form"),
        ("20270129", "date_form"),  # date.fromisoformat reads it on Python 3.11
        ("2027-W05-5", "date_form"),  # so does this ISO week date
        ("2027-1-29", "date_form"),
        ("2027-02-30", "date_form"),
        ("２０２７-01-29", "date_form"),
        ("2027-01-29T00:00", "date_form"),
        ("29 Jan 2027", "date_form"),
        ("", "date_empty"),
        ("2025-12-01", "date_before_deal"),
        ("2031-01-30", "date_after_deal"),
    ],
)
def test_refused_dates(typed, code):
    with pytest.raises(InvalidInput) as refused:
        parse_iso_date(typed, life=LIFE)
    assert refused.value.code == code
    assert "YYYY-MM-DD" in refused.value.message


def test_a_refusal_is_translated_by_the_caller():
    """The contract has no Django: the caller passes its gettext, and the parameters stay as they were."""
    with pytest.raises(InputProblem) as refused:
        parse_amount("598,5")
    catalogue = {refused.value.template: "“%(value)s”不是金额：请用数字 0-9 填写，例如 598,500,000.50。"}
    chinese = refused.value.translated(lambda msgid: catalogue.get(msgid, msgid), field="audited_revenue")
    assert chinese.message == "“598,5”不是金额：请用数字 0-9 填写，例如 598,500,000.50。"
    assert (chinese.code, chinese.field, chinese.clause) == ("amount_form", "audited_revenue", "")
    assert refused.value.message.startswith("'598,5' is not an amount")  # the original is unchanged


# --- properties ---

fen = st.integers(min_value=0, max_value=10**20 - 1).map(lambda cents: Decimal(cents).scaleb(-2))


def _written(amount: Decimal, commas: bool, places: int) -> str:
    text = f"{amount:,.{places}f}" if commas else f"{amount:.{places}f}"
    return text


@settings(max_examples=300)
@given(amount=fen, commas=st.booleans(), places=st.sampled_from([0, 1, 2]))
def test_any_accepted_amount_reads_back_as_the_same_decimal(amount, commas, places):
    """Written with or without commas and with 0-2 decimals, an amount reads back exactly (when the
    decimals written hold it); the parsed value written again parses to the same value."""
    text = _written(amount, commas, places)
    try:
        parsed = parse_amount(text)
    except InvalidInput:
        return  # more than 18 digits before the point: refused, as documented
    assert parsed == Decimal(text.replace(",", ""))
    if amount == amount.quantize(Decimal(1).scaleb(-places)):
        assert parsed == amount
    assert parse_amount(f"{parsed:,}") == parsed
    assert parse_amount(str(parsed)) == parsed


@settings(max_examples=300)
@given(quantity=st.integers(min_value=0, max_value=10**18 - 1), commas=st.booleans())
def test_any_accepted_quantity_reads_back(quantity, commas):
    assert parse_quantity(f"{quantity:,}" if commas else str(quantity)) == quantity


@settings(max_examples=200)
@given(day=st.dates(min_value=date(1000, 1, 1)))
def test_any_iso_date_reads_back(day):
    assert parse_iso_date(day.isoformat()) == day


junk = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=string.digits + ",._-+eE x", max_size=30),
    st.text(alphabet=string.digits + "٠١٢٣٤٥٦٧٨٩०१२३४५६७८९０１２３４５６７８９,.", max_size=20),
    st.from_regex(r"-?[0-9]{1,25}(,[0-9]{1,4})*(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.none(),
    st.booleans(),
)


@settings(max_examples=500)
@given(value=junk)
def test_random_input_never_raises_anything_but_invalid_input(value):
    for parse in (parse_amount, parse_quantity, parse_iso_date):
        try:
            result = parse(value)
        except InvalidInput as exc:
            assert isinstance(exc, InputProblem) and exc.message and exc.code
            continue
        if parse is parse_amount:
            assert isinstance(result, Decimal) and result.is_finite() and result >= 0
            assert result == result.quantize(Decimal("0.01"))
        elif parse is parse_quantity:
            assert type(result) is int and result >= 0
        else:
            assert type(result) is date
