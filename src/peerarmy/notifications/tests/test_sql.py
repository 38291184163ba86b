"""The raw statement of notifications/sql.py keeps to its business: run for business A with
business B's messages present, it neither reads nor changes B's rows."""

import pytest
from django.utils import timezone

from peerarmy.notifications import sql
from peerarmy.notifications.models import OutboxMessage, OutboxStatus
from peerarmy.notifications.services import enqueue_email_rendered

pytestmark = pytest.mark.django_db


def values(to):
    now = timezone.now()
    return {
        "channel": OutboxMessage.Channel.EMAIL.value,
        "event": "test",
        "recipient": to,
        "subject": "",
        "body_text": "",
        "body_html": "",
        "payload": {"n": 1},
        "renderer": "test",
        "attachments": [],
        "language": "it",
        "redact": [],
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "last_error": "",
    }


def rows(business):
    return list(
        OutboxMessage.objects.filter(business=business)
        .order_by("pk")
        .values_list("pk", "recipient", "status", "payload")
    )


def test_a_message_is_written_for_its_business_only(business, other_business):
    enqueue_email_rendered(
        business=other_business,
        to="theirs@example.org",
        subject="Ciao",
        body_text="Ciao",
        language="it",
        event="test",
    )
    theirs = rows(other_business)

    message_id = sql.insert_message(business.pk, values("ours@example.org"))

    assert rows(business) == [(message_id, "ours@example.org", "pending", {"n": 1})]
    assert rows(other_business) == theirs


def test_the_business_given_wins_over_one_in_the_values(business, other_business):
    message_id = sql.insert_message(
        business.pk, {**values("ours@example.org"), "business_id": other_business.pk}
    )

    assert OutboxMessage.objects.get(pk=message_id).business_id == business.pk
    assert rows(other_business) == []
