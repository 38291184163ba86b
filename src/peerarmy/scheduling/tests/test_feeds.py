"""A peer's private calendar feed: a secret URL they can subscribe to, replace and revoke."""

from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from peerarmy.scheduling import feeds, ical
from peerarmy.scheduling.models import CalendarFeed
from peerarmy.scheduling.services import claim_block
from peerarmy.tenancy.tests.factories import PeerFactory

from .factories import BlockFactory

pytestmark = pytest.mark.django_db


def path_of(url):
    return urlsplit(url).path


def test_a_peer_subscribes_and_their_calendar_app_gets_their_blocks(client, peer, program):
    block = BlockFactory(program=program)
    claim_block(peer, block.pk)

    url = feeds.get_or_create_feed_url(peer).value
    response = client.get(path_of(url))

    assert url.startswith("http://127.0.0.1:8000/bicigialla/calendar/")
    assert url.endswith(".ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    (event,) = Calendar.from_ical(response.content).events
    assert str(event["uid"]) == ical.block_uid(block)


def test_only_the_hash_of_the_token_is_stored(peer):
    url = feeds.get_or_create_feed_url(peer).value
    token = path_of(url).rsplit("/", 1)[1].removesuffix(".ics")

    feed = CalendarFeed.objects.get(peer=peer)

    assert token not in feed.token_hash
    assert feed.token_hash == feeds.hash_token(token)
    assert feeds.active_feed(peer) == feed


def test_the_peers_page_can_show_the_same_url_again(peer):
    assert feeds.feed_url_of(peer) is None
    first = feeds.get_or_create_feed_url(peer)
    again = feeds.get_or_create_feed_url(peer)

    assert (first.created, again.created) == (True, False)
    assert again.value == first.value == feeds.feed_url_of(peer)
    assert CalendarFeed.objects.filter(peer=peer).count() == 1


def test_regenerating_the_feed_revokes_the_old_url(client, peer):
    old = feeds.get_or_create_feed_url(peer).value

    new = feeds.regenerate_feed(peer).value

    assert new != old
    assert client.get(path_of(old)).status_code == 404
    assert client.get(path_of(new)).status_code == 200
    assert CalendarFeed.objects.filter(peer=peer, revoked_at__isnull=True).count() == 1


def test_a_revoked_feed_is_a_404(client, peer):
    url = feeds.get_or_create_feed_url(peer).value

    stopped = feeds.revoke_feed(peer).value
    assert stopped.peer_id == peer.pk and stopped.revoked_at is not None
    assert client.get(path_of(url)).status_code == 404
    assert feeds.active_feed(peer) is None and feeds.feed_url_of(peer) is None
    assert feeds.revoke_feed(peer).value is None


@pytest.mark.parametrize("change", ["get_or_create_feed_url", "regenerate_feed", "revoke_feed"])
def test_only_an_active_peer_gets_or_changes_a_feed(peer, change):
    from peerarmy.errors import PermissionDenied

    peer.status = "suspended"
    with pytest.raises(PermissionDenied):
        getattr(feeds, change)(peer)
    assert not CalendarFeed.objects.exists()


def test_an_unknown_token_is_a_404(client, business):
    assert client.get(f"/{business.slug}/calendar/made-up-token.ics").status_code == 404
    assert client.get(f"/{business.slug}/calendar/{'x' * 500}.ics").status_code == 404


def test_the_token_does_not_open_the_feed_under_another_business(client, peer, other_business):
    url = feeds.get_or_create_feed_url(peer).value
    token_part = path_of(url).rsplit("/", 1)[1]

    response = client.get(f"/{other_business.slug}/calendar/{token_part}")

    assert response.status_code == 404


def test_each_peer_sees_only_their_own_blocks(client, business, program):
    mine, theirs = PeerFactory(business=business), PeerFactory(business=business)
    my_block, their_block = BlockFactory(program=program), BlockFactory(program=program)
    claim_block(mine, my_block.pk)
    claim_block(theirs, their_block.pk)

    response = client.get(path_of(feeds.get_or_create_feed_url(mine).value))

    uids = {str(e["uid"]) for e in Calendar.from_ical(response.content).events}
    assert uids == {ical.block_uid(my_block)}
