"""The history is not an "audit" (that word is the auditor's report, SPA 4.2): AuditChain and
AuditEntry become HistoryChain and HistoryEntry, and the append-only trigger follows the table.
The SPA 5.2(2) offset has one word: Tranche.recovered becomes Tranche.offset_shares."""
from django.db import migrations

FORWARD = """
DROP TRIGGER IF EXISTS escrow_auditentry_append_only ON escrow_historyentry;
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
BACKWARD = """
DROP TRIGGER IF EXISTS escrow_historyentry_append_only ON escrow_auditentry;
CREATE TRIGGER escrow_auditentry_append_only
  BEFORE UPDATE OR DELETE ON escrow_auditentry
  FOR EACH ROW EXECUTE FUNCTION escrow_history_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("escrow", "0003_history_append_only")]
    operations = [
        migrations.RenameModel("AuditChain", "HistoryChain"),
        migrations.RenameModel("AuditEntry", "HistoryEntry"),
        migrations.AlterModelOptions("historyentry", {"ordering": ["chain", "seq"],
                                                      "verbose_name_plural": "history entries"}),
        migrations.RenameField("tranche", "recovered", "offset_shares"),
        migrations.RunPython(forward, backward),
    ]
