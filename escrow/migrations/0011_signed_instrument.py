# Issue 11 items 2-3: the signed instrument (original pages + certificate of completion, sealed by the
# platform) is a StoredDocument of its own kind, linked from the Instrument. Written by hand.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("escrow", "0010_reconciliation")]
    operations = [
        migrations.AddField(
            model_name="instrument",
            name="sealed_document",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sealed_instrument",
                to="escrow.storeddocument",
            ),
        ),
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
                ],
                max_length=30,
            ),
        ),
    ]
