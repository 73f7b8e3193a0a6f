"""Logged-in clients per persona, as in tests/escrow/views."""

from tests.escrow.views.conftest import client_for  # noqa: F401
