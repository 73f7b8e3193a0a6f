# Per-person API tokens (issue 10 item 3). Written by hand: the model, then the tokens of DRF's authtoken
# app (one plain-text key per person, unlisted, not revocable) carried over as hashed ApiTokens so the
# parties' systems keep working, and their plain-text keys removed from the database.

import hashlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

LEGACY_TABLE = "authtoken_token"
LEGACY_LABEL = "Token created before per-person tokens"


def carry_over_legacy_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("parties", "ApiToken")
    table = connection.ops.quote_name(LEGACY_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {table}")  # noqa: S608
        rows = cursor.fetchall()
        for key, user_id, created in rows:
            token = ApiToken.objects.create(
                user_id=user_id,
                label=LEGACY_LABEL,
                key_hash=hashlib.sha256(key.encode()).hexdigest(),
                hint=key[:6],
            )
            ApiToken.objects.filter(pk=token.pk).update(created_at=created)
        # A plain-text key left behind would let anyone who reads the database act as its owner.
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("parties", "0002_reauth_failures")]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("label", models.CharField(max_length=100, verbose_name="label")),
                (
                    "key_hash",
                    models.CharField(editable=False, max_length=64, unique=True, verbose_name="SHA-256 of the secret"),
                ),
                ("hint", models.CharField(editable=False, max_length=8, verbose_name="first characters")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("created_ip", models.GenericIPAddressField(blank=True, null=True, verbose_name="created from")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used at")),
                ("last_used_ip", models.GenericIPAddressField(blank=True, null=True, verbose_name="last used from")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="revoked at")),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="revoked by",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="person",
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "verbose_name_plural": "API tokens",
                "ordering": ["-created_at", "-pk"],
                "permissions": [("revoke_apitoken", "Can revoke anyone's API token")],
            },
        ),
        migrations.RunPython(carry_over_legacy_tokens, migrations.RunPython.noop),
    ]
