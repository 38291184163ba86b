"""Background tasks of chip-in: the worker's sweep lapses pledges never confirmed or paid in
their time and closes the campaigns whose deadline came (all or nothing); an upload of a bank
statement thanks the friends whose pledges it received."""

from django.utils import translation
from django_scopes import scope
from django_tasks import task

from . import services


@task()
def lapse_pledges() -> int:
    return services.lapse_pledges()


@task()
def close_due_campaigns() -> int:
    return services.close_due_campaigns()


@task()
def thank_pledgers(business_id: int, pledge_ids: list[int]) -> int:
    """One e-mail to each friend whose pledge a statement received."""
    from django.db import transaction

    from peerarmy.tenancy.models import Business

    from .models import Pledge

    business = Business.objects.get(pk=business_id)
    count = 0
    with scope(business=business_id), transaction.atomic():
        rows = Pledge.objects.filter(business=business, pk__in=pledge_ids).select_related(
            "campaign", "campaign__business"
        )
        for pledge in rows:
            with translation.override(pledge.language):
                services._thank(business, pledge.campaign, pledge)
            count += 1
    return count


# What the worker's periodic sweep enqueues (every --sweep-every seconds), in this order.
PERIODIC = (lapse_pledges, close_due_campaigns)
