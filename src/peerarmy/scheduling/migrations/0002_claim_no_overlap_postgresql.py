"""On PostgreSQL, an exclusion constraint refuses two overlapping active claims of one peer.

The claim service already serialises one peer's claims with a row lock and checks overlaps
inside it; this is the database's last line of defence. SQLite has no exclusion constraints;
there the IMMEDIATE transaction mode serialises every writer instead.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE scheduling_claim ADD CONSTRAINT claim_no_overlap
    EXCLUDE USING gist (peer_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status = 'active');
"""
DROP = "ALTER TABLE scheduling_claim DROP CONSTRAINT IF EXISTS claim_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
