"""The peer's notification settings: a page in the peer's app and the API's GET/PUT under
/me/, through one input (the same bad values refused alike, naming the same field); web push
enabled and turned off from the page; nobody but the peer reads or changes them."""

import json
import os
import re

import pytest
from django.conf import settings as django_settings

from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.api.tests.conftest import ApiClient
from peerarmy.notifications import vapid
from peerarmy.notifications.models import PushSubscription
from peerarmy.notifications.tests.test_push import Browser, b64
from peerarmy.peers.models import NotificationSettings
from peerarmy.peers.selectors import notification_settings_of
from peerarmy.tenancy.tests.factories import PeerFactory
from peerarmy.web.tests.paired import assert_same_errors

pytestmark = pytest.mark.django_db

URL = "/bicigialla/me/notifications/"
API = "/api/v1/me/notifications"

GOOD = {
    "new_work": "digest",
    "email": "on",
    "push": "",
    "quiet_start": "23:00",
    "quiet_end": "07:00",
    "digest_hour": "19",
}


@pytest.fixture
def peer_page(client, peer):
    client.force_login(peer.user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def peer_api(client, business, peer):
    _token, raw = create_peer_token(business=business, peer_user=peer.user).value
    return ApiClient(client, raw, language="en")


def put(api, body):
    return api._send("put", API, body, {})


def _form(data):
    return {k: v for k, v in data.items() if v != ""}  # an unticked box is not sent


# --- the page ---------------------------------------------------------------------------------


def test_the_page_shows_the_defaults_and_writes_nothing(peer_page, peer, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    response = peer_page.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'<input type="radio" name="new_work" value="instant"[^>]*checked', page)
    assert 'value="22:00"' in page and 'value="08:00"' in page
    assert "Web push is not set up on this installation" in page
    assert 'name="viewport"' in page  # fine on a phone
    assert not NotificationSettings.objects.exists()


def test_the_page_saves_a_digest_with_quiet_hours(peer_page, peer):
    response = peer_page.post(URL, _form(GOOD))
    assert response.status_code == 302
    found = notification_settings_of(peer)
    assert (found.new_work, found.by_email, found.by_push, found.digest_hour) == (
        "digest",
        True,
        False,
        19,
    )
    assert str(found.quiet_start) == "23:00:00" and str(found.quiet_end) == "07:00:00"
    page = peer_page.get(URL).content.decode()
    assert 'value="23:00"' in page and "Your notification settings are saved." in page


def test_empty_quiet_boxes_mean_no_quiet_hours(peer_page, peer):
    peer_page.post(URL, _form({**GOOD, "quiet_start": "", "quiet_end": ""}))
    found = notification_settings_of(peer)
    assert found.quiet_start is None and found.quiet_end is None


def test_the_page_in_italian(client, peer):
    client.force_login(peer.user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "it"
    response = client.get(URL)
    assert response.status_code == 200
    assert '<html lang="it">' in response.content.decode()


def test_the_page_offers_push_when_the_installation_has_keys(peer_page, settings):
    public, private = vapid.new_keys()
    settings.WEBPUSH_VAPID_PUBLIC_KEY, settings.WEBPUSH_VAPID_PRIVATE_KEY = public, private
    page = peer_page.get(URL).content.decode()
    assert f'data-key="{public}"' in page
    assert "Turn on for this device" in page and "Turn off for this device" in page
    assert "/static/web/push.js" in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quiet_start": "24:30"}, "quiet_start"),
        ({"quiet_start": "", "quiet_end": "07:00"}, "quiet_start"),
        ({"quiet_start": "07:00", "quiet_end": "07:00"}, "quiet_end"),
        ({"new_work": "digest", "digest_hour": "23"}, "digest_hour"),
        ({"email": "", "push": ""}, "email"),
        ({"new_work": "weekly"}, "new_work"),
    ],
)
def test_bad_settings_are_refused_alike_on_the_page_and_the_api(
    peer_page, peer_api, peer, change, field
):
    sent = {**GOOD, **change}
    body = {
        **{k: v for k, v in sent.items() if k not in ("email", "push")},
        "email": bool(sent["email"]),
        "push": bool(sent["push"]),
        "quiet_start": sent["quiet_start"] or None,
        "quiet_end": sent["quiet_end"] or None,
        "digest_hour": int(sent["digest_hour"]),
    }
    on_api = put(peer_api, body)
    on_page = peer_page.post(URL, _form(sent))
    assert_same_errors(on_api, on_page, expected={field})
    assert not NotificationSettings.objects.exists()


# --- web push from the page ------------------------------------------------------------------

SUBSCRIPTION = {
    "endpoint": "https://updates.push.services.mozilla.com/wpush/v2/gAAAA-device",
    "expirationTime": None,
    "keys": {"p256dh": Browser().p256dh, "auth": b64(os.urandom(16))},
}


@pytest.fixture
def push_keys(settings):
    public, private = vapid.new_keys()
    settings.WEBPUSH_VAPID_PUBLIC_KEY, settings.WEBPUSH_VAPID_PRIVATE_KEY = public, private


def _post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_browser_is_enabled_then_turned_off(peer_page, peer, push_keys):
    on = _post_json(peer_page, URL + "push/", SUBSCRIPTION)
    assert on.status_code == 201 and on.json()["devices"] == 1
    assert PushSubscription.objects.get().owner == f"peer:{peer.pk}"
    assert _post_json(peer_page, URL + "push/", SUBSCRIPTION).status_code == 200  # renewed
    assert "Web push is on for 1 of your devices." in peer_page.get(URL).content.decode()

    off = _post_json(peer_page, URL + "push/off/", {"endpoint": SUBSCRIPTION["endpoint"]})
    assert off.status_code == 200 and off.json()["devices"] == 0
    assert not PushSubscription.objects.exists()


def test_every_browser_is_turned_off_from_the_plain_form(peer_page, peer, push_keys):
    _post_json(peer_page, URL + "push/", SUBSCRIPTION)
    response = peer_page.post(URL + "push/off/")
    assert response.status_code == 302
    assert not PushSubscription.objects.exists()


def test_a_subscription_to_an_unknown_address_is_refused(peer_page, push_keys):
    bad = {**SUBSCRIPTION, "endpoint": "https://10.0.0.8/internal"}
    response = _post_json(peer_page, URL + "push/", bad)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "endpoint"
    assert _post_json(peer_page, URL + "push/", []).status_code == 400
    assert peer_page.post(URL + "push/", "{", content_type="application/json").status_code == 400
    assert not PushSubscription.objects.exists()


def test_without_keys_the_page_cannot_subscribe(peer_page, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    response = _post_json(peer_page, URL + "push/", SUBSCRIPTION)
    assert response.status_code == 409
    assert "not set up" in response.json()["detail"]


def test_the_service_worker_shows_pushes_and_opens_only_this_sites_pages(client, business):
    script = client.get(f"/{business.slug}/sw.js").content.decode()
    assert 'addEventListener("push"' in script
    assert "showNotification" in script
    assert 'addEventListener("notificationclick"' in script
    assert "target.origin === self.location.origin" in script


# --- the API ----------------------------------------------------------------------------------


def test_the_api_reads_the_defaults_and_saves_a_choice(peer_api, peer, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    read = peer_api.get(API)
    assert read.status_code == 200
    assert read.json() == {
        "new_work": "instant",
        "email": True,
        "push": True,
        "quiet_start": "22:00:00",
        "quiet_end": "08:00:00",
        "digest_hour": 18,
        "time_zone": "Europe/Rome",
        "push_available": False,
        "push_public_key": "",
        "push_devices": 0,
    }
    assert not NotificationSettings.objects.exists()

    saved = put(peer_api, {"new_work": "off"})
    assert saved.status_code == 200 and saved.json()["new_work"] == "off"
    assert notification_settings_of(peer).new_work == "off"


def test_the_api_enables_and_removes_a_browser(peer_api, peer, push_keys):
    made = peer_api.post("/api/v1/me/push-subscriptions", SUBSCRIPTION)
    assert made.status_code == 201 and made.json()["created"] is True
    assert peer_api.get(API).json()["push_devices"] == 1
    removed = peer_api.post(
        "/api/v1/me/push-subscriptions/remove", {"endpoint": SUBSCRIPTION["endpoint"]}
    )
    assert removed.json() == {"removed": 1}


def test_a_bad_subscription_is_a_problem_naming_the_field(peer_api, push_keys):
    response = peer_api.post("/api/v1/me/push-subscriptions", {**SUBSCRIPTION, "keys": {}})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"keys.p256dh", "keys.auth"}


# --- nobody else ------------------------------------------------------------------------------


def test_staff_can_neither_read_nor_change_a_peers_settings(client, business, staff, peer):
    _token, raw = create_token(business=business, actor=staff).value
    staff_api = ApiClient(client, raw)
    assert staff_api.get(API).status_code == 403
    assert put(staff_api, {"new_work": "off"}).status_code == 403
    # on the site, staff who are not peers have no settings page to change
    client.force_login(staff)
    assert client.post(URL, _form({**GOOD, "new_work": "off"})).status_code == 302
    assert not NotificationSettings.objects.exists()


def test_a_peer_of_another_business_reaches_only_their_own(client, business, other_business, peer):
    stranger = PeerFactory(business=other_business)
    _token, raw = create_peer_token(business=other_business, peer_user=stranger.user).value
    stranger_api = ApiClient(client, raw)
    assert put(stranger_api, {"new_work": "off"}).status_code == 200
    assert notification_settings_of(peer).pk is None  # theirs changed, not ours
    assert NotificationSettings.objects.get().peer == stranger

    # on our business's page they are not a peer: sent to apply, nothing changes
    client.force_login(stranger.user)
    response = client.post(URL, _form({**GOOD, "new_work": "off"}))
    assert response.status_code == 302 and "/apply/" in response["Location"]
    assert NotificationSettings.objects.count() == 1
    assert client.post(URL + "push/", "{}", content_type="application/json").status_code == 404
