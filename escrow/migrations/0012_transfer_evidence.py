"""Issue 11 item 4: the transfer agent's evidence of the deposit (EA 1.1) and of each release (EA 3.2)
(escrow/models/transfers.py), and the StoredDocument kind for its confirmation.

Written by hand from `makemigrations --dry-run`; the kind's choices include 0011's signed instrument. The
triggers keep the evidence append-only like the ledger it stands beside (PostgreSQL only)."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

APPEND_ONLY = (
    "RAISE EXCEPTION 'the transfer evidence is append-only: % refused on %', TG_OP, TG_TABLE_NAME "
    "USING ERRCODE = 'insufficient_privilege';"
)


class Migration(migrations.Migration):
    dependencies = [
        ("escrow", "0011_signed_instrument"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="storeddocument",
            name="kind",
            field=models.CharField(
                choices=[
                    ("audit_report", "Audited revenue report (EA 3.1(a))"),
                    ("joint_instruction", "Joint written instruction (EA 3.1(b))"),
                    ("settlement", "Settlement agreement (EA 3.3)"),
                    ("award", "Arbitral award or court ruling (EA 3.3)"),
                    ("adjustment", "Written adjustment agreement (SPA 5.3)"),
                    ("history_export", "History export"),
                    ("signed_instrument", "Signed instrument with certificate of completion, sealed"),
                    ("transfer_confirmation", "Transfer agent's confirmation (EA 1.1, 3.2)"),
                ],
                max_length=30,
            ),
        ),
        migrations.CreateModel(
            name="TransferEvidence",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("transfer_date", models.DateField(blank=True, null=True, verbose_name="date of issue or transfer")),
                ("transfer_agent", models.CharField(blank=True, max_length=200, verbose_name="transfer agent")),
                ("recipient_account", models.TextField(blank=True, verbose_name="recipient's account")),
                ("recorded_at", models.DateTimeField()),
                (
                    "deal",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="transfer_evidence", to="escrow.deal"
                    ),
                ),
                (
                    "movement",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT, related_name="evidence", to="escrow.sharemovement"
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "tranche",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="transfer_evidence",
                        to="escrow.tranche",
                    ),
                ),
            ],
            options={
                "verbose_name": "transfer evidence",
                "verbose_name_plural": "transfer evidence",
                "ordering": ["recorded_at", "id"],
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="transferevidence",
            trigger=pgtrigger.compiler.Trigger(
                name="transfer_evidence_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func=APPEND_ONLY,
                    hash="8bffd40d76e2e9b5404f627bbd69853483a78d0b",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_transfer_evidence_append_only_ffe0d",
                    table="escrow_transferevidence",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="transferevidence",
            trigger=pgtrigger.compiler.Trigger(
                name="transfer_evidence_no_truncate",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func=APPEND_ONLY,
                    hash="7f3e8c9b9917f86d68bf28a93c5a4f06ed1abb66",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_transfer_evidence_no_truncate_3c499",
                    table="escrow_transferevidence",
                    when="BEFORE",
                ),
            ),
        ),
    ]
