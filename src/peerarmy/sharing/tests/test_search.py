"""The availability search as a visitor uses it: what is free for the whole range, of the kind
asked, nearest first, priced for them."""

from datetime import timedelta

import pytest

from peerarmy.sharing import selectors
from peerarmy.sharing.inputs import SearchInput

from .helpers import asset, book, next_saturday, sharing_program, station

pytestmark = pytest.mark.django_db


def _search(business, program, start, hours, **fields):
    query = SearchInput(starts_at=start, ends_at=start + timedelta(hours=hours), **fields)
    return selectors.search(business, program, query)


def test_booked_assets_are_hidden_only_when_their_booking_overlaps(business, owner):
    program = sharing_program(business, owner)
    at = station(business, owner, program)
    first = asset(business, owner, program, at=at, name_it="A")
    second = asset(business, owner, program, at=at, name_it="B")
    saturday = next_saturday(hour=10)
    book(business, first, start=saturday, hours=3)
    names = [f.asset.name_it for f in _search(business, program, saturday, 2)]
    assert names == ["B"]
    later = [f.asset.name_it for f in _search(business, program, saturday + timedelta(hours=3), 2)]
    assert later == ["A", "B"]
    assert second


def test_kind_length_and_hours_narrow_the_search(business, owner):
    program = sharing_program(business, owner)
    at = station(business, owner, program)
    asset(business, owner, program, at=at, name_it="Cargo", kind="cargo_bike")
    asset(business, owner, program, at=at, name_it="Ebike", kind="ebike", min_minutes=240)
    asset(
        business,
        owner,
        program,
        at=at,
        name_it="Mornings",
        kind="ebike",
        weekly_hours=[{"weekday": d, "opens": "08:00", "closes": "12:00"} for d in range(7)],
    )
    saturday = next_saturday(hour=10)
    assert [f.asset.name_it for f in _search(business, program, saturday, 2, kind="ebike")] == [
        "Mornings"
    ]
    assert [f.asset.name_it for f in _search(business, program, saturday, 5, kind="ebike")] == [
        "Ebike"
    ]


def test_near_a_place_the_nearest_come_first_with_their_distance_and_price(business, owner):
    program = sharing_program(business, owner, peer_discount_percent=50)
    far = station(business, owner, program, name_it="Fiera", latitude=44.52, longitude=11.37)
    near = station(business, owner, program, name_it="Centro", latitude=44.494, longitude=11.343)
    asset(business, owner, program, at=far, name_it="Far")
    asset(business, owner, program, at=near, name_it="Near")
    asset(business, owner, program, name_it="Loose", latitude=44.50, longitude=11.35)
    saturday = next_saturday(hour=10)
    found = _search(business, program, saturday, 3, latitude=44.4949, longitude=11.3426)
    assert [f.asset.name_it for f in found] == ["Near", "Loose", "Far"]
    assert found[0].distance_km < 0.2 < found[1].distance_km < found[2].distance_km
    assert found[0].quote.total_minor == 1800
    as_peer = selectors.search(
        business,
        program,
        SearchInput(starts_at=saturday, ends_at=saturday + timedelta(hours=3)),
        peer=True,
    )
    assert as_peer[0].quote.total_minor == 900
