"""Issue 13: where each tranche's penalty days stand and their running state move from the tranche row to a narrow
row of their own (PenaltyPosition), which the sweep rewrites for every late tranche every day: a new version of the
wide tranche row (five indexes) cost about eight times a new version of the narrow one. On PostgreSQL the new table
leaves room on each page (fillfactor 50), so a day's new version stays on its page and no index is touched (a HOT
update). The values move as they are; a tranche with nothing stored and nothing valued gets no row."""

import django.db.models.deletion
from django.db import migrations, models

COLUMNS = ("first_day", "last_day", "day_count", "valued_at", "total", "cap", "capped")


def move_to_positions(apps, schema_editor):
    Tranche = apps.get_model("escrow", "Tranche")
    PenaltyPosition = apps.get_model("escrow", "PenaltyPosition")
    kept = Tranche.objects.exclude(
        penalty_first_day__isnull=True,
        penalty_last_day__isnull=True,
        penalty_day_count=0,
        penalty_valued_at__isnull=True,
        penalty_total__isnull=True,
        penalty_cap__isnull=True,
        penalty_capped__isnull=True,
    )
    rows = kept.values_list("pk", *(f"penalty_{c}" for c in COLUMNS)).order_by("pk").iterator(chunk_size=2000)
    batch = []
    for pk, *values in rows:
        batch.append(PenaltyPosition(tranche_id=pk, **dict(zip(COLUMNS, values, strict=True))))
        if len(batch) == 2000:
            PenaltyPosition.objects.bulk_create(batch)
            batch = []
    PenaltyPosition.objects.bulk_create(batch)


def move_back(apps, schema_editor):
    Tranche = apps.get_model("escrow", "Tranche")
    PenaltyPosition = apps.get_model("escrow", "PenaltyPosition")
    for position in PenaltyPosition.objects.iterator(chunk_size=2000):
        Tranche.objects.filter(pk=position.tranche_id).update(**{f"penalty_{c}": getattr(position, c) for c in COLUMNS})


def room_on_each_page(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE escrow_penaltyposition SET (fillfactor = 50)")


class Migration(migrations.Migration):
    dependencies = [
        ("escrow", "0025_penalty13"),
    ]

    operations = [
        migrations.CreateModel(
            name="PenaltyPosition",
            fields=[
                (
                    "tranche",
                    models.OneToOneField(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="penalty_position",
                        serialize=False,
                        to="escrow.tranche",
                    ),
                ),
                ("first_day", models.DateField(blank=True, editable=False, null=True)),
                ("last_day", models.DateField(blank=True, editable=False, null=True)),
                ("day_count", models.PositiveIntegerField(default=0, editable=False)),
                ("valued_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("total", models.DecimalField(blank=True, decimal_places=8, editable=False, max_digits=24, null=True)),
                ("cap", models.DecimalField(blank=True, decimal_places=8, editable=False, max_digits=24, null=True)),
                ("capped", models.BooleanField(blank=True, editable=False, null=True)),
            ],
        ),
        migrations.RunPython(room_on_each_page, migrations.RunPython.noop),
        migrations.RunPython(move_to_positions, move_back),
        *(migrations.RemoveField(model_name="tranche", name=f"penalty_{c}") for c in COLUMNS),
    ]
