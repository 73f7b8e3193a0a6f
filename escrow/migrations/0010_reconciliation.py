"""Issue 10 item 5: the nightly verification's record, one row per contract day (escrow.models.verification)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("escrow", "0009_keyed_history")]

    operations = [
        migrations.CreateModel(
            name="VerificationRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(unique=True, verbose_name="contract day (Beijing time)")),
                ("started_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("ok", models.BooleanField(null=True)),
                ("chains", models.PositiveIntegerField(default=0)),
                ("deals", models.PositiveIntegerField(default=0)),
                ("failures", models.JSONField(blank=True, default=list)),
            ],
            options={
                "verbose_name": "nightly verification",
                "verbose_name_plural": "nightly verifications",
                "ordering": ["-day"],
            },
        ),
    ]
