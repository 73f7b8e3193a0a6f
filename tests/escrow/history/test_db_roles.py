"""Issue 10 item 6: least privilege in the database. `manage.py db_roles` sets up an owner that migrates
and an application role that owns nothing; the application, connected as that role, still works, and
cannot switch the append-only triggers off, truncate, or slip past them."""

import io
from contextlib import contextmanager

import pgtrigger
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection

from escrow.history.chain import chain_key_for
from escrow.models import HistoryChain, HistoryEntry, ShareMovement
from tests.factories import make_deal

pytestmark = pytest.mark.django_db(transaction=True)

APP_PASSWORD = "app-role-test-password"  # a test role's password


@pytest.fixture
def roles(require_postgres, monkeypatch):
    """The roles are the cluster's, not the database's: named after this test database."""
    name = connection.settings_dict["NAME"]
    owner, app = f"{name}_owner", f"{name}_app"
    monkeypatch.setenv("ESCROW_DB_APP_PASSWORD", APP_PASSWORD)
    out = io.StringIO()
    call_command("db_roles", "--owner", owner, "--app", app, stdout=out)
    assert f"{owner} owns the schema" in out.getvalue() and "PASSWORD '…'" in out.getvalue()
    assert APP_PASSWORD not in out.getvalue()
    return owner, app


@contextmanager
def connected_as(role, password=""):
    """Every query of the block goes through the application's own connection, logged in as `role`."""
    saved = connection.settings_dict["USER"], connection.settings_dict["PASSWORD"]
    connection.close()
    connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = role, password
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = saved


def refusal(sql, params=()):
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as error:
        return str(error)
    return None


def test_the_application_role_cannot_disable_triggers_or_truncate(roles, deposited):
    _, app = roles
    entries = HistoryEntry.objects.count()
    with connected_as(app, APP_PASSWORD):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app
        for table in ("escrow_historyentry", "escrow_historychain", "escrow_sharemovement"):
            assert "must be owner of table" in refusal(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
            assert "permission denied" in refusal(f"TRUNCATE {table} CASCADE")
        assert "permission denied" in refusal("SET session_replication_role = replica")
        trigger = HistoryEntry._meta.triggers[0].get_pgid(HistoryEntry)
        assert "must be owner" in refusal(f"DROP TRIGGER {trigger} ON escrow_historyentry")
        # pgtrigger.ignore is a session setting anyone can set: the grants still refuse the rewrite.
        with pgtrigger.ignore("escrow.HistoryEntry:history_append_only", "escrow.ShareMovement:ledger_append_only"):
            assert "permission denied" in refusal("UPDATE escrow_historyentry SET summary = 'x'")
            assert "permission denied" in refusal("DELETE FROM escrow_historyentry")
            assert "permission denied" in refusal("UPDATE escrow_sharemovement SET quantity = 1")
        with pgtrigger.ignore("escrow.HistoryChain:chain_no_delete"):
            assert "permission denied" in refusal("DELETE FROM escrow_historychain")
        assert "permission denied" in refusal("CREATE TABLE escrow_rogue (id int)")
    assert HistoryEntry.objects.count() == entries


def test_the_application_works_as_its_role(roles):
    """A new deal, its people and parties, its deposit and their history, all written as the application
    role through the app's actions; verify_history, run as that role too, finds every chain whole."""
    _, app = roles
    with connected_as(app, APP_PASSWORD):
        deal, _ = make_deal("approle")
        chain = HistoryChain.objects.get(key=chain_key_for(deal))
        assert chain.entries.first().action == "deal_created" and chain.length == chain.entries.count() > 1
        assert ShareMovement.objects.filter(deal=deal).balances()["in_escrow"] == deal.total_shares
        out = io.StringIO()
        call_command("verify_history", "--deal", deal.slug, stdout=out)
        assert f"ok      {chain.key}" in out.getvalue()


def test_the_owner_migrates_but_meets_the_triggers(roles, deposited):
    """The owner's rights are for `migrate`; it too is refused a TRUNCATE of the history by the trigger
    (only switching the trigger off, which verify_history then catches, gets past it)."""
    owner, _ = roles
    with connected_as(owner):
        assert "the history is append-only: TRUNCATE refused" in refusal("TRUNCATE escrow_historyentry CASCADE")
        out = io.StringIO()
        call_command("migrate", "--check", stdout=out)


def test_the_roles_command_refuses_bad_names_and_one_role_for_both(require_postgres):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a plain role name"):
        call_command("db_roles", "--app", "app; DROP TABLE x", stdout=io.StringIO())
    with pytest.raises(CommandError, match="two different roles"):
        call_command("db_roles", "--owner", "same", "--app", "same", stdout=io.StringIO())
