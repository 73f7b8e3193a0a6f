"""The "why" attached to every figure the engine produces."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction


@dataclass(frozen=True)
class Explanation:
    """One step of a calculation: the clause applied, the formula, its inputs, the result.

    `warnings` flags figures that rest on provisional data (e.g. an unannounced
    holiday calendar) so the page can show them next to the figure.

    `formula` and `figure` are the engine's English wording (the API and the stored record keep
    them); `key` names the kind of step and `facts` holds the figures its sentence needs, so a page
    renders the step in the reader's language from data (escrow/views/explanations.py) instead of
    translating English text.
    """

    clause: str
    formula: str
    inputs: dict
    figure: str
    warnings: tuple = field(default=())
    key: str = ""
    facts: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready form: Decimals, Fractions and dates become strings."""
        return {
            "clause": self.clause,
            "formula": self.formula,
            "inputs": {key: jsonable(value) for key, value in self.inputs.items()},
            "figure": self.figure,
            "warnings": list(self.warnings),
            "key": self.key,
            "facts": {key: jsonable(value) for key, value in self.facts.items()},
        }


def jsonable(value):
    """Turn engine values into JSON-safe values without losing exactness."""
    # Money and shares must survive a round trip exactly, hence strings, not floats.
    if isinstance(value, (Decimal, date)):
        return str(value)
    if isinstance(value, Fraction):
        return str(value) if value.denominator != 1 else value.numerator
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
