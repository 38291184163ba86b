"""The one eligibility rule, on plain facts: properties that hold for any peer and any
requirements."""

from hypothesis import given
from hypothesis import strategies as st

from peerarmy.programs.eligibility import (
    PeerFacts,
    Requirement,
    eligible,
    failures,
    reasons,
)

LANGS = ["it", "en", "de", "fr"]
skill_ids = st.frozensets(st.integers(1, 6), max_size=4)

peers = st.builds(
    PeerFacts,
    active=st.booleans(),
    skill_ids=skill_ids,
    languages=st.frozensets(st.sampled_from(LANGS), max_size=3),
    reliability=st.one_of(st.none(), st.integers(0, 100)),
)
requirements = st.builds(
    Requirement,
    skills=skill_ids.map(lambda ids: tuple((i, f"skill {i}") for i in sorted(ids))),
    languages=st.lists(st.sampled_from(LANGS), max_size=2, unique=True).map(tuple),
    min_reliability=st.integers(0, 100),
    is_open=st.booleans(),
)


def brute_force(peer, reqs):
    """The rule as a person states it, checked one requirement at a time."""
    for r in reqs:
        if not peer.active or not r.is_open:
            return False
        if any(i not in peer.skill_ids for i, _s in r.skills):
            return False
        if r.languages and not set(r.languages) & peer.languages:
            return False
        if r.min_reliability and (peer.reliability is None or peer.reliability < r.min_reliability):
            return False
    return peer.active


@given(peers, st.lists(requirements, min_size=1, max_size=3))
def test_eligible_is_the_rule_a_person_states(peer, reqs):
    assert eligible(peer, *reqs) == brute_force(peer, reqs)


@given(peers, st.lists(requirements, min_size=1, max_size=3))
def test_there_is_a_reason_in_words_exactly_when_a_peer_is_refused(peer, reqs):
    words = reasons(peer, *reqs)
    assert bool(words) != eligible(peer, *reqs)
    assert all(isinstance(w, str) and w.endswith(".") for w in words)


@given(peers, requirements, requirements)
def test_a_second_requirement_never_lets_in_a_peer_the_first_refuses(peer, first, second):
    if not eligible(peer, first):
        assert not eligible(peer, first, second)


@given(peers, st.lists(requirements, min_size=1, max_size=3))
def test_a_missing_skill_is_named_once_even_when_asked_twice(peer, reqs):
    for failure in failures(peer, *reqs, *reqs):
        if failure.code == "skills":
            assert len(failure.skills) == len(set(failure.skills))
