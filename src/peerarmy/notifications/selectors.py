"""Reads of the outbox: for the console, and the browsers an owner enabled web push on."""

from .models import OutboxMessage, OutboxStatus, PushSubscription


def failed_count(business) -> int:
    """E-mails of the business that could not be delivered (every retry spent). A web push
    that failed is left out: most fail because the browser is gone, which staff cannot mend."""
    return OutboxMessage.objects.filter(
        business=business, status=OutboxStatus.FAILED, channel=OutboxMessage.Channel.EMAIL
    ).count()


def push_subscriptions(business, owner: str) -> list:
    """The browsers `owner` ("peer:42") enabled web push on, newest first."""
    return list(PushSubscription.objects.filter(business=business, owner=owner))
