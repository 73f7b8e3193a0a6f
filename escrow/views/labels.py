"""Words for keys: use case labels (from the declaration), currencies, and the engine's policy wording,
all translatable.

The contract engine (escrow.contract) has no Django and speaks English; its policy questions and
meanings are marked here with gettext_noop so the catalogue carries them, and the `translated`
filter looks them up at render time.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from escrow.queries.words import currency_label
from escrow.usecases import USE_CASES

# The button or link of each declared use case (escrow.usecases.declared), and of "nobody acts yet".
ACTION_LABELS = {name: case.label for name, case in USE_CASES.items()} | {"": _("Nobody needs to act yet")}

__all__ = [
    "ACTION_LABELS",
    "POLICY_WORDING",
    "STORED_WORDING",
    "currency_label",
]  # currency_label: escrow.queries.words


POLICY_WORDING = [
    gettext_noop("What share of a year's excess revenue offsets earlier shortfalls?"),
    # xgettext:no-python-format
    gettext_noop("50% of the excess over target (the SPA 5.2(2) text)"),
    # xgettext:no-python-format
    gettext_noop("the whole excess, only when revenue beats the target by more than 50% (6-K summary)"),
    gettext_noop('Which "Target Operating Revenue of the particular period" converts an offset into shares?'),
    gettext_noop(
        "the target of the earlier year whose shortfall is offset (full offset returns exactly the deducted shares)"
    ),
    gettext_noop("the target of the year that has the excess"),
    gettext_noop("In which order are earlier shortfalls offset?"),
    gettext_noop("the earliest year with a shortfall first"),
    gettext_noop("the year with the largest remaining shortfall in shares first (ties: earliest)"),
    gettext_noop("How are fractional shares rounded?"),
    gettext_noop("round each cumulative entitlement down: never release more than earned"),
    gettext_noop("round each cumulative entitlement to the nearest share, halves up"),
    gettext_noop("Does a missed target still start the release procedure?"),
    gettext_noop("any audited revenue report starts the release; the quantity follows SPA 5.2"),
    gettext_noop("a missed year releases only under a settlement signed by all parties"),
    gettext_noop('Which calendar defines "business days"?'),
    gettext_noop("mainland China: statutory holidays and weekend make-up working days, plus admin overrides"),
    gettext_noop("Hong Kong public holidays"),
    gettext_noop("NASDAQ trading days"),
    # xgettext:no-python-format
    gettext_noop("On which day is the 5% penalty cap valued?"),
    gettext_noop("the market value on the last day of the delay (today, while it lasts)"),
    gettext_noop("the highest daily market value during the delay"),
    gettext_noop(
        "Which days does a hold (dispute, suspension, agreed adjustment of timing) free from the delay penalty?"
    ),
    gettext_noop(
        "as the PRC Civil Code counts periods in days (Art. 201): the day a hold is raised is still a day of "
        "delay, the day it is lifted is free; raised on day D and lifted on day E, it frees D+1 to E"
    ),
    gettext_noop("both ends free: raised on day D and lifted on day E, a hold frees D to E"),
    gettext_noop("Who pays the escrow fee of USD 5,000 per started escrow year?"),
    gettext_noop("the issuer (Party A) pays each fee invoice"),
    gettext_noop("the purchaser (Party B) pays each fee invoice"),
    gettext_noop("the issuer and the purchaser each pay half of each fee invoice (USD 2,500.00 each)"),
]

# Words parties commonly store as data, looked up by the `translated` filter: the default share class
# (Deal.share_class) and the contract's names for the parties (DealParty.contract_name, load_kaixin).
STORED_WORDING = [
    gettext_noop("Class A ordinary shares"),
    gettext_noop("Party A"),
    gettext_noop("Party B"),
    gettext_noop("Party C"),
    gettext_noop("Party D"),
    gettext_noop("Firm approved by Party A (SPA 4.2)"),
]
