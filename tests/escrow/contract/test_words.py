"""Figures in words for the instruments (EA 3.1(b) joint instruction, SPA 5.1 quantities): English and the
Chinese financial numerals (财务大写)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escrow.contract.words import LARGEST, chinese_financial, chinese_rmb, english_words, shares_in_words


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (20, "twenty"),
        (42, "forty-two"),
        (100, "one hundred"),
        (101, "one hundred one"),
        (1_000, "one thousand"),
        (300_000, "three hundred thousand"),
        (2_700_000, "two million seven hundred thousand"),  # RULES.md worked example, year 1
        (3_300_000, "three million three hundred thousand"),  # year 2 with the offset (SPA 5.2(2))
        (15_000_000, "fifteen million"),  # SPA 1.1
        (1_234_567, "one million two hundred thirty-four thousand five hundred sixty-seven"),
        (2_000_000_019, "two billion nineteen"),
    ],
)
def test_english_words(n, words):
    assert english_words(n) == words


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "零"),
        (10, "壹拾"),
        (15, "壹拾伍"),
        (105, "壹佰零伍"),
        (1_001, "壹仟零壹"),
        (1_010, "壹仟零壹拾"),
        (10_000, "壹万"),
        (10_001, "壹万零壹"),
        (110_000, "壹拾壹万"),
        (300_000, "叁拾万"),
        (1_000_500, "壹佰万零伍佰"),
        (1_005_000, "壹佰万伍仟"),
        (2_700_000, "贰佰柒拾万"),
        (3_000_000, "叁佰万"),
        (15_000_000, "壹仟伍佰万"),
        (100_000_500, "壹亿零伍佰"),
        (100_050_000, "壹亿零伍万"),
        (665_000_000, "陆亿陆仟伍佰万"),
        (598_500_000, "伍亿玖仟捌佰伍拾万"),
        (1_000_000_000_000, "壹万亿"),
    ],
)
def test_chinese_financial_numerals(n, words):
    assert chinese_financial(n) == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (Decimal("665000000"), "人民币陆亿陆仟伍佰万元整"),  # SPA 4.1, year 1 target
        (Decimal("598500000.00"), "人民币伍亿玖仟捌佰伍拾万元整"),
        (Decimal("1680.32"), "人民币壹仟陆佰捌拾元叁角贰分"),
        (Decimal("1.05"), "人民币壹元零伍分"),
        (Decimal("0.50"), "人民币伍角"),
        (Decimal("0"), "人民币零元整"),
        ("10.1", "人民币壹拾元壹角"),
    ],
)
def test_chinese_rmb(amount, words):
    assert chinese_rmb(amount) == words


def test_shares_in_words_pairs_both_languages():
    assert shares_in_words(2_700_000) == ("two million seven hundred thousand", "贰佰柒拾万股")


@pytest.mark.parametrize("bad", [-1, LARGEST + 1])
def test_out_of_range_is_refused(bad):
    with pytest.raises(ValueError):
        english_words(bad)
    with pytest.raises(ValueError):
        chinese_financial(bad)


@pytest.mark.parametrize("bad", [1.0, True, "12", Decimal("3")])
def test_only_whole_ints(bad):
    with pytest.raises(TypeError):
        chinese_financial(bad)


def test_float_amount_refused():
    with pytest.raises(TypeError):
        chinese_rmb(1.5)


def _read_back(words: str) -> int:
    """An independent reader of 财务大写, to check the writer on every number (zeros, groups)."""
    digits = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
    small = {"拾": 10, "佰": 100, "仟": 1000}
    total = section = digit = 0
    for char in words.replace("万亿", "兆"):
        if char in digits:
            digit = digits[char]
        elif char in small:
            section += digit * small[char]
            digit = 0
        else:
            unit = {"万": 10**4, "亿": 10**8, "兆": 10**12}[char]
            total += (section + digit) * unit
            section = digit = 0
    return total + section + digit


@given(st.integers(min_value=0, max_value=LARGEST))
def test_chinese_numerals_read_back(n):
    words = chinese_financial(n)
    assert _read_back(words) == n
    assert n == 0 or ("零零" not in words and not words.endswith("零"))


@given(st.integers(min_value=0, max_value=LARGEST))
def test_english_words_are_words(n):
    words = english_words(n)
    assert words and "  " not in words and all(part.replace("-", "").isalpha() for part in words.split())
