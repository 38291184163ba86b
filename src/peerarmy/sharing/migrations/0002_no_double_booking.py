"""The database's guard against double bookings (see `peerarmy.sharing.sql`)."""

from django.db import migrations

from peerarmy.sharing import sql


def install(apps, schema_editor):
    sql.install_guard(schema_editor)


def remove(apps, schema_editor):
    sql.remove_guard(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("sharing", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
