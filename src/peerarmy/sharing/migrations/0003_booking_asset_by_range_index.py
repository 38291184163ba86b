"""A booking's asset loses its single-column index: the (asset, business, starts_at, ends_at)
index starts with it, and PostgreSQL preferred the single one when it looked for an overlap,
reading every booking of the asset. Only the index is dropped: altering the field would make
SQLite rebuild the table, and with it lose the guard's triggers."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "sharing_booking_asset_id_01b18cb7"  # the name Django gave it in 0001


class Migration(migrations.Migration):
    dependencies = [("sharing", "0002_no_double_booking")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="booking",
                    name="asset",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bookings",
                        to="sharing.asset",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    f'CREATE INDEX {INDEX} ON "sharing_booking" ("asset_id")',
                ),
            ],
        ),
    ]
