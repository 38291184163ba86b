"""A peer's settings for new-work messages: one input with every rule, each error naming its
field; only the peer changes them; work already found follows a change."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from peerarmy.errors import PermissionDenied
from peerarmy.inputs import InvalidInput
from peerarmy.peers.inputs import NotificationSettingsInput
from peerarmy.peers.models import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    OfferedWork,
    OfferStatus,
)
from peerarmy.peers.selectors import notification_settings_of
from peerarmy.peers.services import update_notification_settings
from peerarmy.tenancy.tests.factories import PeerFactory


def fields_at_fault(data):
    with pytest.raises(InvalidInput) as refused:
        NotificationSettingsInput.parse(data)
    return {field: message for field, message in refused.value.errors}


def test_the_defaults_are_at_once_by_email_and_push_quiet_at_night():
    data = NotificationSettingsInput.parse({})
    assert (data.new_work, data.email, data.push, data.digest_hour) == ("instant", True, True, 18)
    assert (data.quiet_start, data.quiet_end) == (DEFAULT_QUIET_START, DEFAULT_QUIET_END)


def test_quiet_hours_may_wrap_midnight_or_be_none():
    assert NotificationSettingsInput.parse({"quiet_start": "22:30", "quiet_end": "07:00"})
    data = NotificationSettingsInput.parse({"quiet_start": None, "quiet_end": None})
    assert data.quiet_start is None and data.quiet_end is None
    assert NotificationSettingsInput.parse({"quiet_start": "13:00:59"}).quiet_start == time(13)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"quiet_start": "25:00"}, "quiet_start", "Enter a time (HH:MM)."),
        ({"quiet_end": "tea time"}, "quiet_end", "Enter a time (HH:MM)."),
        ({"quiet_start": None}, "quiet_start", "Give both ends of the quiet hours, or neither."),
        ({"quiet_end": None}, "quiet_end", "Give both ends of the quiet hours, or neither."),
        (
            {"quiet_start": "08:00", "quiet_end": "08:00"},
            "quiet_end",
            "The quiet hours must end at another time than they start.",
        ),
        ({"digest_hour": 24}, "digest_hour", "Enter a value of at most 23."),
        (
            {"new_work": "digest", "digest_hour": 23},
            "digest_hour",
            "This hour falls in your quiet hours: choose one outside them.",
        ),
        ({"new_work": "hourly"}, "new_work", "Choose one of: off, instant, digest."),
        (
            {"email": False, "push": False},
            "email",
            "Choose at least one way to reach you, or turn new-work messages off.",
        ),
    ],
)
def test_bad_settings_are_refused_naming_the_field(data, field, words):
    assert fields_at_fault(data) == {field: words}


def test_every_fault_is_reported_at_once():
    found = fields_at_fault(
        {"quiet_start": "nope", "digest_hour": -1, "email": False, "push": False}
    )
    assert set(found) == {"quiet_start", "digest_hour", "email"}


def test_switched_off_needs_no_channel():
    assert NotificationSettingsInput.parse({"new_work": "off", "email": False, "push": False})


@pytest.mark.django_db
def test_a_read_writes_nothing_and_gives_the_defaults(peer):
    found = notification_settings_of(peer)
    assert found.pk is None
    assert found.new_work == "instant" and found.quiet_start == DEFAULT_QUIET_START


@pytest.mark.django_db
def test_only_the_peer_changes_their_settings(business, peer, staff, owner):
    data = NotificationSettingsInput.parse({"new_work": "off"})
    for someone in (staff, owner, PeerFactory(business=business).user):
        with pytest.raises(PermissionDenied):
            update_notification_settings(business=business, actor=someone, peer=peer, data=data)
    assert notification_settings_of(peer).pk is None
    outcome = update_notification_settings(business=business, actor=peer.user, peer=peer, data=data)
    assert outcome.created and outcome.value.new_work == "off"


@pytest.mark.django_db
def test_another_business_cannot_be_named(business, other_business, peer):
    data = NotificationSettingsInput.parse({})
    with pytest.raises(PermissionDenied):
        update_notification_settings(business=other_business, actor=peer.user, peer=peer, data=data)


@pytest.mark.django_db
def test_work_waiting_for_the_morning_follows_a_change_of_quiet_hours(business, peer):
    tz = business.tzinfo
    found_at = timezone.now().astimezone(tz).replace(hour=23, minute=0, second=0, microsecond=0)
    offer = OfferedWork.objects.create(
        business=business,
        peer=peer,
        kind="block",
        item_id=1,
        starts_at=found_at + timedelta(days=2),
        found_at=found_at,
        due_at=found_at.replace(hour=8) + timedelta(days=1),
    )
    data = NotificationSettingsInput.parse({"quiet_start": "23:30", "quiet_end": "06:00"})
    update_notification_settings(business=business, actor=peer.user, peer=peer, data=data)
    offer.refresh_from_db()
    assert offer.due_at == found_at  # 23:00 is no longer quiet
    update_notification_settings(
        business=business,
        actor=peer.user,
        peer=peer,
        data=NotificationSettingsInput.parse({"new_work": "off"}),
    )
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DROPPED
