"""Story: a peer who gives only an address is placed where they live, or told what to add.

The shipped gazetteer finds the town or the postcode in what people write, and not the town a
street is named after; a Nominatim-compatible service, where configured, is asked first, and
its failure falls back to the gazetteer without losing the peer's application."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from peerarmy.peers import geocoding, selectors, services
from peerarmy.peers.inputs import PeerProfileInput
from peerarmy.tenancy.tests.factories import PeerFactory

BOLOGNA = (44.49734, 11.33287)


@pytest.mark.parametrize(
    ("written", "label", "found_by"),
    [
        ("Via Zamboni 33, Bologna", "Bologna (BO)", "town"),
        ("via del pratello, BOLOGNA", "Bologna (BO)", "town"),
        ("40126", "Bologna (BO)", "postcode"),
        ("Piazza Maggiore, 40124 Bologna BO", "Bologna (BO)", "postcode"),
        ("Corso Torino 5, Milano", "Milano (MI)", "town"),
        ("Via Milano 3, Roma", "Roma (RM)", "town"),
        ("San Lazzaro di Savena", "San Lazzaro di Savena (BO)", "town"),
        ("Sant'Agata Bolognese", "Sant'Agata Bolognese (BO)", "town"),
        ("Castro (LE)", "Castro (LE)", "town"),
        ("Reggio Emilia", "Reggio nell'Emilia (RE)", "town"),
        ("73100 Lecce", "Lecce (LE)", "postcode"),
    ],
)
def test_the_gazetteer_finds_the_town_or_the_postcode(written, label, found_by):
    place = geocoding.from_gazetteer(written)
    assert (place.label, place.found_by) == (label, found_by)
    assert 35 < place.latitude < 48 and 6 < place.longitude < 19  # in Italy


@pytest.mark.parametrize("written", ["Via Roma 1", "Corso Torino", "Bolognina", "", "   ", "12345"])
def test_a_street_a_neighbourhood_or_nothing_is_not_a_town(written):
    assert geocoding.from_gazetteer(written) is None


def test_bologna_is_where_bologna_is():
    place = geocoding.from_gazetteer("Bologna")
    assert (round(place.latitude, 2), round(place.longitude, 2)) == (44.50, 11.33)


class _Nominatim(BaseHTTPRequestHandler):
    answers = []
    asked = []

    def do_GET(self):  # noqa: N802 - the handler's API
        self.asked.append(self.path)
        answer = self.answers.pop(0) if self.answers else []
        if answer == "fail":
            self.send_response(503)
            self.end_headers()
            return
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Quiet: the test reads what was asked from `asked`, not from the log."""


@pytest.fixture
def nominatim(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Nominatim)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.GEOCODER_URL = f"http://127.0.0.1:{server.server_port}"
    settings.GEOCODER_TIMEOUT = 2
    _Nominatim.answers, _Nominatim.asked = [], []
    yield _Nominatim
    server.shutdown()


def test_a_configured_service_is_asked_first(nominatim):
    nominatim.answers.append(
        [{"lat": "44.5050", "lon": "11.3410", "display_name": "Via del Pratello, Bologna, Italia"}]
    )
    place = geocoding.locate("Via del Pratello 10, Bologna")
    assert (place.found_by, place.latitude, place.longitude) == ("service", 44.505, 11.341)
    assert place.label == "Via del Pratello"
    assert "/search?" in nominatim.asked[0] and "countrycodes=it" in nominatim.asked[0]


def test_a_failing_or_empty_service_falls_back_to_the_gazetteer(nominatim):
    nominatim.answers += ["fail", []]
    assert geocoding.locate("Via Zamboni 33, Bologna").label == "Bologna (BO)"
    assert geocoding.locate("40126").label == "Bologna (BO)"


@pytest.mark.django_db
def test_an_address_only_peer_is_placed_and_a_new_address_places_them_again(business):
    peer = PeerFactory(business=business, latitude=None, longitude=None, home_address="")

    def save(address, **coords):
        data = PeerProfileInput.of(peer).model_dump() | {"home_address": address, **coords}
        services.update_profile(
            business=business, actor=peer.user, peer=peer, data=PeerProfileInput.parse(data)
        )
        peer.refresh_from_db()

    save("Via Zamboni 33, Bologna")
    assert (float(peer.latitude), float(peer.longitude)) == BOLOGNA
    assert peer.located_at == "Bologna (BO)"
    assert selectors.missing_for_work(peer) == []

    save("Via Trinchese 1, 73100 Lecce")  # moved: placed again, not kept in Bologna
    assert peer.located_at == "Lecce (LE)" and float(peer.latitude) < 41

    save("Via Trinchese 1, Lecce", latitude=40.35, longitude=18.17)  # their own position wins
    assert (float(peer.latitude), peer.located_at) == (40.35, "")


@pytest.mark.django_db
def test_a_peer_who_cannot_be_placed_is_told_what_to_add(business):
    peer = PeerFactory(business=business, latitude=None, longitude=None, home_address="")
    data = PeerProfileInput.of(peer).model_dump() | {"home_address": "Bolognina"}
    services.update_profile(
        business=business, actor=peer.user, peer=peer, data=PeerProfileInput.parse(data)
    )
    peer.refresh_from_db()

    (missing,) = selectors.missing_for_work(peer)
    assert missing.code == "position" and peer.latitude is None
    assert "“Bolognina”" in missing.to_peer and "40126" in missing.to_peer
    assert "no town or postcode" in missing.to_staff
