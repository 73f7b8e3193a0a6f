"""Issue 10 item 4: keyed history hashes and the daily signed checkpoints.

HistoryEntry.key_id names the HMAC key (settings.HISTORY_HMAC_KEYS) that hashed an entry. Existing entries get
"" (plain SHA-256, as they were hashed): adding a column with a default is an ALTER TABLE, which fires none of
the append-only row triggers. Checkpoints are append-only like the history they witness.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("escrow", "0008_call_back")]

    operations = [
        migrations.CreateModel(
            name="Checkpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(unique=True)),
                ("made_at", models.DateTimeField()),
                ("payload", models.TextField()),
                ("digest", models.CharField(max_length=64)),
                ("signature", models.TextField()),
                ("certificate", models.TextField()),
                ("timestamp_token", models.BinaryField(blank=True, null=True)),
                ("tsa_url", models.CharField(blank=True, max_length=300)),
            ],
            options={"ordering": ["day"]},
        ),
        migrations.AddField(
            model_name="historyentry",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=20),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="checkpoint",
            trigger=pgtrigger.compiler.Trigger(
                name="checkpoint_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'the checkpoint record is append-only: % refused on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';",
                    hash="e90253ca4f0aefb540993ff82587dda09c1c60a3",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_checkpoint_append_only_6e04f",
                    table="escrow_checkpoint",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="checkpoint",
            trigger=pgtrigger.compiler.Trigger(
                name="checkpoint_no_truncate",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'the checkpoint record is append-only: % refused on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';",
                    hash="17c8a1d366b95a18915d4f13de4d75a527cba522",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_checkpoint_no_truncate_7001c",
                    table="escrow_checkpoint",
                    when="BEFORE",
                ),
            ),
        ),
    ]
