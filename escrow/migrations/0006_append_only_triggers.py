"""Issue 10 item 4: the history, its chain heads and the share ledger refuse being rewritten.

The triggers are declared on the models (django-pgtrigger, escrow/models/history.py and ledger.py), so
`makemigrations --check` notices when they drift. They replace the hand-written trigger of migrations 0003
and 0004, which refused only UPDATE and DELETE of entries: it and its function are dropped first.
PostgreSQL only; SQLite (the demo) gets no triggers.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

OLD_TRIGGER = """
DROP TRIGGER IF EXISTS escrow_historyentry_append_only ON escrow_historyentry;
DROP FUNCTION IF EXISTS escrow_history_append_only();
"""
RESTORE_OLD_TRIGGER = """
CREATE OR REPLACE FUNCTION escrow_history_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the history is append-only: % refused on escrow_historyentry', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER escrow_historyentry_append_only
  BEFORE UPDATE OR DELETE ON escrow_historyentry
  FOR EACH ROW EXECUTE FUNCTION escrow_history_append_only();
"""


def drop_old_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD_TRIGGER, params=None)


def restore_old_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RESTORE_OLD_TRIGGER, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("escrow", "0005_penalty_policy_p8"),
    ]

    operations = [
        migrations.RunPython(drop_old_trigger, restore_old_trigger),
        pgtrigger.migrations.AddTrigger(
            model_name="historychain",
            trigger=pgtrigger.compiler.Trigger(
                name="chain_moves_forward",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."length" >= (NEW."length") OR OLD."key" IS DISTINCT FROM (NEW."key") OR OLD."id" IS DISTINCT FROM (NEW."id"))',
                    func="RAISE EXCEPTION 'a history chain head only moves forward: % refused on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';",
                    hash="8e657222b17319fb5db974cbc00785a84d205b3c",
                    operation="UPDATE",
                    pgid="pgtrigger_chain_moves_forward_458c7",
                    table="escrow_historychain",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="historychain",
            trigger=pgtrigger.compiler.Trigger(
                name="chain_no_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'a history chain head is kept: % refused on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';",
                    hash="99fbc36f3ab38676f3928ee67f72d9942e82735c",
                    operation="DELETE",
                    pgid="pgtrigger_chain_no_delete_fab69",
                    table="escrow_historychain",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="historychain",
            trigger=pgtrigger.compiler.Trigger(
                name="chain_no_truncate",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'a history chain head is kept: % refused on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';",
                    hash="e31a6c34c54ff6dd79b8dbb88d5377c650143121",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_chain_no_truncate_da29f",
                    table="escrow_historychain",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="historyentry",
            trigger=pgtrigger.compiler.Trigger(
                name="history_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'the history is append-only: % refused on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';",
                    hash="e7c302c2e7cdb0585e7c92b2b4ffd3ef32d51c1f",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_history_append_only_cfd64",
                    table="escrow_historyentry",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="historyentry",
            trigger=pgtrigger.compiler.Trigger(
                name="history_no_truncate",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'the history is append-only: % refused on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';",
                    hash="ec838fc6432b6037c42a11e2a87d7b6ed207cc43",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_history_no_truncate_d30c0",
                    table="escrow_historyentry",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="sharemovement",
            trigger=pgtrigger.compiler.Trigger(
                name="ledger_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'the share ledger is append-only: % refused on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';",
                    hash="78d101e0a0b7ddb30ad961d3203b00434ea06268",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_ledger_append_only_6b017",
                    table="escrow_sharemovement",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="sharemovement",
            trigger=pgtrigger.compiler.Trigger(
                name="ledger_no_truncate",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'the share ledger is append-only: % refused on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';",
                    hash="a46d219d92160f4b54f021ebdc31075402b77771",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_ledger_no_truncate_73c0e",
                    table="escrow_sharemovement",
                    when="BEFORE",
                ),
            ),
        ),
    ]
