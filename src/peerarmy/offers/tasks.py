"""Background tasks of new work reaching peers."""

from django_tasks import task

from . import services


@task()
def offer_new_work() -> int:
    """Offer the work that opened to the peers who could take it, and send the messages that
    are due (the worker's sweep runs it every minute)."""
    return services.offer_new_work()


# What the worker's periodic sweep enqueues (every --sweep-every seconds).
PERIODIC = (offer_new_work,)
