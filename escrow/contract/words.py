"""Whole numbers and RMB amounts in words, as a legal instrument writes them beside the figures.

A figure and its words together make an altered or misread digit visible (the practice of cheques and of
PRC financial documents, which write amounts in the financial numerals 壹贰叁 that cannot be turned into one
another by adding a stroke). Pure functions: no Django, no locale.
"""

from decimal import ROUND_HALF_UP, Decimal

ONES = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
# Short scale, as the SPA and EA (English originals) count shares.
SCALES = ((10**15, "quadrillion"), (10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (10**3, "thousand"))

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("仟", "佰", "拾", "")  # within a group of four digits, highest first
# Groups of four digits: units, 万 (10^4), 亿 (10^8), 万亿 (10^12).
GROUPS = ("", "万", "亿", "万亿")
LARGEST = 10**16 - 1


def _check(n) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"a whole number is needed, not {type(n).__name__}")
    if n < 0 or n > LARGEST:
        raise ValueError(f"{n} is outside 0 .. {LARGEST:,}")
    return n


def english_words(n: int) -> str:
    """2700000 -> 'two million seven hundred thousand' (short scale, no 'and', hyphens for 21-99)."""
    _check(n)
    if n == 0:
        return ONES[0]
    parts = []
    for size, name in SCALES:
        if n >= size:
            parts.append(f"{_below_thousand(n // size)} {name}")
            n %= size
    if n:
        parts.append(_below_thousand(n))
    return " ".join(parts)


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    words = [f"{ONES[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(TENS[tens] + (f"-{ONES[ones]}" if ones else ""))
    elif rest:
        words.append(ONES[rest])
    return " ".join(words)


def chinese_financial(n: int) -> str:
    """2700000 -> '贰佰柒拾万'; 1000500 -> '壹佰万零伍佰' (财务大写: one 零 for each run of zeros between
    non-zero digits; 壹拾 written out, as on cheques)."""
    _check(n)
    if n == 0:
        return DIGITS[0]
    groups = []
    while n:
        n, group = divmod(n, 10_000)
        groups.append(group)
    text, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = bool(text)
            continue
        if text and (gap or group < 1000):
            text += DIGITS[0]
        text += _group(group) + GROUPS[index]
        gap = False
    return text


def _group(n: int) -> str:
    """1..9999 without leading 零 (the caller adds one where a zero run separates it from a higher group)."""
    text, zero = "", False
    for digit, place in zip(f"{n:04d}", PLACES, strict=True):
        if digit == "0":
            zero = bool(text)
            continue
        if zero:
            text += DIGITS[0]
            zero = False
        text += DIGITS[int(digit)] + place
    return text


def chinese_rmb(amount) -> str:
    """Decimal('665000000') -> '人民币陆亿陆仟伍佰万元整'; fen are rounded half up (amounts are stored to the fen)."""
    if isinstance(amount, float):
        raise TypeError("amounts are Decimal, never float")
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value < 0:
        raise ValueError(f"{value} is negative")
    fen_total = int(value * 100)
    yuan, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)
    text = f"{chinese_financial(yuan)}元" if yuan or not cents else ""
    if not cents:
        return f"人民币{text}整"
    if jiao:
        text += f"{DIGITS[jiao]}角"
    elif yuan:
        text += DIGITS[0]  # 壹元零伍分
    if fen:
        text += f"{DIGITS[fen]}分"
    return f"人民币{text}"


def shares_in_words(n: int) -> tuple:
    """(English, Chinese) words for a share count: ('two million seven hundred thousand', '贰佰柒拾万股')."""
    return english_words(n), f"{chinese_financial(n)}股"
