"""The calculation of a year's release (SPA 5.1, 5.2) as an instrument states it: each step with its numbers,
in English and Chinese. The figures are the engine's, as stored with the tranche (escrow.queries.quantities
`schedule_for`); only the intermediate exact values are restated here, for the reader to check the arithmetic.
"""

from decimal import Decimal
from fractions import Fraction

from escrow.documents.layout import amount, exact, money

ROUNDING = {
    "floor": ("rounded down to a whole share (P4)", "向下取整至整股（P4）"),
    "half-up": ("rounded to the nearest whole share, halves up (P4)", "四舍五入至整股（P4）"),
}


def calculation_steps(facts) -> list:
    """The engine's figures for this year, step by step with the actual numbers, as (English, Chinese)."""
    c = facts.calculation
    if not c or "tranche_shares" not in c:
        return []
    size, target, actual = int(c["tranche_shares"]), Decimal(str(c["target"])), Decimal(str(c["actual"]))
    rounding = ROUNDING.get(_policy_value(c), ROUNDING["floor"])
    steps = [_size_step(facts, size), _inputs_step(target, actual, facts.currency)]
    steps.append(_own_step(size, target, actual, int(c["own_release"]), int(c["deducted"]), rounding))
    if Decimal(str(c.get("excess") or 0)) > 0:
        steps.append(_excess_step(c))
    capped = {int(y) for y in c.get("offset_capped_for_years") or []}
    for explanation in c.get("explanations") or []:
        inputs = explanation.get("inputs") or {}
        if "year" in inputs and "credited" in inputs:
            shares = int((c.get("offset_shares") or {}).get(str(inputs["year"]), 0))
            steps.append(_offset_step(inputs, shares, int(inputs["year"]) in capped, rounding))
    steps.append(_total_step(facts, c))
    return steps


def _policy_value(c):
    for explanation in c.get("explanations") or []:
        value = (explanation.get("inputs") or {}).get("rounding")
        if value:
            return value
    return "floor"


def _size_step(facts, size) -> tuple:
    total, n = facts.total_shares, facts.tranche_count
    if abs(size - total // n) > 1:  # issue 14 items 2, 4: rebased by a split, consolidation or stock dividend
        return (
            f"Shares of the year, as rebased by the split or consolidation or stock dividend recorded during the "
            f"escrow: S = {size:,} (SPA 5.1; the consideration was {total:,} shares in {n} tranches).",
            f"当年度股份（按托管期间记录的拆股或合股、股票股息调整后）：S = {size:,}股"
            f"（SPA第5.1条；原对价股份{total:,}股，分{n}期）。",
        )
    formula = f"{total:,} ÷ {n} = {size:,}" if total % n == 0 else f"{size:,} ({total:,} in {n} tranches)"
    return (
        f"Shares of the year (the consideration shares in {n} equal tranches, SPA 5.1): S = {formula}.",
        f"当年度股份（对价股份平均分为{n}期，SPA第5.1条）：S = {formula}股。",
    )


def _inputs_step(target, actual, currency) -> tuple:
    t_en, _zh = amount(target, currency)
    r_en, _zh = amount(actual, currency)
    return (
        f"Target T = {t_en}; audited revenue R = {r_en}.",
        f"目标营业收入 T = {t_en}；经审计营业收入 R = {r_en}。",
    )


def _own_step(size, target, actual, own, deducted, rounding) -> tuple:
    if actual >= target:
        return (
            f"R ≥ T: the target is met; the whole tranche is released for the year: {own:,} shares (SPA 5.1).",
            f"R ≥ T：已达成目标，当年度股份全部释放：{own:,}股（SPA第5.1条）。",
        )
    shortfall = target - actual
    share = Fraction(size) * Fraction(actual) / Fraction(target)
    deductible = Fraction(size) * Fraction(shortfall) / Fraction(target)
    return (
        f"R < T: shortfall T − R = {money(shortfall)}. Deductible shares = (T − R) ÷ T × S = {money(shortfall)} ÷ "
        f"{money(target)} × {size:,} = {exact(deductible)}. Own release = S × R ÷ T = {exact(share)}, "
        f"{rounding[0]}: {own:,} shares; deducted {deducted:,} shares stay in escrow, to be returned to Party A "
        "for cancellation at expiry unless a later year's excess offsets them (SPA 5.2(1), (2)).",
        f"R < T：差额 T − R = {money(shortfall)}。应扣减股份 = (T − R) ÷ T × S = {money(shortfall)} ÷ "
        f"{money(target)} × {size:,} = {exact(deductible)}。本年度自身释放 = S × R ÷ T = {exact(share)}，"
        f"{rounding[1]}：{own:,}股；扣减的{deducted:,}股继续托管，除非以后年度的超额部分予以冲抵，否则于协议期满时"
        "退还甲方注销（SPA第5.2(1)条、第5.2(2)条）。",
    )


def _excess_step(c) -> tuple:
    excess, available, used = (
        Decimal(str(c.get(k) or 0)) for k in ("excess", "excess_credit_available", "excess_used")
    )
    lapsed = available - used
    return (
        f"R > T: excess R − T = {money(excess)}; available to offset earlier years' shortfalls under P1 "
        f"(section 4): {money(available)}; used now: {money(used)}; lapsing: {money(lapsed)} (an excess offsets "
        "only earlier years and is not carried forward, SPA 5.2(2)).",
        f"R > T：超额 R − T = {money(excess)}；依P1（见第4节）可用于冲抵以前年度差额的金额：{money(available)}；"
        f"本次使用：{money(used)}；失效：{money(lapsed)}（超额部分仅冲抵以前年度，不向以后年度结转，SPA第5.2(2)条）。",
    )


def _offset_step(inputs, shares, capped, rounding) -> tuple:
    year, credited, base, size = inputs["year"], Decimal(str(inputs["credited"])), Decimal(str(inputs["T_base"])), 0
    size = int(inputs.get("S") or 0)
    raw = Fraction(credited) / Fraction(base) * size
    cap_en = " (capped at what is still unreleased of that year's fifth, SPA 5.1)" if capped else ""
    cap_zh = "（以该年度五分之一份额中尚未释放的部分为限，SPA第5.1条）" if capped else ""
    return (
        f"Offset for year {year} (P2, P3; SPA 5.2(2)): {money(credited)} credited ÷ T_base {money(base)} × "
        f"S {size:,} = {exact(raw)}; year {year}'s cumulative entitlement {rounding[0]}, less the shares already "
        f"released for it: {shares:,} more shares released now{cap_en}.",
        f"冲抵第{year}年度（P2、P3；SPA第5.2(2)条）：计入金额{money(credited)} ÷ 基准目标 {money(base)} × "
        f"S {size:,} = {exact(raw)}；第{year}年度累计应得股份{rounding[1]}，扣除已就该年度释放的股份后，"
        f"本次增加释放{shares:,}股{cap_zh}。",
    )


def _total_step(facts, c) -> tuple:
    own, total = int(c["own_release"]), int(c["total_release"])
    offsets = sum(int(v) for v in (c.get("offset_shares") or {}).values())
    english = f"Shares to release for year {facts.year} = own release {own:,} + offsets {offsets:,} = {total:,}."
    chinese = f"第{facts.year}年度应释放股份 = 自身释放{own:,} + 冲抵{offsets:,} = {total:,}股。"
    if facts.quantity != total:
        english += (
            f" The quantity of this document, {facts.quantity:,} shares, replaces that figure"
            f"{': ' + facts.reason if facts.reason else ''} (EA 3.3, SPA 5.3)."
        )
        chinese += (
            f"本文件所载数量{facts.quantity:,}股取代上述计算结果"
            f"{'：' + facts.reason if facts.reason else ''}（EA第3.3条、SPA第5.3条）。"
        )
    return english, chinese
