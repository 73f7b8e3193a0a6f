"""Issue 13: the running state of each tranche's last stored penalty day (running total, cap, capped), filled from
that day, so the sweep charges the next day without reading it. A tranche whose last day has no cap stored keeps
NULL: the sweep reads the day instead (and revalues it through the engine, as before)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    PenaltyDay = apps.get_model("escrow", "PenaltyDay")
    Tranche = apps.get_model("escrow", "Tranche")
    last = PenaltyDay.objects.filter(tranche=models.OuterRef("pk"), day=models.OuterRef("penalty_last_day"))
    Tranche.objects.filter(penalty_last_day__isnull=False).update(
        penalty_total=models.Subquery(last.values("running_total")[:1]),
        penalty_cap=models.Subquery(last.values("cap")[:1]),
        penalty_capped=models.Subquery(last.values("capped")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("escrow", "0024_dash13"),
    ]

    operations = [
        migrations.AddField(
            model_name="tranche",
            name="penalty_total",
            field=models.DecimalField(blank=True, decimal_places=8, editable=False, max_digits=24, null=True),
        ),
        migrations.AddField(
            model_name="tranche",
            name="penalty_cap",
            field=models.DecimalField(blank=True, decimal_places=8, editable=False, max_digits=24, null=True),
        ),
        migrations.AddField(
            model_name="tranche",
            name="penalty_capped",
            field=models.BooleanField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
