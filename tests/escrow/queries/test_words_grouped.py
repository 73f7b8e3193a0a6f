"""escrow.queries.words.grouped's short way for whole numbers (share counts, issue 13 item 1) gives what Django's
numberformat gives, in English and in Chinese."""

import pytest
from django.utils import numberformat, translation
from django.utils.formats import get_format

from escrow.queries.words import grouped, shares_text


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_whole_number_is_grouped_as_numberformat_groups_it(language):
    with translation.override(language):
        for number in (0, 7, -7, 999, 1000, -1000, 1234567, -987654321, 6_000_000, 10**18 + 1):
            expected = numberformat.format(
                number,
                get_format("DECIMAL_SEPARATOR"),
                decimal_pos=0,
                grouping=3,
                thousand_sep=get_format("THOUSAND_SEPARATOR") or ",",
                force_grouping=True,
            )
            assert grouped(number, 0) == grouped(number, None) == shares_text(number) == expected
