# Placeholder in the migration chain: its owner fills in the operations.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("escrow", "0009_keyed_history")]
    operations = []
