"""An import whose worker died does not stay "running" for ever."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.customers.models import ImportJob, ImportStatus
from peerarmy.customers.tasks import fail_interrupted_imports

pytestmark = pytest.mark.django_db


def test_a_stale_running_import_is_marked_failed_and_a_fresh_one_is_left_alone(business):
    stale = ImportJob.objects.create(
        business=business,
        kind="orders",
        format="shopify",
        filename="old.csv",
        status=ImportStatus.RUNNING,
        language="en",
    )
    ImportJob.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=3))
    fresh = ImportJob.objects.create(
        business=business,
        kind="orders",
        format="shopify",
        filename="new.csv",
        status=ImportStatus.RUNNING,
    )

    assert fail_interrupted_imports.call() == 1

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == ImportStatus.FAILED
    assert "interrupted" in stale.failure
    assert fresh.status == ImportStatus.RUNNING
