# Placeholder in the migration chain: its owner fills in the operations.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("parties", "0002_reauth_failures")]
    operations = []
