"""Background tasks of matching (the worker's sweep enqueues them every minute)."""

from django_tasks import task

from . import services


@task()
def run_matching_batches() -> int:
    """Run each matching program whose open requests have waited a batch interval."""
    return services.run_due_batches()


@task()
def expire_match_proposals() -> int:
    """Expire proposals past their deadline and match their requests again."""
    return services.expire_proposals()


# What the worker's periodic sweep enqueues (every --sweep-every seconds), in this order.
PERIODIC = (
    expire_match_proposals,
    run_matching_batches,
)
