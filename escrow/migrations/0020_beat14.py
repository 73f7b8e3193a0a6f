# Issue 14: the sweep issues the escrow fee invoices (no person issues them: issued_by None), and an outbox email
# may carry an attachment built as it is sent (the monthly statement's PDF).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('escrow', '0019_dividends_votes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='feeinvoice',
            name='issued_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='attachment',
            field=models.JSONField(blank=True, null=True),
        ),
    ]
