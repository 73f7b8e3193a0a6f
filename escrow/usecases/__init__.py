"""What a person may do: the use cases declared once (declared.py) and the checks read from them
(permissions.py)."""

from escrow.usecases.declared import CONTRACT_USE_CASES, STAFF_USE_CASES, USE_CASES, UseCase

__all__ = ["CONTRACT_USE_CASES", "STAFF_USE_CASES", "USE_CASES", "UseCase"]
