# Issue 14 tidy: the `rebase` kind's label names every source (split, consolidation or stock dividend).
# Only the choices change; the EA 4.2 check constraint (movement_kind_ea_4_2) is untouched.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('escrow', '0020_beat14'),
    ]

    operations = [
        migrations.AlterField(
            model_name='sharemovement',
            name='kind',
            field=models.CharField(choices=[('deposit', 'Deposit into escrow (EA 1.1)'), ('release', 'Release to the seller (EA 3.2)'), ('return', 'Return to the issuer for cancellation (SPA 5.2(1))'), ('rebase', 'Rebase (split, consolidation or stock dividend)')], max_length=10),
        ),
    ]
