"""The former name of `verify_history`, kept so saved export footers and scripts still work."""

from escrow.management.commands.verify_history import Command  # noqa: F401
