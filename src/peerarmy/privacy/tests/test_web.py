"""The pages: a peer sees, downloads and asks to erase their data from their app; a customer
without an account does the same through an e-mailed link that expires and names one address
only; staff answer the requests on the console and the owner reads the audit trail."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.utils import timezone

from peerarmy.notifications.models import OutboxMessage
from peerarmy.notifications.services import deliver_due
from peerarmy.peers.models import Peer
from peerarmy.privacy import services
from peerarmy.privacy.inputs import ErasureInput
from peerarmy.privacy.models import AccessRecord, DataLink, ErasureRequest, ErasureStatus
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import (
    BusinessFactory,
    CustomerFactory,
    MembershipFactory,
    OwnerFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_and_fresh_rate_limits(client):
    from django.core.cache import cache

    cache.clear()
    client.cookies["peerarmy_language"] = "en"


# --- the peer's own page ----------------------------------------------------------------------


def test_a_peer_sees_downloads_and_asks_to_erase_their_data(client, business, peer):
    client.force_login(peer.user)
    page = client.get(f"/{business.slug}/me/data/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Your profile in the army" in body and "/me/data/download/" in body

    zipped = client.get(f"/{business.slug}/me/data/download/")
    assert zipped.status_code == 200 and zipped["Content-Type"] == "application/zip"
    assert "attachment" in zipped["Content-Disposition"]
    assert zipped["Cache-Control"] == "private, no-store"

    # the confirmation step: the box must be ticked
    confirm = client.get(f"/{business.slug}/me/data/erase/")
    assert confirm.status_code == 200 and "Are you sure?" in confirm.content.decode()
    unticked = client.post(f"/{business.slug}/me/data/erase/", {})
    assert unticked.status_code == 422
    assert "Tick the box" in unticked.content.decode()
    assert not ErasureRequest.objects.exists()

    asked = client.post(f"/{business.slug}/me/data/erase/", {"confirm": "on"})
    assert asked.status_code == 302 and asked["Location"].endswith("/me/data/")
    request = ErasureRequest.objects.get()
    assert (request.user, request.via, request.status) == (peer.user, "web", "pending")
    deliver_due()
    told = [m for m in mail.outbox if m.to == [peer.user.email]]
    assert len(told) == 1 and str(request.pk) in told[0].body
    page = client.get(f"/{business.slug}/me/data/").content.decode()
    assert "is waiting" in page and "Withdraw my request" in page

    client.post(f"/{business.slug}/me/data/withdraw/")
    request.refresh_from_db()
    assert request.status == ErasureStatus.WITHDRAWN
    assert Peer.objects.get(pk=peer.pk).bio == peer.bio


def test_the_peers_page_shows_what_blocks_an_erasure(client, business, owner, peer):
    from peerarmy.rewards import services as rewards
    from peerarmy.rewards.tests.factories import RuleFactory, occurrence
    from peerarmy.tenancy.tests.factories import ProgramFactory

    program = ProgramFactory(business=business)
    RuleFactory(program=program, amount=1200)
    rewards.handle(business, occurrence(peer, program))
    client.force_login(peer.user)
    page = client.get(f"/{business.slug}/me/data/").content.decode()
    assert "is still owed to you" in page and "12.00" in page


# --- the e-mailed link -------------------------------------------------------------------------


def _link_from_outbox():
    message = OutboxMessage.objects.filter(event="privacy.data_link").latest("pk")
    return re.search(r"http\S+/your-data/\S+/", message.body_text).group(0), message


def test_a_customer_without_an_account_gets_a_link_that_opens_their_data_only(client, business):
    CustomerFactory(business=business, email="ada@example.org", first_name="Ada", last_name="Neri")
    CustomerFactory(business=business, email="bea@example.org", first_name="Bea", last_name="Verdi")
    form = client.get(f"/{business.slug}/your-data/")
    assert form.status_code == 200
    sent = client.post(f"/{business.slug}/your-data/", {"email": "Ada@Example.org"})
    assert sent.status_code == 302
    assert "on its way" in client.get(sent["Location"]).content.decode()
    url, message = _link_from_outbox()
    assert message.recipient == "ada@example.org"
    path = "/" + url.split("/", 3)[3]

    page = client.get(path)
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    zipped = client.get(path + "download/")
    assert zipped.status_code == 200 and zipped.content[:2] == b"PK"
    from .test_export import unpack

    data = unpack(zipped.content)["data.json"].decode()
    assert "ada@example.org" in data and "bea@example.org" not in data

    # asking for erasure through the link: for Ada's address, whatever else is sent
    asked = client.post(path + "erase/", {"confirm": "on", "email": "bea@example.org"})
    assert asked.status_code == 302
    request = ErasureRequest.objects.get()
    assert (request.email, request.via, request.user) == ("ada@example.org", "link", None)

    # the link opens nothing at another business, and a changed token opens nothing
    other = BusinessFactory(slug="elsewhere")
    assert client.get(path.replace(business.slug, other.slug, 1)).status_code == 404
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = signing.TimestampSigner(salt="peerarmy.privacy.data-link").unsign(token)
    link_id, nonce = forged.split(".", 1)
    for tampered in (
        token[:-2] + ("aa" if token[-2:] != "aa" else "bb"),
        signing.TimestampSigner(salt="other-salt").sign(forged),
        signing.TimestampSigner(salt="peerarmy.privacy.data-link").sign(f"{link_id}.{nonce}x"),
    ):
        assert client.get(f"/{business.slug}/your-data/{tampered}/").status_code == 404


def test_the_link_expires(client, business):
    CustomerFactory(business=business, email="ada@example.org")
    client.post(f"/{business.slug}/your-data/", {"email": "ada@example.org"})
    url, _message = _link_from_outbox()
    path = "/" + url.split("/", 3)[3]
    # a day later the row says it is over
    DataLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = client.get(path)
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert client.get(path + "download/").status_code == 410
    assert client.post(path + "erase/", {"confirm": "on"}).status_code == 410
    assert not ErasureRequest.objects.exists()
    # and a token signed long ago is refused by its signature's age as well
    DataLink.objects.update(expires_at=timezone.now() + timedelta(days=1))
    link = DataLink.objects.get()
    with mock.patch("django.core.signing.time.time", return_value=0):
        old = signing.TimestampSigner(salt="peerarmy.privacy.data-link").sign(f"{link.pk}.x")
    assert client.get(f"/{business.slug}/your-data/{old}/").status_code == 410


def test_nobody_learns_whether_an_address_is_known_and_a_mailbox_is_not_flooded(client, business):
    CustomerFactory(business=business, email="ada@example.org")
    unknown = client.post(f"/{business.slug}/your-data/", {"email": "nobody@example.org"})
    known = client.post(f"/{business.slug}/your-data/", {"email": "ada@example.org"})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert list(OutboxMessage.objects.values_list("recipient", flat=True)) == ["ada@example.org"]
    for _n in range(5):
        client.post(f"/{business.slug}/your-data/", {"email": "ada@example.org"})
    assert OutboxMessage.objects.filter(recipient="ada@example.org").count() == 3
    bad = client.post(f"/{business.slug}/your-data/", {"email": "not an address"})
    assert bad.status_code == 422 and "valid email" in bad.content.decode().lower()


# --- the console -------------------------------------------------------------------------------


@pytest.fixture
def waiting(business, peer):
    person = services.identify(business, user=peer.user)
    return services.request_erasure(business, person, ErasureInput(confirm=True)).value


def test_staff_see_the_requests_overdue_first_and_complete_one(client, business, staff, waiting):
    ErasureRequest.objects.filter(pk=waiting.pk).update(due_at=timezone.now() - timedelta(days=1))
    client.force_login(staff)
    listed = client.get(f"/{business.slug}/manage/privacy/").content.decode()
    assert f"Request {waiting.pk}" in listed and "Overdue since" in listed
    detail = client.get(f"/{business.slug}/manage/privacy/{waiting.pk}/")
    assert detail.status_code == 200
    assert waiting.email in detail.content.decode() and "Erase now" in detail.content.decode()
    done = client.post(f"/{business.slug}/manage/privacy/{waiting.pk}/complete/")
    assert done.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == ErasureStatus.COMPLETED and waiting.decided_by == staff
    page = client.get(done["Location"]).content.decode()
    assert "records anonymised or deleted" in page and waiting.email == ""


def test_a_refusal_needs_a_reason(client, business, staff, waiting):
    client.force_login(staff)
    empty = client.post(f"/{business.slug}/manage/privacy/{waiting.pk}/refuse/", {"reason": ""})
    assert empty.status_code == 422 and "Say why" in empty.content.decode()
    refused = client.post(
        f"/{business.slug}/manage/privacy/{waiting.pk}/refuse/", {"reason": "Invoices to keep"}
    )
    assert refused.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.refusal_reason) == ("refused", "Invoices to keep")


def test_staff_export_an_addresss_data_and_it_is_recorded(client, business, staff, peer):
    client.force_login(staff)
    zipped = client.post(f"/{business.slug}/manage/privacy/export/", {"email": peer.user.email})
    assert zipped.status_code == 200 and zipped["Content-Type"] == "application/zip"
    record = AccessRecord.objects.get(what="subject_access_export")
    assert record.actor == staff and not record.by_subject
    bad = client.post(f"/{business.slug}/manage/privacy/export/", {"email": "nope"})
    assert bad.status_code == 422


def test_a_community_manager_and_outsiders_are_kept_out(client, business, waiting):
    community = MembershipFactory(business=business, role=Role.COMMUNITY).user
    outsider = OwnerFactory(business=BusinessFactory(slug="elsewhere")).user
    pages = [
        f"/{business.slug}/manage/privacy/",
        f"/{business.slug}/manage/privacy/{waiting.pk}/",
        f"/{business.slug}/manage/privacy/audit/",
        f"/{business.slug}/manage/privacy/audit.csv",
    ]
    for user in (community, outsider):
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 403, (user, url)
        assert (
            client.post(f"/{business.slug}/manage/privacy/{waiting.pk}/complete/").status_code
            == 403
        )
    # another business's own console does not find the request
    client.force_login(outsider)
    assert client.get(f"/elsewhere/manage/privacy/{waiting.pk}/").status_code == 404
    waiting.refresh_from_db()
    assert waiting.is_pending


def test_the_audit_trail_is_the_owners_and_records_who_looked(client, business, owner, staff, peer):
    customer = CustomerFactory(business=business)
    client.force_login(staff)
    client.get(f"/{business.slug}/manage/peers/{peer.pk}/")
    client.get(f"/{business.slug}/manage/superfans/{customer.pk}/")
    client.get(f"/{business.slug}/manage/peers/export.csv")
    client.get(f"/{business.slug}/manage/superfans/export.csv")
    recorded = set(AccessRecord.objects.values_list("actor", "action", "what", "subject"))
    assert recorded >= {
        (staff.pk, "viewed", "peer_detail", f"peer {peer.pk}"),
        (staff.pk, "viewed", "customer_detail", f"customer {customer.pk}"),
        (staff.pk, "exported", "peers_csv", "list"),
    }
    assert client.get(f"/{business.slug}/manage/privacy/audit/").status_code == 403  # staff

    client.force_login(owner)
    page = client.get(f"/{business.slug}/manage/privacy/audit/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"peer #{peer.pk}" in body and "A peer" in body
    only_exports = client.get(f"/{business.slug}/manage/privacy/audit/?action=exported").content
    assert b"peer_detail" not in only_exports and f"peer #{peer.pk}".encode() not in only_exports
    bad = client.get(f"/{business.slug}/manage/privacy/audit/?since=2027-02-01&until=2027-01-01")
    assert "comes before its start" in bad.content.decode()
    csv = client.get(f"/{business.slug}/manage/privacy/audit.csv")
    assert csv.status_code == 200 and csv.content.decode("utf-8").startswith("\ufeff")
    assert AccessRecord.objects.filter(what="audit_csv", actor=owner).exists()


def test_the_navigation_leads_to_the_pages(client, business, owner, peer):
    client.force_login(peer.user)
    assert f"/{business.slug}/me/data/" in client.get(f"/{business.slug}/me/").content.decode()
    client.force_login(owner)
    console = client.get(f"/{business.slug}/manage/").content.decode()
    assert f"/{business.slug}/manage/privacy/" in console
    staff_member = MembershipFactory(business=business, role=Role.COMMUNITY).user
    client.force_login(staff_member)
    assert "/manage/privacy/" not in client.get(f"/{business.slug}/manage/").content.decode()
