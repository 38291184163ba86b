"""Verification records: a phone confirmed with a one-time code sent by SMS (hashed, expiring,
a few tries, rate-limited), an identity checked in person by staff (who, when, which kind of
document, nothing more), shown as badges on the peer's pages and the console."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.api.tests.conftest import ApiClient
from peerarmy.errors import InvalidTransition, PermissionDenied
from peerarmy.inputs import InvalidInput
from peerarmy.notifications.sms import MemoryBackend
from peerarmy.peers import selectors
from peerarmy.peers.errors import TooManyCodes, WrongCode
from peerarmy.peers.inputs import IdentityCheckInput, PhoneCodeInput, PhoneNumberInput
from peerarmy.peers.models import PhoneCode, Verification
from peerarmy.peers.services import confirm_phone, record_identity_check, send_phone_code
from peerarmy.tenancy.tests.factories import PeerFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
NUMBER = PhoneNumberInput(phone="333 123 4567")


@pytest.fixture(autouse=True)
def sms(settings):
    settings.SMS_BACKEND = "peerarmy.notifications.sms.MemoryBackend"
    MemoryBackend.sent.clear()
    return MemoryBackend.sent


def _sent_code(django_capture_on_commit_callbacks, business, peer, *, now=NOW):
    with django_capture_on_commit_callbacks(execute=True):
        send_phone_code(business, peer.user, peer, NUMBER, now=now)
    to, text = MemoryBackend.sent[-1]
    return to, re.search(r"\b(\d{6})\b", text).group(1)


def test_a_peer_confirms_their_phone_with_the_code_sent_by_sms(
    business, peer, django_capture_on_commit_callbacks
):
    to, code = _sent_code(django_capture_on_commit_callbacks, business, peer)

    confirm_phone(business, peer.user, peer, PhoneCodeInput(code=code), now=NOW)

    assert to == "+393331234567"
    assert code not in PhoneCode.objects.get().code_hash  # kept hashed
    badges = {b.kind: b for b in selectors.badges_of(business, peer)}
    assert badges["phone"].detail == "+393331234567"


def test_a_wrong_code_counts_and_five_wrong_codes_end_the_code(
    business, peer, django_capture_on_commit_callbacks
):
    _to, code = _sent_code(django_capture_on_commit_callbacks, business, peer)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    for _ in range(5):
        with pytest.raises(WrongCode):
            confirm_phone(business, peer.user, peer, PhoneCodeInput(code=wrong), now=NOW)
    with pytest.raises(TooManyCodes):
        confirm_phone(business, peer.user, peer, PhoneCodeInput(code=code), now=NOW)
    assert not Verification.objects.exists()


def test_a_code_expires_after_ten_minutes(business, peer, django_capture_on_commit_callbacks):
    _to, code = _sent_code(django_capture_on_commit_callbacks, business, peer)

    with pytest.raises(InvalidTransition) as raised:
        later = NOW + timedelta(minutes=10, seconds=1)
        confirm_phone(business, peer.user, peer, PhoneCodeInput(code=code), now=later)
    assert raised.value.code == "code_expired"


def test_codes_are_rate_limited(business, peer, django_capture_on_commit_callbacks):
    _sent_code(django_capture_on_commit_callbacks, business, peer)
    with pytest.raises(TooManyCodes):
        send_phone_code(business, peer.user, peer, NUMBER, now=NOW + timedelta(seconds=30))
    for minutes in range(2, 6):
        send_phone_code(business, peer.user, peer, NUMBER, now=NOW + timedelta(minutes=minutes))
    with pytest.raises(TooManyCodes):
        send_phone_code(business, peer.user, peer, NUMBER, now=NOW + timedelta(hours=1))
    send_phone_code(business, peer.user, peer, NUMBER, now=NOW + timedelta(days=1, minutes=1))


def test_only_the_peer_asks_for_a_code(business, peer, staff):
    with pytest.raises(PermissionDenied):
        send_phone_code(business, staff, peer, NUMBER)


def test_a_bad_number_or_code_names_its_field():
    with pytest.raises(InvalidInput) as raised:
        PhoneNumberInput.parse({"phone": "12"})
    assert raised.value.errors[0][0] == "phone"
    with pytest.raises(InvalidInput):
        PhoneCodeInput.parse({"code": "12a456"})


def test_staff_record_an_identity_checked_in_person(business, peer, staff):
    record_identity_check(business, staff, peer, IdentityCheckInput(document_type="passport"))

    (badge,) = [b for b in selectors.badges_of(business, peer) if b.kind == "identity"]
    assert badge.detail == "Passport"
    assert badge.by == staff


def test_another_businesss_member_cannot_record_an_identity(business, peer, other_staff):
    with pytest.raises(PermissionDenied):
        record_identity_check(
            business, other_staff, peer, IdentityCheckInput(document_type="id_card")
        )


def test_badges_on_the_console_and_the_peer_page(client, business, staff, peer):
    record_identity_check(business, staff, peer, IdentityCheckInput(document_type="id_card"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(staff)
    console = client.get(f"/bicigialla/manage/peers/{peer.pk}/").content.decode()
    assert "Identity checked in person" in console

    client.force_login(peer.user)
    mine = client.get("/bicigialla/me/verification/").content.decode()
    assert "Identity checked in person" in mine
    assert "Send me a code" in mine


def test_the_api_confirms_a_phone_and_records_an_identity(
    client, business, staff, peer, django_capture_on_commit_callbacks
):
    staff_api = ApiClient(client, create_token(business=business, actor=staff).value.raw, "en")
    _t, raw = create_peer_token(business=business, peer_user=peer.user).value
    peer_api = ApiClient(client, raw, "en")

    with django_capture_on_commit_callbacks(execute=True):
        sent = peer_api.post("/api/v1/me/verifications/phone", {"phone": "+39 333 765 4321"})
    assert sent.status_code == 202, sent.content
    code = re.search(r"\b(\d{6})\b", MemoryBackend.sent[-1][1]).group(1)
    wrong = peer_api.post(
        "/api/v1/me/verifications/phone/confirm",
        {"code": "000000" if code != "000000" else "111111"},
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "wrong_code"
    done = peer_api.post("/api/v1/me/verifications/phone/confirm", {"code": code})
    assert done.status_code == 200, done.content
    assert "phone" in {b["kind"] for b in done.json()}

    bad = staff_api.post(f"/api/v1/peers/{peer.pk}/verifications/identity", {"document_type": "x"})
    assert bad.status_code == 422
    ok = staff_api.post(
        f"/api/v1/peers/{peer.pk}/verifications/identity", {"document_type": "id_card"}
    )
    assert {b["kind"] for b in ok.json()} >= {"phone", "identity"}


def test_another_business_cannot_see_or_record_verifications(
    client, business, other_business, other_staff
):
    peer = PeerFactory(business=business)
    other = ApiClient(client, create_token(business=other_business, actor=other_staff).value.raw)

    assert other.get(f"/api/v1/peers/{peer.pk}/verifications").status_code == 404
    assert other.post(f"/api/v1/peers/{peer.pk}/verifications/identity", {}).status_code == 404


def test_the_code_leaves_through_the_outbox_and_is_not_kept_there(
    business, peer, django_capture_on_commit_callbacks
):
    from peerarmy.notifications.models import OutboxMessage, OutboxStatus

    _to, code = _sent_code(django_capture_on_commit_callbacks, business, peer)

    message = OutboxMessage.objects.get(channel=OutboxMessage.Channel.SMS)
    assert message.status == OutboxStatus.SENT
    assert message.recipient == "+393331234567"
    assert code not in message.body_text  # cut out once sent: the outbox keeps no live code
