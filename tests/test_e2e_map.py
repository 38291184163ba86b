"""End to end in a real browser: a peer clicks on the map of their profile and the profile keeps
that point; a traveller whose map cannot load its tiles reads why, and asks for a local with an
address only, which the gazetteer places. The tiles come from a route of the test (a 1x1 PNG, or
a refusal), never from the internet."""

import base64
import re
from decimal import Decimal

import pytest
from django.db import connections
from playwright.sync_api import expect

from peerarmy.matching.models import MatchRequest
from peerarmy.matching.tests.factories import matching_program, next_monday
from peerarmy.tenancy.tests.factories import BusinessFactory, PeerFactory

from .test_e2e_browser import CHROMIUM, browser  # noqa: F401 - the fixture
from .test_e2e_scheduling import _signed_in_page

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

TILES = "/test-tiles/{z}/{x}/{y}.png"
ANY_TILE = "**/test-tiles/**"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
BOLOGNA = (44.49, 11.34)  # about where the gazetteer puts the town's centre


def _tiles_load(page):
    page.route(
        ANY_TILE, lambda route: route.fulfill(status=200, content_type="image/png", body=PNG)
    )


def _tiles_fail(page):
    page.route(ANY_TILE, lambda route: route.abort("connectionrefused"))


def _near(value, expected, within=0.05):
    return abs(float(value) - expected) < within


@pytest.mark.django_db(transaction=True)
def test_a_peer_clicks_on_the_map_and_the_profile_keeps_that_point(
    live_server,
    browser,  # noqa: F811
    settings,
):
    settings.MAP_TILE_URL = TILES
    # Given a peer of a shop in Bologna who has not said where they are
    business = BusinessFactory(slug="bicigialla", city="Bologna")
    peer = PeerFactory(business=business, home_address="", latitude=None, longitude=None)
    context, page = _signed_in_page(browser, live_server, peer.user.email)
    _tiles_load(page)

    # When they open their profile, the map shows the shop's town, and the boxes step aside
    page.goto(f"{live_server.url}/bicigialla/me/profile/")
    canvas = page.locator("[data-map-canvas]")
    expect(canvas).to_be_visible()
    expect(page.locator("details[data-map-coords]")).not_to_have_attribute("open", re.compile(""))
    latitude = page.locator('input[data-coordinate="latitude"]')
    longitude = page.locator('input[data-coordinate="longitude"]')

    # and they click on its middle: the point is set there, and said
    canvas.click()
    expect(latitude).to_have_value(re.compile(r"^44\.\d{6}$"))
    clicked = (latitude.input_value(), longitude.input_value())
    assert _near(clicked[0], BOLOGNA[0]) and _near(clicked[1], BOLOGNA[1])
    expect(page.get_by_role("status").filter(has_text="Point set:")).to_be_visible()

    # dragging the pin moves the point
    pin = page.get_by_role("button", name="The chosen point")
    box = pin.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 40, steps=5)
    page.mouse.up()
    expect(latitude).not_to_have_value(clicked[0])
    dragged = (latitude.input_value(), longitude.input_value())
    assert float(dragged[0]) < float(clicked[0]) and float(dragged[1]) > float(clicked[1])

    # Then the saved profile has the point on the map
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_url(re.compile(r"/bicigialla/me/$"))
    peer.refresh_from_db()
    assert (peer.latitude, peer.longitude) == (Decimal(dragged[0]), Decimal(dragged[1]))

    # and "Clear the point" empties it again
    page.goto(f"{live_server.url}/bicigialla/me/profile/")
    page.get_by_role("button", name="Clear the point").click()
    expect(latitude).to_have_value("")
    expect(page.get_by_role("button", name="The chosen point")).to_have_count(0)
    context.close()
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_without_tiles_the_traveller_reads_why_and_asks_with_an_address_only(
    live_server,
    browser,  # noqa: F811
    settings,
):
    settings.SITE_URL = live_server.url
    settings.MAP_TILE_URL = TILES
    business = BusinessFactory(slug="bicigialla", city="Bologna")
    guides = matching_program(business)
    day = next_monday(business).date()

    # Given a traveller whose browser cannot reach the tile server
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    _tiles_fail(page)
    page.goto(f"{live_server.url}/bicigialla/ask/{guides.slug}/")

    # Then the map gives way to a note, and the coordinates are in sight
    expect(
        page.get_by_text("Map unavailable: type the address, we'll find the place.")
    ).to_be_visible()
    expect(page.locator("[data-map-canvas]")).to_be_hidden()
    expect(page.get_by_label("Latitude")).to_be_visible()

    # When they ask for a local with an address and no point
    page.get_by_label("Your name").fill("Jane Traveller")
    page.get_by_label("Your e-mail").fill("jane@example.org")
    page.get_by_label("Day").fill(day.isoformat())
    page.get_by_label("Free from").fill("10:00")
    page.get_by_label("Free until").fill("14:00")
    page.get_by_label("Address or place").fill("Piazza Maggiore, 40124 Bologna")
    page.get_by_label("English", exact=True).check()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url(re.compile(r"/sent/"))

    # Then the request is placed where the address is
    request = MatchRequest.objects.get(email="jane@example.org")
    assert _near(request.latitude, BOLOGNA[0]) and _near(request.longitude, BOLOGNA[1])
    context.close()
    connections.close_all()
