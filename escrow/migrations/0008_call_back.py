"""Issue 10 item 2: the call-back before a release (escrow/models/callbacks.py) and the deal's waiver of it.

Written by hand from `makemigrations --dry-run`; the trigger keeps a recorded call-back as it was
(PostgreSQL only)."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("escrow", "0007_signatory_register"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="call_back_waived",
            field=models.BooleanField(default=False, verbose_name="call-back before release waived"),
        ),
        migrations.AddField(
            model_name="deal",
            name="call_back_waiver_reason",
            field=models.TextField(blank=True, verbose_name="why the call-back is waived"),
        ),
        migrations.CreateModel(
            name="CallBack",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "instrument_sha256",
                    models.CharField(max_length=64, verbose_name="SHA-256 of the instruction confirmed"),
                ),
                ("number_called", models.CharField(max_length=50, verbose_name="number called")),
                ("called_at", models.DateTimeField(verbose_name="called at")),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("confirmed", "Confirmed the instruction"),
                            ("not_confirmed", "Did not confirm the instruction"),
                            ("no_answer", "No answer"),
                        ],
                        max_length=20,
                        verbose_name="outcome",
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
                (
                    "instrument",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="call_backs", to="escrow.instrument"
                    ),
                ),
                (
                    "officer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "signatory",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="call_backs", to="escrow.signatory"
                    ),
                ),
                (
                    "tranche",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="call_backs", to="escrow.tranche"
                    ),
                ),
            ],
            options={
                "verbose_name": "call-back",
                "verbose_name_plural": "call-backs",
                "ordering": ["tranche", "called_at", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("number_called", ""), _negated=True), name="call_back_names_the_number"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("instrument_sha256", ""), _negated=True), name="call_back_names_the_hash"
                    ),
                ],
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="callback",
            trigger=pgtrigger.compiler.Trigger(
                name="call_back_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func=(
                        "RAISE EXCEPTION 'a recorded call-back is kept as it was: % refused on %', TG_OP, "
                        "TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';"
                    ),
                    hash="41f564bedc4ee98977aa2c8436238159a9af81af",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_call_back_append_only_24d36",
                    table="escrow_callback",
                    when="BEFORE",
                ),
            ),
        ),
    ]
