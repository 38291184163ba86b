"""Chip in through the API: the catalogue, campaigns and their pledges, the pledger's
confirmation without a token, a peer's own campaigns and share link, the till, bank statements
and the staff's decision on a credit; the problems a client reads (pledge_below_minimum,
goal_already_reached, campaign_closed, statement_unreadable); and nothing of another business,
nor of the money for a community manager."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.chipin import services
from peerarmy.chipin.bankfiles import BankCredit
from peerarmy.chipin.inputs import CampaignInput, PledgeInput
from peerarmy.chipin.models import (
    BankCredit as StoredCredit,
)
from peerarmy.chipin.models import (
    Campaign,
    CampaignStatus,
    Pledge,
    PledgeStatus,
    Product,
    StatementUpload,
)
from peerarmy.chipin.statement_files import camt053
from peerarmy.notifications.models import OutboxMessage
from peerarmy.programs.models import ProgramKind
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import (
    MembershipFactory,
    ProgramFactory,
    UserFactory,
)

from .conftest import ApiClient, problem_fields

pytestmark = pytest.mark.django_db

BASE = "/api/v1/chipin"
MINE = "/api/v1/me/chipin/campaigns"
IBAN = "IT60X0542811101000000123456"
EXPORT = Path(__file__).parents[2] / "chipin" / "tests" / "data" / "shopify_products.csv"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def chip_in(business):
    return ProgramFactory(business=business, kind=ProgramKind.CHIP_IN)


@pytest.fixture
def giulia():
    return UserFactory(email="giulia@example.org", first_name="Giulia", last_name="Rossi")


def _campaign(business, program, user, goal=10_000, **extra):
    data = CampaignInput(
        program_id=program.pk,
        goal_minor=goal,
        title="E-bike for Giulia",
        deadline=timezone.now() + timedelta(days=10),
        **extra,
    )
    return services.start_campaign(business, user, data).value


def _pledge(business, campaign, amount, name="Anna Bianchi", email="anna@example.org"):
    return services.make_pledge(
        business, campaign, PledgeInput(name=name, email=email, amount_minor=amount)
    ).value


def _upload(api, content, name="statement.xml"):
    return api.client.post(
        f"{BASE}/statements",
        {"file": SimpleUploadedFile(name, content)},
        **api._headers({}),
    )


@pytest.fixture
def owner_api(client, business, owner):
    _token, raw = create_token(business=business, actor=owner).value
    return ApiClient(client, raw)


@pytest.fixture
def peer_api(client, business, peer):
    _token, raw = create_peer_token(
        business=business, peer_user=peer.user, data=TokenInput(name="Phone")
    ).value
    return ApiClient(client, raw, language="en")


# --- products -----------------------------------------------------------------------------------


def test_staff_add_list_find_and_change_products(api):
    created = api.post(
        f"{BASE}/products",
        {"name_it": "E-bike Milano", "price_minor": 129_000,
         "description_it": "<p>Gialla</p><script>alert(1)</script>"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    product = created.json()
    assert product["handle"] and product["currency"] == "EUR"
    assert "<script>" not in product["description_it"]
    api.post(f"{BASE}/products", {"name_it": "Casco", "price_minor": 5_000, "active": False})

    found = api.get(f"{BASE}/products", {"q": "milano"}).json()
    assert [p["id"] for p in found["results"]] == [product["id"]]
    active = api.get(f"{BASE}/products", {"active_only": "true"}).json()
    assert [p["name_it"] for p in active["results"]] == ["E-bike Milano"]
    assert api.get(f"{BASE}/products").json()["count"] == 2

    changed = api.patch(f"{BASE}/products/{product['id']}", {"price_minor": 119_000})
    assert changed.status_code == 200, changed.content
    assert changed.json()["price_minor"] == 119_000
    assert changed.json()["name_it"] == "E-bike Milano"  # what was not sent stays
    assert api.get(f"{BASE}/products/{product['id']}").json()["price_minor"] == 119_000
    refused = api.patch(f"{BASE}/products/{product['id']}", {"price_minor": 0})
    assert refused.status_code == 422 and problem_fields(refused) == ["price_minor"]


def test_staff_import_shopifys_products_export(api, business):
    upload = SimpleUploadedFile("products_export.csv", EXPORT.read_bytes(), "text/csv")
    response = api.client.post(f"{BASE}/products/import", {"file": upload}, **api._headers({}))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] > 0 and body["updated"] == 0
    assert body["created"] == Product.objects.filter(business=business).count()
    assert all({"line", "column", "message"} <= set(e) for e in body["errors"])

    again = api.client.post(
        f"{BASE}/products/import",
        {"file": SimpleUploadedFile("products_export.csv", EXPORT.read_bytes())},
        **api._headers({}),
    ).json()
    assert again["created"] == 0 and again["unchanged"] == body["created"]


# --- campaigns ----------------------------------------------------------------------------------


def test_staff_start_a_campaign_for_a_customer_and_follow_it(api, business, chip_in):
    started = api.post(
        f"{BASE}/campaigns",
        {"program_id": chip_in.pk, "goal_minor": 10_000, "title": "Bici per Marta",
         "deadline": (timezone.now() + timedelta(days=20)).isoformat(),
         "beneficiary_name": "Marta Verdi", "beneficiary_email": "marta@example.org"},
    )  # fmt: skip
    assert started.status_code == 201, started.content
    campaign = started.json()
    assert campaign["status"] == "running"
    assert campaign["beneficiary_email"] == "marta@example.org"
    assert campaign["url"].endswith(f"/{business.slug}/chip-in/{campaign['code']}/")
    assert campaign["progress"] == {
        "goal": 10_000, "received": 0, "pledged": 0, "match": 0, "total": 0, "percent": 0,
        "left": 10_000, "reached": False,
    }  # fmt: skip
    assert campaign["still_needed_minor"] == 9_091  # with the 10% match, 9,091 is enough
    assert [s["kind"] for s in campaign["sharers"]] == ["beneficiary"]
    assert OutboxMessage.objects.filter(recipient="marta@example.org").exists()

    listed = api.get(f"{BASE}/campaigns", {"status": "running", "q": "marta"}).json()
    assert [c["id"] for c in listed["results"]] == [campaign["id"]]
    assert api.get(f"{BASE}/campaigns", {"status": "failed"}).json()["count"] == 0

    changed = api.patch(f"{BASE}/campaigns/{campaign['id']}", {"message": "Grazie a tutti!"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["message"] == "Grazie a tutti!"
    assert changed.json()["public"] is True
    detail = api.get(f"{BASE}/campaigns/{campaign['id']}").json()
    assert detail["message"] == "Grazie a tutti!"


def test_a_campaign_for_a_product_and_an_amount_is_refused(api, chip_in):
    product = api.post(f"{BASE}/products", {"name_it": "Casco", "price_minor": 5_000}).json()
    response = api.post(
        f"{BASE}/campaigns",
        {"program_id": chip_in.pk, "product_id": product["id"], "goal_minor": 10_000,
         "title": "Casco", "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
         "beneficiary_name": "Marta", "beneficiary_email": "marta@example.org"},
    )  # fmt: skip
    assert response.status_code == 422
    assert problem_fields(response) == ["goal_minor"]


def test_pledges_by_phone_the_minimum_and_the_last_euros(api, business, chip_in, giulia):
    campaign = _campaign(business, chip_in, giulia)
    url = f"{BASE}/campaigns/{campaign.pk}/pledges"

    small = api.post(url, {"name": "Zio Piero", "email": "piero@example.org", "amount_minor": 300})
    assert small.status_code == 422
    assert small.json()["code"] == "pledge_below_minimum"
    assert problem_fields(small) == ["amount_minor"]

    made = api.post(
        url,
        {"name": "Zio Piero", "email": "piero@example.org", "amount_minor": 9_000,
         "anonymous": True, "message": "Auguri!"},
        HTTP_ACCEPT_LANGUAGE="it",
    )  # fmt: skip
    assert made.status_code == 201, made.content
    pledge = made.json()
    assert pledge["status"] == "unconfirmed" and pledge["language"] == "it"
    assert pledge["reference"].startswith("RF")
    assert "token" not in made.content.decode()
    # 91 is below the smallest pledge, and exactly what is left: it is taken
    last = api.post(url, {"name": "Anna", "email": "anna@example.org", "amount_minor": 91})
    assert last.status_code == 201, last.content
    full = api.post(url, {"name": "Luca", "email": "luca@example.org", "amount_minor": 500})
    assert full.status_code == 409
    assert full.json()["code"] == "goal_already_reached"

    listed = api.get(url).json()
    assert listed["count"] == 2
    anonymous = next(p for p in listed["results"] if p["anonymous"])
    assert anonymous["name"] == "Zio Piero" and anonymous["email"] == "piero@example.org"
    assert api.get(url, {"q": "anna"}).json()["count"] == 1


def test_an_empty_pledge_names_its_fields(api, business, chip_in, giulia):
    campaign = _campaign(business, chip_in, giulia)
    response = api.post(f"{BASE}/campaigns/{campaign.pk}/pledges", {})
    assert response.status_code == 422
    assert set(problem_fields(response)) == {"name", "email", "amount_minor"}


def test_till_payment_close_early_and_then_campaign_closed(api, business, chip_in, giulia):
    campaign = _campaign(business, chip_in, giulia)
    pledge = _pledge(business, campaign, 9_091).pledge

    paid = api.post(f"{BASE}/pledges/{pledge.pk}/till-payment", {"amount_minor": 9_091})
    assert paid.status_code == 200, paid.content
    assert paid.json()["status"] == "received" and paid.json()["paid_at_till"] is True
    too_much = api.post(f"{BASE}/pledges/{pledge.pk}/till-payment", {"amount_minor": 1})
    assert too_much.status_code == 422 and problem_fields(too_much) == ["amount_minor"]

    closed = api.post(f"{BASE}/campaigns/{campaign.pk}/close")
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert body["status"] == "succeeded"
    assert body["progress"]["reached"] is True and body["match_minor"] == 909
    assert body["voucher_id"] is not None

    late = api.post(
        f"{BASE}/campaigns/{campaign.pk}/pledges",
        {"name": "Luca", "email": "luca@example.org", "amount_minor": 500},
    )
    assert late.status_code == 409 and late.json()["code"] == "campaign_closed"
    again = api.post(f"{BASE}/campaigns/{campaign.pk}/close")
    assert again.status_code == 409 and again.json()["code"] == "campaign_closed"
    edit = api.patch(f"{BASE}/campaigns/{campaign.pk}", {"message": "x"})
    assert edit.json()["code"] == "campaign_closed"


def test_closing_before_the_goal_is_refused(api, business, chip_in, giulia):
    campaign = _campaign(business, chip_in, giulia)
    response = api.post(f"{BASE}/campaigns/{campaign.pk}/close")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_cancel_needs_a_reason_and_gives_the_money_back(api, business, chip_in, giulia):
    campaign = _campaign(business, chip_in, giulia)
    pledge = _pledge(business, campaign, 2_000).pledge
    api.post(f"{BASE}/pledges/{pledge.pk}/till-payment", {"amount_minor": 2_000})

    silent = api.post(f"{BASE}/campaigns/{campaign.pk}/cancel", {})
    assert silent.status_code == 422 and problem_fields(silent) == ["reason"]
    cancelled = api.post(f"{BASE}/campaigns/{campaign.pk}/cancel", {"reason": "Sold out"})
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["close_reason"] == "Sold out"
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.REFUNDED


def test_only_the_owner_decides_on_a_match_over_budget(api, owner_api, business, chip_in, giulia):
    campaign = _campaign(business, chip_in, giulia)
    pledge = _pledge(business, campaign, 9_091).pledge
    api.post(f"{BASE}/pledges/{pledge.pk}/till-payment", {"amount_minor": 9_091})
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.WAITING)

    staff = api.post(f"{BASE}/campaigns/{campaign.pk}/match/approve")
    assert staff.status_code == 403
    approved = owner_api.post(f"{BASE}/campaigns/{campaign.pk}/match/approve")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "succeeded" and approved.json()["match_minor"] == 909
    again = owner_api.post(f"{BASE}/campaigns/{campaign.pk}/match/decline")
    assert again.status_code == 409


def test_the_owner_declines_a_match_and_friends_alone_fall_short(
    api, owner_api, business, chip_in, giulia
):
    campaign = _campaign(business, chip_in, giulia)
    pledge = _pledge(business, campaign, 9_091).pledge
    api.post(f"{BASE}/pledges/{pledge.pk}/till-payment", {"amount_minor": 9_091})
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.WAITING)

    declined = owner_api.post(f"{BASE}/campaigns/{campaign.pk}/match/decline")
    assert declined.status_code == 200, declined.content
    assert declined.json()["status"] == "failed"


# --- the pledger's confirmation, without a token ------------------------------------------------


def test_a_pledger_confirms_with_the_link_token_and_no_api_token(client, business, chip_in, giulia):
    campaign = _campaign(business, chip_in, giulia)
    made = _pledge(business, campaign, 2_500)
    anyone = ApiClient(client, None)

    confirmed = anyone.post(f"{BASE}/pledges/confirm", {"token": made.token})
    assert confirmed.status_code == 200, confirmed.content
    body = confirmed.json()
    assert body["status"] == "awaiting" and body["left_minor"] == 2_500
    assert body["reference"].replace(" ", "") == made.pledge.reference
    assert body["campaign_title"] == "E-bike for Giulia"
    assert made.token not in confirmed.content.decode()
    made.pledge.refresh_from_db()
    assert made.pledge.status == PledgeStatus.AWAITING

    again = anyone.post(f"{BASE}/pledges/confirm", {"token": made.token})
    assert again.status_code == 200 and again.json() == body

    unknown = anyone.post(f"{BASE}/pledges/confirm", {"token": made.token + "x"})
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"
    assert made.token not in unknown.content.decode()
    empty = anyone.post(f"{BASE}/pledges/confirm", {})
    assert empty.status_code == 422 and problem_fields(empty) == ["token"]


def test_a_confirmation_works_whatever_token_comes_with_it(
    client, business, other_business, other_staff, chip_in, giulia
):
    campaign = _campaign(business, chip_in, giulia)
    made = _pledge(business, campaign, 2_500)
    _token, raw = create_token(business=other_business, actor=other_staff).value
    response = ApiClient(client, raw).post(f"{BASE}/pledges/confirm", {"token": made.token})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "awaiting"


# --- a peer's own campaigns ---------------------------------------------------------------------


def test_a_peer_starts_a_campaign_lists_it_and_gets_their_share_link(
    peer_api, business, peer, chip_in, giulia
):
    started = peer_api.post(
        MINE,
        {"program_id": chip_in.pk, "goal_minor": 20_000, "title": "Nuova bici",
         "deadline": (timezone.now() + timedelta(days=7)).isoformat()},
    )  # fmt: skip
    assert started.status_code == 201, started.content
    mine = started.json()
    assert Campaign.objects.get(pk=mine["id"]).beneficiary == peer.user
    assert [c["id"] for c in peer_api.get(MINE).json()["results"]] == [mine["id"]]

    link = peer_api.get(f"{MINE}/{mine['id']}/share-link")
    assert link.status_code == 200, link.content
    assert link.json()["kind"] == "beneficiary"
    assert f"/chip-in/{mine['code']}/?da=" in link.json()["url"]

    # someone else's campaign on the shop's page: the peer shares it as a peer
    public = _campaign(business, chip_in, giulia)
    shared = peer_api.get(f"{MINE}/{public.pk}/share-link").json()
    assert shared["kind"] == "peer" and "?da=" in shared["url"]
    # ...and one that is not on the page does not exist for them
    private = _campaign(business, chip_in, giulia, public=False)
    assert peer_api.get(f"{MINE}/{private.pk}/share-link").status_code == 404
    assert [c["id"] for c in peer_api.get(MINE).json()["results"]] == [mine["id"]]


def test_a_peer_token_does_not_reach_the_staff_endpoints(peer_api):
    assert peer_api.get(f"{BASE}/campaigns").status_code == 403


# --- statements and credits ---------------------------------------------------------------------


def _credit(line, amount, reference, name="BIANCHI ANNA", ref=None):
    return BankCredit(
        line=line,
        bank_ref=ref or f"BANK-{line}",
        booked_on=date(2031, 5, 4),
        amount_minor=amount,
        currency="EUR",
        debtor_name=name,
        debtor_iban="IT02L1234512345123456789012",
        debtor_bic="",
        reference=reference,
        remittance=f"Colletta {reference}",
        end_to_end_id="",
    )


def test_a_statement_pays_pledges_and_the_same_file_again_changes_nothing(
    api, business, chip_in, giulia
):
    campaign = _campaign(business, chip_in, giulia)
    pledge = _pledge(business, campaign, 2_500).pledge
    content = camt053(
        [_credit(1, 2_500, pledge.reference), _credit(2, 777, "", name="SCONOSCIUTO SRL")],
        account_iban=IBAN,
    )

    first = _upload(api, content)
    assert first.status_code == 201, first.content
    counts = first.json()
    assert {k: counts[k] for k in ("entries", "matched", "suggested", "unmatched", "duplicates",
                                   "already_seen")} == {
        "entries": 2, "matched": 1, "suggested": 0, "unmatched": 1, "duplicates": 0,
        "already_seen": 0,
    }  # fmt: skip
    assert counts["format"].startswith("camt.053") and counts["filename"] == "statement.xml"
    pledge.refresh_from_db()
    campaign.refresh_from_db()
    before = (pledge.status, pledge.received_minor, campaign.received_minor)
    assert before == (PledgeStatus.RECEIVED, 2_500, 2_500)

    second = _upload(api, content)
    assert second.status_code == 200, second.content
    assert second.json() == counts
    pledge.refresh_from_db()
    campaign.refresh_from_db()
    assert (pledge.status, pledge.received_minor, campaign.received_minor) == before
    assert StatementUpload.objects.filter(business=business).count() == 1
    assert StoredCredit.objects.filter(business=business).count() == 2

    listed = api.get(f"{BASE}/statements").json()
    assert [s["id"] for s in listed["results"]] == [counts["id"]]
    detail = api.get(f"{BASE}/statements/{counts['id']}").json()
    by_status = {c["status"]: c for c in detail["credits"]}
    assert by_status["matched"]["pledge"] == {
        "id": pledge.pk, "reference": pledge.reference, "campaign_id": campaign.pk,
    }  # fmt: skip
    assert by_status["matched"]["debtor_name"] == "BIANCHI ANNA"
    assert by_status["unmatched"]["pledge"] is None

    unmatched = by_status["unmatched"]["id"]
    decided = api.post(f"{BASE}/credits/{unmatched}/decision", {"action": "ignore"})
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "ignored"
    twice = api.post(f"{BASE}/credits/{unmatched}/decision", {"action": "ignore"})
    assert twice.status_code == 409


def test_a_suggested_credit_is_accepted(api, business, chip_in, giulia):
    campaign = _campaign(business, chip_in, giulia)
    pledge = _pledge(business, campaign, 1_500).pledge
    counts = _upload(api, camt053([_credit(1, 1_500, "")], account_iban=IBAN)).json()
    assert counts["suggested"] == 1
    credit = api.get(f"{BASE}/statements/{counts['id']}").json()["credits"][0]
    assert credit["suggested_pledge"]["id"] == pledge.pk

    accepted = api.post(f"{BASE}/credits/{credit['id']}/decision", {"action": "accept"})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "matched"
    assert accepted.json()["pledge"]["id"] == pledge.pk


def test_a_picture_is_not_a_statement(api, business):
    response = _upload(api, PNG, name="scan.png")
    assert response.status_code in (400, 422)
    assert response.json()["code"] == "statement_unreadable"
    assert problem_fields(response) == []
    assert not StatementUpload.objects.filter(business=business).exists()


# --- who sees what ------------------------------------------------------------------------------


def test_another_business_ids_answer_404(api, other_api, business, chip_in, giulia):
    campaign = _campaign(business, chip_in, giulia)
    pledge = _pledge(business, campaign, 2_500).pledge
    product = Product.objects.create(business=business, handle="casco", name_it="Casco",
                                     price_minor=5_000)  # fmt: skip
    statement = _upload(
        api, camt053([_credit(1, 999, "", name="NESSUNO")], account_iban=IBAN)
    ).json()
    credit = StoredCredit.objects.get(business=business)
    before = (Campaign.objects.get(pk=campaign.pk).status, Pledge.objects.get(pk=pledge.pk).status)

    for method, url, body in [
        ("get", f"{BASE}/products/{product.pk}", None),
        ("patch", f"{BASE}/products/{product.pk}", {"price_minor": 1}),
        ("get", f"{BASE}/campaigns/{campaign.pk}", None),
        ("patch", f"{BASE}/campaigns/{campaign.pk}", {"message": "x"}),
        ("post", f"{BASE}/campaigns/{campaign.pk}/close", {}),
        ("post", f"{BASE}/campaigns/{campaign.pk}/cancel", {}),
        ("post", f"{BASE}/campaigns/{campaign.pk}/match/approve", {}),
        ("post", f"{BASE}/campaigns/{campaign.pk}/match/decline", {}),
        ("get", f"{BASE}/campaigns/{campaign.pk}/pledges", None),
        ("post", f"{BASE}/campaigns/{campaign.pk}/pledges", {}),
        ("post", f"{BASE}/pledges/{pledge.pk}/till-payment", {}),
        ("get", f"{BASE}/statements/{statement['id']}", None),
        ("post", f"{BASE}/credits/{credit.pk}/decision", {"action": "ignore"}),
    ]:
        response = getattr(other_api, method)(url, *([body] if body is not None else []))
        assert response.status_code == 404, f"{method.upper()} {url}: {response.content}"
        assert response.json()["code"] == "not_found"
    assert other_api.get(f"{BASE}/campaigns").json()["count"] == 0
    assert other_api.get(f"{BASE}/statements").json()["count"] == 0
    after = (Campaign.objects.get(pk=campaign.pk).status, Pledge.objects.get(pk=pledge.pk).status)
    assert after == before
    credit.refresh_from_db()
    assert credit.status == "unmatched"


def test_a_community_manager_is_refused_products_statements_and_campaigns(client, business):
    community = MembershipFactory(business=business, role=Role.COMMUNITY).user
    _token, raw = create_token(business=business, actor=community).value
    manager = ApiClient(client, raw, language="en")
    for url in (f"{BASE}/products", f"{BASE}/statements", f"{BASE}/campaigns"):
        response = manager.get(url)
        assert response.status_code == 403, url
        assert "role" in response.json()["detail"]
    upload = _upload(manager, PNG)
    assert upload.status_code == 403
    created = manager.post(f"{BASE}/products", {"name_it": "Casco", "price_minor": 5_000})
    assert created.status_code == 403
    assert not Product.objects.filter(business=business).exists()


def test_a_statements_credits_come_a_page_at_a_time(api):
    """A statement of thousands of credits is read a page at a time, and by status."""
    credits = [_credit(n, 1_000 + n, "") for n in range(1, 8)]
    counts = _upload(api, camt053(credits, account_iban=IBAN)).json()
    first = api.get(f"{BASE}/statements/{counts['id']}/credits?limit=5&status=unmatched").json()
    assert first["count"] == 7
    assert [c["line"] for c in first["results"]] == [1, 2, 3, 4, 5]
    rest = api.get(f"{BASE}/statements/{counts['id']}/credits?limit=5&offset=5").json()
    assert [c["line"] for c in rest["results"]] == [6, 7]
    matched = api.get(f"{BASE}/statements/{counts['id']}/credits?status=matched").json()
    assert matched["count"] == 0


def test_a_campaign_gets_its_photo_without_its_metadata(api, business, chip_in, giulia):
    import io

    from PIL import Image

    campaign = _campaign(business, chip_in, giulia)
    picture = io.BytesIO()
    image = Image.new("RGB", (640, 480), (200, 160, 0))
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"  # Make
    image.save(picture, "JPEG", exif=exif)
    answer = api.client.post(
        f"{BASE}/campaigns/{campaign.pk}/photo",
        {"file": SimpleUploadedFile("bike.jpg", picture.getvalue())},
        **api._headers({}),
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["photo_url"].endswith(".webp")
    refused = api.client.post(
        f"{BASE}/campaigns/{campaign.pk}/photo",
        {"file": SimpleUploadedFile("notes.txt", b"not a picture")},
        **api._headers({}),
    )
    assert refused.status_code == 422
    assert "photo" in str(refused.json())


def test_a_product_without_campaigns_is_deleted_one_with_campaigns_is_not(
    api, business, chip_in, giulia
):
    from peerarmy.chipin.models import Product

    spare = Product.objects.create(
        business=business, handle="spare", name_it="Spare", price_minor=900
    )
    wished = Product.objects.create(
        business=business, handle="bike", name_it="Bici", price_minor=90_000
    )
    _campaign(business, chip_in, giulia, goal=None, product_id=wished.pk)
    assert api.delete(f"{BASE}/products/{spare.pk}").status_code == 204
    refused = api.delete(f"{BASE}/products/{wished.pk}")
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_transition"
    assert set(Product.objects.filter(business=business).values_list("handle", flat=True)) == {
        "bike"
    }
