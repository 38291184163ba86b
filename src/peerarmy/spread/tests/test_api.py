"""The API: a peer's own links with their figures (peer token), the top referrers and each
link's figures (a member whose role includes the army's peers); nothing of another business,
another peer or another side."""

import pytest

from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.spread.models import ShareLink
from peerarmy.tenancy.tests.factories import (
    BusinessFactory,
    MembershipFactory,
    OwnerFactory,
    PeerFactory,
    ProgramFactory,
)

from .helpers import friend, landing_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def giulia(business):
    return PeerFactory(business=business, display_name="Giulia R.")


def _bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _peer_token(business, peer):
    return create_peer_token(business=business, peer_user=peer.user).value[1]


def _staff_token(business, user):
    return create_token(business=business, actor=user).value[1]


def test_a_peer_lists_their_links_with_what_each_brought(client, business, giulia):
    program = ProgramFactory(business=business, title_en="Cargo deliveries")
    friend(business, landing_link(business, giulia))

    response = client.get("/api/v1/me/share/links", **_bearer(_peer_token(business, giulia)))

    assert response.status_code == 200
    body = response.json()
    assert body["totals"] == {"visits": 0, "signups": 1, "applications": 0, "first_orders": 0}
    kinds = [(link["kind"], link["target_id"]) for link in body["links"]]
    assert kinds == [("landing", 0), ("program", program.pk)]
    landing = body["links"][0]
    assert landing["url"].endswith(f"/{business.slug}/s/{landing['code']}/")
    assert landing["figures"]["signups"] == 1
    assert body["links"][1]["title"] == "Cargo deliveries"


def test_the_links_the_api_gives_are_the_share_page_s(client, business, giulia):
    raw = _peer_token(business, giulia)
    first = client.get("/api/v1/me/share/links", **_bearer(raw)).json()
    client.force_login(giulia.user)
    client.get(f"/{business.slug}/me/share/")

    assert ShareLink.objects.filter(peer=giulia).count() == len(first["links"])


def test_the_top_referrers_need_the_army_s_peers_in_the_role(client, business, giulia):
    friend(business, landing_link(business, giulia), days_ago=2)
    community = MembershipFactory(business=business, role="community").user

    response = client.get(
        "/api/v1/spread/top-referrers", **_bearer(_staff_token(business, community))
    )

    assert response.status_code == 200
    assert response.json() == [
        {
            "peer_id": giulia.pk,
            "name": "Giulia R.",
            "visits": 0,
            "signups": 1,
            "applications": 0,
            "first_orders": 0,
        }
    ]


def test_a_period_out_of_order_is_a_422_naming_until(client, business):
    raw = _staff_token(business, OwnerFactory(business=business).user)

    response = client.get(
        "/api/v1/spread/top-referrers?since=2026-05-01&until=2026-04-01", **_bearer(raw)
    )

    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "until"


@pytest.mark.parametrize("query", ["since=yesterday", "limit=0", "limit=5000", "until=0202-01-01"])
def test_bad_filters_are_a_422_never_a_500(client, business, query):
    raw = _staff_token(business, OwnerFactory(business=business).user)
    response = client.get(f"/api/v1/spread/top-referrers?{query}", **_bearer(raw))
    assert response.status_code == 422


def test_the_links_list_names_whose_each_link_is(client, business, giulia):
    friend(business, landing_link(business, giulia), days_ago=2)
    raw = _staff_token(business, OwnerFactory(business=business).user)

    response = client.get("/api/v1/spread/links", **_bearer(raw))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows[0]["peer_id"] == giulia.pk and rows[0]["peer_name"] == "Giulia R."
    assert rows[0]["figures"]["signups"] == 1


def test_another_business_s_token_sees_none_of_it(client, business, giulia):
    friend(business, landing_link(business, giulia), days_ago=2)
    elsewhere = BusinessFactory()
    raw = _staff_token(elsewhere, OwnerFactory(business=elsewhere).user)

    assert client.get("/api/v1/spread/top-referrers", **_bearer(raw)).json() == []
    assert client.get("/api/v1/spread/links", **_bearer(raw)).json()["results"] == []


def test_a_peer_token_does_not_open_the_staff_side_nor_a_staff_token_the_peer_s(
    client, business, giulia
):
    peer_raw = _peer_token(business, giulia)
    staff_raw = _staff_token(business, OwnerFactory(business=business).user)

    assert client.get("/api/v1/spread/top-referrers", **_bearer(peer_raw)).status_code == 403
    assert client.get("/api/v1/me/share/links", **_bearer(staff_raw)).status_code == 403
    assert client.get("/api/v1/me/share/links").status_code == 401


def test_a_peer_of_another_business_gets_only_their_own_links(client, business, giulia):
    landing_link(business, giulia)
    elsewhere = BusinessFactory()
    theirs = PeerFactory(business=elsewhere)

    body = client.get("/api/v1/me/share/links", **_bearer(_peer_token(elsewhere, theirs))).json()

    codes = {link["code"] for link in body["links"]}
    assert codes == set(ShareLink.objects.filter(peer=theirs).values_list("code", flat=True))
    assert body["totals"]["signups"] == 0
