"""Background tasks of the scheduling app."""

from django_tasks import task

from . import reminders


@task()
def send_block_reminders() -> int:
    """Send the reminders due 24 hours and 1 hour before blocks (the worker's sweep runs it
    every minute)."""
    return reminders.send_due_reminders()


@task()
def open_peer_reviews() -> int:
    """Put under review the peers whose reliability fell under a program's threshold or who
    missed too many blocks (`reviews.review_peers`); how many reviews were opened."""
    from .reviews import review_every_business

    return review_every_business()


# What the worker's periodic sweep enqueues (every --sweep-every seconds), in this order.
PERIODIC = (send_block_reminders, open_peer_reviews)
