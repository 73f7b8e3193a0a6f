"""Issue 9: the delay penalty as the contract says (SPA 8.2, EA 5.2).

- P8 `hold_days` on the deal: which days a hold frees (default `civil-code`, PRC Civil Code Art. 201:
  raised on D and lifted on E, it frees D+1 .. E; `inclusive`: D .. E).
- PenaltyDay.charged: what a day adds to the total under the cap, so every party's share is a sum of
  stored charged amounts; money is stored exactly (8 decimal places).
- Days already stored get their charged amount from their stored amount and cap, walked in day order
  (a day is charged what is left under the cap in force that day), and their running total follows.
"""

from decimal import Decimal

from django.db import migrations, models


def charge_stored_days(apps, schema_editor):
    PenaltyDay = apps.get_model("escrow", "PenaltyDay")
    rows = PenaltyDay.objects.order_by("tranche_id", "day")
    changed, tranche, total = [], None, Decimal(0)
    for row in rows.iterator(chunk_size=2000):
        if row.tranche_id != tranche:
            tranche, total = row.tranche_id, Decimal(0)
        cap = row.cap or Decimal(0)
        if row.missing_price:
            row.charged = None
        elif not row.liable or row.amount is None:
            row.charged = Decimal(0)
        else:
            row.charged = min(row.amount, max(Decimal(0), cap - total))
            total += row.charged
        row.running_total = total
        row.capped = cap > 0 and total >= cap
        changed.append(row)
        if len(changed) >= 2000:
            PenaltyDay.objects.bulk_update(changed, ["charged", "running_total", "capped"])
            changed = []
    PenaltyDay.objects.bulk_update(changed, ["charged", "running_total", "capped"])


class Migration(migrations.Migration):
    dependencies = [
        ("escrow", "0004_history_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="hold_days",
            field=models.CharField(
                choices=[("civil-code", "civil-code"), ("inclusive", "inclusive")], default="civil-code", max_length=40
            ),
        ),
        migrations.AddField(
            model_name="penaltyday",
            name="charged",
            field=models.DecimalField(blank=True, decimal_places=8, max_digits=24, null=True),
        ),
        migrations.AlterField(
            model_name="penaltyday",
            name="amount",
            field=models.DecimalField(blank=True, decimal_places=8, max_digits=24, null=True),
        ),
        migrations.AlterField(
            model_name="penaltyday",
            name="cap",
            field=models.DecimalField(blank=True, decimal_places=8, max_digits=24, null=True),
        ),
        migrations.AlterField(
            model_name="penaltyday",
            name="running_total",
            field=models.DecimalField(decimal_places=8, default=0, max_digits=24),
        ),
        migrations.RunPython(charge_stored_days, migrations.RunPython.noop),
    ]
