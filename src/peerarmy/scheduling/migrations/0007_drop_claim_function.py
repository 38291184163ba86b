"""The claim's database function goes (ADR 11): every rule of a claim is in Python, and the
outbox row of its confirmation is written by the notifications app's own service. What the
database guards on the claim's path is left to its constraints and the conditional seat
UPDATE (`scheduling/sql.py`). Going back recreates the function of migration 0006."""

from importlib import import_module

from django.db import migrations

DROP = (
    "DROP FUNCTION IF EXISTS scheduling_quick_claim("
    "bigint, bigint, timestamptz, text, integer, integer, integer);"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        previous = import_module("peerarmy.scheduling.migrations.0006_claim_function_postgresql")
        schema_editor.execute(previous.CREATE)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0006_claim_function_postgresql")]

    operations = [migrations.RunPython(forwards, backwards)]
