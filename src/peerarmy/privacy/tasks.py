"""Background tasks of people's rights: staff are reminded, once, of the erasure requests due
within a week; the e-mails that told people their data was erased are deleted once they have
left. Both read across businesses with scopes disabled, as the other apps' sweeps do."""

from django_tasks import task

from . import services


@task()
def remind_erasures_due() -> int:
    """Requests due within REMIND_DAYS: their business's owner and staff are e-mailed once."""
    return services.remind_due()


@task()
def forget_erasure_outcomes() -> int:
    """The last e-mail to an erased person is not kept once it has left."""
    return services.forget_sent_outcomes()


# What the worker's periodic sweep enqueues (every --sweep-every seconds), in this order.
PERIODIC = (remind_erasures_due, forget_erasure_outcomes)
