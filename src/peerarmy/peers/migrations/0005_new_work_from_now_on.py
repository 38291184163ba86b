"""New work is offered from now on: an installation that already has businesses does not
offer every block and request open today the moment the worker starts after this update."""

from django.db import migrations
from django.utils import timezone


def look_from_now(apps, schema_editor):
    Business = apps.get_model("tenancy", "Business")
    OfferSweep = apps.get_model("peers", "OfferSweep")
    now = timezone.now()
    OfferSweep.objects.bulk_create(
        [OfferSweep(business_id=pk, looked_until=now) for pk in Business.objects.values_list("pk", flat=True)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("peers", "0004_new_work_offers")]

    operations = [migrations.RunPython(look_from_now, migrations.RunPython.noop)]
