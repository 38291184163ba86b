"""What the superfans app does when other apps say something happened (`peerarmy.events`)."""

from django.db import transaction


def on_customers_imported(business, name, *, key, payload):
    """An import created or changed customers or their history: the scores follow, in the
    background once the import is committed (unless the importer scores itself, as the demo
    does)."""
    if not payload.get("rescore", True):
        return
    from .tasks import score_business_task

    business_id = business.pk
    transaction.on_commit(lambda: score_business_task.enqueue(business_id))
