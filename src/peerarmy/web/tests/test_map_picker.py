"""Story: wherever a person gives a place (a peer's home, a traveller's meeting point, a block's
place, a program's default meeting point) the form offers a map to click on, starting where the
point is (or the program's meeting point, or the business's town); and where the installation
turned the map off, no form speaks of a map at all."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from peerarmy.matching.models import MatchingSettings
from peerarmy.matching.tests.factories import matching_program, set_settings
from peerarmy.programs.models import ProgramKind
from peerarmy.tenancy.tests.factories import BusinessFactory, PeerFactory, UserFactory

pytestmark = pytest.mark.django_db

TILES = "https://tiles.example.org/{z}/{x}/{y}.png"
CREDIT = '&copy; <a href="https://example.org/credits">Example tiles</a>'
MAP_WORD = re.compile(r"\bmaps?\b", re.I)


class _Page(HTMLParser):
    """What a person can read on a page (text, and the words of attributes such as labels
    and notes), split into the map's own area and the rest."""

    SKIP = {"script", "style"}

    def __init__(self):
        super().__init__()
        self.stack, self.outside, self.inside = [], [], []
        self.pickers = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        in_area = "data-map-area" in attrs or bool(self.stack and self.stack[-1][1])
        if tag not in {"br", "input", "link", "meta", "img", "hr"}:
            self.stack.append((tag, in_area))
        if "data-map-picker" in attrs:
            self.pickers.append(attrs)
            return  # the script's words: shown only by the map, or when it is not there
        words = [v for k, v in attrs.items() if v and k in {"aria-label", "title", "alt"}]
        (self.inside if in_area else self.outside).extend(words)

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] in self.SKIP:
            return
        in_area = bool(self.stack and self.stack[-1][1])
        (self.inside if in_area else self.outside).append(data)


def read(response):
    assert response.status_code == 200
    page = _Page()
    page.feed(response.content.decode())
    return page


@pytest.fixture
def with_map(settings):
    settings.MAP_TILE_URL = TILES
    settings.MAP_TILE_ATTRIBUTION = CREDIT
    return settings


@pytest.fixture
def without_map(settings):
    settings.MAP_TILE_URL = ""
    return settings


def _english(client, user):
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def applicant(client, business):
    return _english(client, UserFactory(email="giulia@example.org"))


@pytest.fixture
def owner_en(client, owner):
    return _english(client, owner)


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def ask_url(program):
    return url(program.business, "match_request_new", program_slug=program.slug)


def form_pages(business, owner_client, visitor_client):
    """Every form where a person gives a place, with the client that may open it."""
    guides = matching_program(business)
    return [
        (visitor_client, url(business, "apply")),
        (visitor_client, ask_url(guides)),
        (owner_client, url(business, "manage_block_create")),
        (owner_client, url(business, "manage_block_template")),
        (owner_client, url(business, "manage_matching_settings", program_id=guides.pk)),
    ]


# --- the map is there -----------------------------------------------------------------------


def test_the_application_form_has_a_map_that_starts_at_the_business_s_town(with_map, applicant):
    page = read(applicant.get("/bicigialla/me/apply/"))

    [picker] = page.pickers
    assert picker["data-tile-url"] == TILES
    assert picker["data-attribution"] == CREDIT
    latitude, longitude = map(float, picker["data-centre"].split(","))
    assert (round(latitude, 1), round(longitude, 1)) == (44.5, 11.3), "Bologna, the shop's town"
    assert picker["data-zoom"] == "12"
    assert picker["data-unavailable"] == "Map unavailable: type the address, we'll find the place."
    html = applicant.get("/bicigialla/me/apply/").content.decode()
    assert 'data-coordinate="latitude"' in html and 'data-coordinate="longitude"' in html
    assert "/static/web/vendor/leaflet/leaflet.js" in html
    assert "/static/web/map-picker.js" in html


def test_the_map_starts_at_the_peer_s_saved_point(with_map, client, business):
    peer = PeerFactory(business=business, latitude="45.464200", longitude="9.190000")
    _english(client, peer.user)

    [picker] = read(client.get("/bicigialla/me/profile/")).pickers

    assert picker["data-centre"] == "45.464200,9.190000"
    assert picker["data-zoom"] == "16"


def test_a_business_without_a_town_shows_the_whole_of_italy(with_map, client):
    BusinessFactory(slug="nowhere", city="")
    _english(client, UserFactory())

    [picker] = read(client.get("/nowhere/me/apply/")).pickers

    assert picker["data-centre"] == "42.500000,12.500000"
    assert picker["data-zoom"] == "5"


def test_the_traveller_s_map_starts_at_the_program_s_meeting_point(with_map, client, business):
    guides = matching_program(business, latitude=45.4384, longitude=10.9917)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    [picker] = read(client.get(ask_url(guides))).pickers

    assert picker["data-centre"] == "45.438400,10.991700"
    assert picker["data-unavailable"] == "Map unavailable: type the address, we'll find the place."


def test_forms_without_an_address_to_place_say_to_type_the_coordinates(
    with_map, owner_en, business
):
    guides = matching_program(business)
    for page in (
        url(business, "manage_block_create"),
        url(business, "manage_matching_settings", program_id=guides.pk),
    ):
        [picker] = read(owner_en.get(page)).pickers
        assert picker["data-unavailable"] == "Map unavailable: type the latitude and longitude."


def test_only_the_map_s_own_area_speaks_of_the_map(with_map, owner_en, client, business):
    visitor = _english(client.__class__(), UserFactory())
    for who, page in form_pages(business, owner_en, visitor):
        read_page = read(who.get(page))
        assert len(read_page.pickers) == 1, page
        assert MAP_WORD.search(" ".join(read_page.inside)), page
        assert not MAP_WORD.search(" ".join(read_page.outside)), page


def test_a_coordinate_with_an_error_stays_in_sight(with_map, applicant):
    response = applicant.post(
        "/bicigialla/me/apply/",
        {"display_name": "Giulia", "languages": ["it"], "latitude": "123", "longitude": "11"},
    )

    html = response.content.decode()
    assert re.search(r"<details[^>]*data-map-coords open data-keep-open", html)


# --- the map is turned off ------------------------------------------------------------------


def test_without_a_tile_server_no_form_speaks_of_a_map(without_map, owner_en, client, business):
    visitor = _english(client.__class__(), UserFactory())
    for who, page in form_pages(business, owner_en, visitor):
        response = who.get(page)
        read_page = read(response)
        html = response.content.decode()
        assert not MAP_WORD.search(" ".join(read_page.outside + read_page.inside)), page
        assert "leaflet" not in html and "data-tile-url" not in html, page
        # the boxes are all there is, and in sight
        assert 'data-coordinate="latitude"' in html and "<details" not in html, page


# --- the program's default meeting point ------------------------------------------------------


def test_the_owner_sets_and_clears_the_default_meeting_point(owner_en, business):
    guides = matching_program(business)
    page = url(business, "manage_matching_settings", program_id=guides.pk)
    current = owner_en.get(page).context["form"].initial

    def post(**point):
        data = {k: v for k, v in current.items() if v is not None}
        return owner_en.post(page, {**data, **point})

    assert post(latitude="44,4937", longitude="11.343").status_code == 302
    saved = MatchingSettings.objects.get(program=guides)
    assert (float(saved.latitude), float(saved.longitude)) == (44.4937, 11.343)

    current = owner_en.get(page).context["form"].initial
    assert post(latitude="", longitude="").status_code == 302
    saved.refresh_from_db()
    assert (saved.latitude, saved.longitude) == (None, None)


def test_half_a_meeting_point_is_refused_next_to_the_latitude(owner_en, business):
    guides = matching_program(business)
    page = url(business, "manage_matching_settings", program_id=guides.pk)
    data = {k: v for k, v in owner_en.get(page).context["form"].initial.items() if v is not None}

    response = owner_en.post(page, {**data, "latitude": "44.49"})

    assert response.status_code == 200
    assert response.context["form"].errors["latitude"] == [
        "Give both latitude and longitude, or neither."
    ]


def test_staff_read_the_default_meeting_point(client, staff, business):
    layover = matching_program(business, ProgramKind.LAYOVER)
    set_settings(layover, latitude=44.4937, longitude=11.343)
    _english(client, staff)

    html = client.get(url(business, "manage_matching_settings", program_id=layover.pk))

    assert "Default meeting point" in html.content.decode()
    assert "44.493700, 11.343000" in html.content.decode()
