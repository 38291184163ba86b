"""Background tasks of the superfans app: scoring a business's customers."""

from django_scopes import scope
from django_tasks import task

from peerarmy.tenancy.models import Business

from . import services


@task()
def score_business_task(business_id: int) -> dict:
    """Score every customer of the business; a business deleted meanwhile is skipped.

    Enqueue it after a change to the data, once committed:
    `transaction.on_commit(lambda: score_business_task.enqueue(business.pk))`.
    """
    business = Business.objects.filter(pk=business_id).first()
    if business is None:
        return {"customers": 0}
    with scope(business=business):
        result = services.score_business(business).value
    data = result.as_dict()
    data["as_of"] = result.as_of.isoformat()
    return data


@task()
def expire_invitations() -> int:
    """Mark every business's past-due invitations expired (the worker runs it periodically,
    so the console's counts are right even when nobody opens the invitations list)."""
    from django_scopes import scopes_disabled

    from .invitations import mark_expired

    changed = 0
    with scopes_disabled():
        for business in Business.objects.all():
            changed += mark_expired(business=business)
    return changed


# What the worker's periodic sweep enqueues (every --sweep-every seconds), in this order.
PERIODIC = (expire_invitations,)
