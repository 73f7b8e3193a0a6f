"""On PostgreSQL the history refuses UPDATE and DELETE (append-only). SQLite, the single-process
demo, has no such trigger: see docs/deployment.md for the guarantees only PostgreSQL gives."""
from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION escrow_history_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the audit history is append-only: % refused on escrow_auditentry', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER escrow_auditentry_append_only
  BEFORE UPDATE OR DELETE ON escrow_auditentry
  FOR EACH ROW EXECUTE FUNCTION escrow_history_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS escrow_auditentry_append_only ON escrow_auditentry;
DROP FUNCTION IF EXISTS escrow_history_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("escrow", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
