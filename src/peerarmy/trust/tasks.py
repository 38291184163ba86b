"""Background tasks of the trust app: the nightly recompute of reliability scores."""

from django_scopes import scope, scopes_disabled
from django_tasks import task

from peerarmy.tenancy.models import Business

from . import services


@task()
def recompute_nightly() -> int:
    """Recompute every business's reliability scores once per night (the worker's sweep
    enqueues it every minute; a business already done today is skipped). Returns how many
    businesses were recomputed now."""
    with scopes_disabled():
        businesses = list(Business.objects.all())
    done = 0
    for business in businesses:
        with scope(business=business):
            done += services.recompute_nightly(business)
    return done


# What the worker's periodic sweep enqueues (every --sweep-every seconds), in this order.
PERIODIC = (recompute_nightly,)
