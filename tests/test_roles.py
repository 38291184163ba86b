"""Least privilege per role, walked over every console page and API endpoint: a community
manager looks after the army and its work (peers, superfans, blocks, requests) and is
refused money, customers' data in or out, program set-up and the team, on the console, the
API and the services alike; what they are refused changes nothing."""

import pytest
from django.urls import get_resolver

from peerarmy.accounts.services import create_token
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.roles import ROLE_CAPABILITIES, Capability, can
from peerarmy.tenancy.tests.factories import MembershipFactory

from .test_isolation import (
    api_operations,
    api_url,
    assert_no_leak,
    fill,
    kwarg_values,
    snapshot,
    world,  # noqa: F401 - the shared fixture
)

# Pages a community manager must never open, whatever the map says: a wrong map fails here.
NEVER_FOR_COMMUNITY = {
    "rewards",
    "rewards_batch_prepare",
    "rewards_batch_sepa",
    "rewards_ledger",
    "rewards_ledger_export",
    "rewards_settings",
    "rewards_rules",
    "rewards_vouchers",
    "manage_imports",
    "manage_peers_export",
    "manage_superfans_export",
    "manage_program_create",
    "manage_matching_settings",
    "manage_team",
    "manage_team_invite",
    "manage_shop",
}
# ...and pages that are their work.
ALWAYS_FOR_COMMUNITY = {
    "manage",
    "manage_peers",
    "manage_peer",
    "manage_superfans",
    "manage_invitations",
    "manage_blocks",
    "manage_block",
    "manage_matching",
    "manage_search",
}


def _console_routes():
    from django.urls import URLPattern, URLResolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p

    for route, pattern in walk(get_resolver().url_patterns):
        if "manage/" in route and "business_slug" in route:
            yield route, pattern.name, getattr(pattern.callback, "needs", None)


def test_the_roles_map():
    assert ROLE_CAPABILITIES["owner"] == frozenset(Capability)
    assert ROLE_CAPABILITIES["staff"] == frozenset(Capability)
    assert ROLE_CAPABILITIES["community"] == {
        Capability.PEOPLE,
        Capability.WORK,
        Capability.TRUST,
        Capability.SUPPORT,
    }
    assert set(ROLE_CAPABILITIES) == {role.value for role in Role}
    assert not can("nobody", Capability.PEOPLE)


def test_every_console_page_says_what_it_needs():
    names = {name for _route, name, _needs in _console_routes()}
    assert NEVER_FOR_COMMUNITY <= names and ALWAYS_FOR_COMMUNITY <= names
    for _route, name, needs in _console_routes():
        if name in NEVER_FOR_COMMUNITY:
            assert needs is not None and not can("community", needs), name
        if name in ALWAYS_FOR_COMMUNITY:
            assert needs is None or can("community", needs), name


@pytest.fixture
def community(world):  # noqa: F811 - the shared fixture
    membership = MembershipFactory(business=world["target"], role=Role.COMMUNITY)
    return membership.user


@pytest.mark.django_db
def test_a_community_manager_on_every_console_page(client, world, community):  # noqa: F811
    values = kwarg_values(world)
    client.force_login(community)
    before = snapshot(world["target"])
    opened, refused = set(), set()
    for route, name, needs in _console_routes():
        url = fill(route, values)
        allowed = needs is None or can("community", needs)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code < 500, (method, url)
            if not allowed:
                assert response.status_code == 403, f"{method.upper()} {url} ({name})"
                refused.add(name)
            elif method == "get" and response.status_code == 200:
                opened.add(name)
    assert NEVER_FOR_COMMUNITY <= refused
    assert {"manage", "manage_peers", "manage_blocks", "manage_matching"} <= opened
    # a refused POST changed nothing (the allowed ones were sent empty: their forms refuse)
    assert snapshot(world["target"])[-4:] == before[-4:], "the team or the shop changed"


@pytest.mark.django_db
def test_the_console_shows_a_community_manager_only_their_tabs(client, world, community):  # noqa: F811
    client.force_login(community)
    client.cookies["peerarmy_language"] = "en"
    slug = world["target"].slug
    page = client.get(f"/{slug}/manage/").content.decode()
    for tab in ("/manage/peers/", "/manage/blocks/", "/manage/matching/", "/manage/superfans/"):
        assert tab in page, tab
    for tab in ("/manage/rewards/", "/manage/imports/", "/manage/team/", "/manage/programs/"):
        assert tab not in page, tab
    peers = client.get(f"/{slug}/manage/peers/").content.decode()
    assert "export.csv" not in peers
    refused = client.get(f"/{slug}/manage/rewards/")
    assert "rewards and payouts" in refused.content.decode()


@pytest.mark.django_db
def test_a_community_managers_token_on_every_api_endpoint(client, world, community):  # noqa: F811
    values = kwarg_values(world)
    _token, raw = create_token(business=world["target"], actor=community).value
    before = snapshot(world["target"], own_tokens_of=None)
    tags_refused = {"rewards": Capability.REWARDS, "imports": Capability.CUSTOMERS}
    walked = 0
    for path, method, operation in api_operations():
        if path.startswith("/api/v1/me/"):
            continue
        url, _params = api_url(path, values, world)
        kwargs = {"content_type": "application/json", "data": "{}"} if method != "get" else {}
        response = getattr(client, method)(
            url, HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="en", **kwargs
        )
        where = f"{method.upper()} {url}"
        assert response.status_code < 500, where
        tag = operation["tags"][0]
        if tag in tags_refused:
            assert response.status_code == 403, where
            assert "role" in response.json()["detail"], where
            assert_no_leak(response, "community manager", url)
            walked += 1
    assert walked >= 20
    blocks = client.get("/api/v1/blocks/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert blocks.status_code == 200
    after = snapshot(world["target"], own_tokens_of=None)
    # money and the ledger are untouched by everything a community manager was refused
    for index in range(9, 17):
        assert after[index] == before[index], index


@pytest.mark.django_db
def test_services_refuse_a_community_manager_in_words(world, community):  # noqa: F811
    from peerarmy.errors import PermissionDenied
    from peerarmy.rewards import payouts

    with pytest.raises(PermissionDenied) as refused:
        payouts.prepare_batch(world["target"], community)
    assert "rewards and payouts" in str(refused.value.message)
