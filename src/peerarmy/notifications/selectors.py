"""Reads of the outbox for the console."""

from .models import OutboxMessage, OutboxStatus


def failed_count(business) -> int:
    """E-mails of the business that could not be delivered (every retry spent)."""
    return OutboxMessage.objects.filter(business=business, status=OutboxStatus.FAILED).count()
