"""docs/permissions.md and docs/state-machine.md are generated from the code and committed: they
must equal what `manage.py render_docs` renders now, so they cannot drift."""

import io

import pytest
from django.core.management import CommandError, call_command

from escrow.management.commands import render_docs
from escrow.usecases.permissions import ROLE_ACTIONS


@pytest.mark.parametrize("name", sorted(render_docs.RENDERERS))
def test_committed_docs_equal_the_rendered_ones(name):
    committed = (render_docs.docs_dir() / name).read_text(encoding="utf-8")
    assert committed == render_docs.RENDERERS[name](), f"docs/{name} is stale: run `python manage.py render_docs`"


def test_check_mode_passes_and_writes_nothing():
    out = io.StringIO()
    call_command("render_docs", "--check", stdout=out)
    assert "up to date" in out.getvalue()


def test_check_mode_fails_on_drift(tmp_path, monkeypatch):
    monkeypatch.setattr(render_docs, "docs_dir", lambda: tmp_path)
    with pytest.raises(CommandError, match="out of date"):
        call_command("render_docs", "--check", stdout=io.StringIO())
    call_command("render_docs", stdout=io.StringIO())
    call_command("render_docs", "--check", stdout=io.StringIO())


def test_every_action_and_clause_is_in_the_matrix():
    text = render_docs.render_permissions()
    for action, (_, clause) in ROLE_ACTIONS.items():
        assert f"| `{action}` | {clause} |" in text


def test_every_transition_is_in_the_diagram():
    text = render_docs.render_state_machine()
    for line in (
        "scheduled --> awaiting_report : open_for_report (SPA 5.1)",
        "release_prepared --> released : record_release (EA 3.2)",
        "suspended --> instructed : lift_suspension (SPA 8.1)",
        "awaiting_deposit --> in_escrow : confirm_deposit (EA 1.1)",
    ):
        assert line in text
