"""The engine's reasons in words, in English: why this peer, and why nobody."""

import pytest
from django.utils import translation

from peerarmy.matching import explain
from peerarmy.matching.engine import MatchReasons, Unmatched

INTERESTS = {"cycling": "cycling", "food": "food", "art": "art"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_why_this_peer():
    reasons = MatchReasons(
        languages=(("it", 4), ("en", 3)), distance_km=2.4, interests=("cycling", "food")
    )
    assert explain.describe_match(reasons, INTERESTS) == (
        "speaks Italian and English, 2 km away, also loves cycling and food"
    )


def test_short_distances_and_lists_of_three():
    reasons = MatchReasons(
        languages=(("fr", 4), ("en", 2), ("it", 1)), distance_km=0.4, interests=("art",)
    )
    assert explain.describe_match(reasons, INTERESTS) == (
        "speaks French, English and Italian, less than a km away, also loves art"
    )


def test_one_km_nothing_shared_and_unknown_names():
    reasons = MatchReasons(languages=(("xx", 3),), distance_km=1.2, interests=("karting",))
    assert explain.describe_match(reasons) == "speaks xx, 1 km away, also loves karting"
    plain = MatchReasons(languages=(("de", 4),), distance_km=12.6)
    assert explain.describe_match(plain) == "speaks German, 13 km away"


def test_stored_reasons_as_a_dictionary():
    stored = MatchReasons(languages=(("en", 4),), distance_km=3.0).as_dict()
    assert explain.describe_match(stored) == "speaks English, 3 km away"


@pytest.mark.parametrize(
    ("reason", "detail", "words"),
    [
        ("no_language", {"languages": ["ja"]}, "none of our locals speaks Japanese"),
        (
            "no_language",
            {"languages": ["ja", "zh"]},
            "none of our locals speaks Japanese or Chinese",
        ),
        (
            "too_far",
            {"languages": ["ja"], "speakers": 2},
            "nobody who speaks Japanese lives within reach",
        ),
        (
            "no_time",
            {"languages": ["en"]},
            "nobody within reach is free that afternoon for long enough",
        ),
        (
            "no_capacity",
            {"languages": ["en"], "free": 3},
            "everyone free that afternoon already has as many matches as they allow",
        ),
        (
            "excluded",
            {"languages": ["en"], "excluded": 1},
            "the only local who could go declined this request or cannot take it",
        ),
        (
            "excluded",
            {"languages": ["en"], "excluded": 2},
            "the only 2 locals who could go declined this request or cannot take it",
        ),
        (
            "taken",
            {"languages": ["en"], "candidates": 1},
            "the local who could go was needed for another request",
        ),
        (
            "taken",
            {"languages": ["en"], "candidates": 4},
            "the 4 locals who could go were all needed for other requests",
        ),
    ],
)
def test_why_nobody(reason, detail, words):
    assert explain.describe_unmatched(Unmatched(1, reason, detail), when="that afternoon") == words


def test_why_nobody_without_a_time_phrase():
    no_time = Unmatched(1, "no_time", {"languages": ["en"]})
    assert explain.describe_unmatched(no_time) == "nobody within reach is free for long enough then"
    full = Unmatched(1, "no_capacity", {"languages": ["en"], "free": 1})
    assert explain.describe_unmatched(full) == (
        "everyone free then already has as many matches as they allow"
    )


def test_the_words_follow_the_active_language():
    """A stored match explained again in Italian, then in English: each time in the language
    active then (the phrases are kept per language)."""
    from peerarmy.peers.models import LANGUAGE_NAMES

    reasons = MatchReasons(languages=(("ja", 4),), distance_km=5.0)
    english = explain.describe_match(reasons)
    with translation.override("it"):
        italian = explain.describe_match(reasons)
        japanese = str(LANGUAGE_NAMES["ja"])
    assert japanese.lower() in italian, "a language inside an Italian sentence is lower case"
    assert italian != english
    assert explain.describe_match(reasons) == english == "speaks Japanese, 5 km away"
