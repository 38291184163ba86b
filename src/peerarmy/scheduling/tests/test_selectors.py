"""What a peer sees when looking for blocks, and the console's week."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.peers.models import PeerLanguage
from peerarmy.scheduling.selectors import claimable_blocks, claimable_for_peer, week_schedule
from peerarmy.scheduling.services import claim_block
from peerarmy.tenancy.tests.factories import PeerFactory, SkillFactory

from .factories import BlockFactory

pytestmark = pytest.mark.django_db


def test_soonest_day_first_then_nearest_with_distance_and_reasons(business, peer, program):
    tomorrow = timezone.now().replace(microsecond=0) + timedelta(days=1)
    held = BlockFactory(program=program, starts_at=tomorrow, ends_at=tomorrow + timedelta(hours=2))
    claim_block(peer, held.pk)
    far_same_day = BlockFactory(
        program=program,
        starts_at=tomorrow + timedelta(hours=5),
        ends_at=tomorrow + timedelta(hours=6),
        latitude="44.530000",
        longitude="11.380000",
    )
    overlapping = BlockFactory(
        program=program,
        starts_at=tomorrow + timedelta(hours=1),
        ends_at=tomorrow + timedelta(hours=3),
    )
    later = BlockFactory(
        program=program,
        starts_at=tomorrow + timedelta(days=3),
        ends_at=tomorrow + timedelta(days=3, hours=1),
    )
    BlockFactory(program=program, latitude="45.464200", longitude="9.190000")  # Milan: hidden
    BlockFactory(program=program, required_skills=[SkillFactory(business=business)])  # hidden
    BlockFactory(program=program, released_at=timezone.now() + timedelta(hours=1))  # hidden

    listed = claimable_blocks(peer)

    by_block = {item.block: item for item in listed}
    assert set(by_block) == {held, far_same_day, overlapping, later}
    assert listed[-1].block == later
    assert by_block[held].reasons == ["You have already claimed this block."]
    assert by_block[overlapping].reasons == ["It overlaps a block you have already claimed."]
    assert by_block[far_same_day].can_claim
    assert 4 < by_block[far_same_day].distance_km < 6
    assert 1 < by_block[overlapping].distance_km < 2


def test_a_refusal_carries_the_rules_code_in_any_language(business, peer, program):
    """The code comes from the rule, not from comparing translated words."""
    from django.utils import translation

    tomorrow = timezone.now().replace(microsecond=0) + timedelta(days=1)
    held = BlockFactory(program=program, starts_at=tomorrow, ends_at=tomorrow + timedelta(hours=2))
    claim_block(peer, held.pk)
    overlapping = BlockFactory(
        program=program,
        starts_at=tomorrow + timedelta(hours=1),
        ends_at=tomorrow + timedelta(hours=3),
    )
    with translation.override("it"):
        listed = {item.block: item for item in claimable_blocks(peer)}

    with translation.override("en"):
        assert listed[overlapping].refusal == (
            "overlaps_claimed_block",
            "It overlaps a block you have already claimed.",
        )
    with translation.override("it"):
        code, message = listed[held].refusal
        assert code == "already_claimed" and message == listed[held].reasons[0]
        assert message != "You have already claimed this block."


def test_a_full_block_offers_the_waitlist(business, peer, program):
    block = BlockFactory(program=program, capacity=1)
    claim_block(PeerFactory(business=business), block.pk)

    (item,) = claimable_blocks(peer)

    assert item.full and not item.can_claim and item.can_join_waitlist


def test_listing_takes_a_fixed_number_of_queries(
    business, peer, program, django_assert_max_num_queries
):
    for n in range(30):
        BlockFactory(
            program=program,
            starts_at=timezone.now() + timedelta(days=1, hours=3 * n),
            ends_at=timezone.now() + timedelta(days=1, hours=3 * n + 1),
        )
    # The peer's skills and languages, the programs and their skills, the candidates (the
    # page's blocks are built from them) and their skills, the held claims, the waitlists.
    with django_assert_max_num_queries(9):
        assert len(claimable_blocks(peer)) == 30


def test_the_week_shows_who_holds_and_who_waits(business, peer, program):
    block = BlockFactory(program=program, capacity=1)
    claim_block(peer, block.pk)
    local_day = block.starts_at.astimezone(business.tzinfo).date()
    monday = local_day - timedelta(days=local_day.weekday())

    (shown,) = week_schedule(business, monday)

    assert [c.peer for c in shown.holders] == [peer]
    assert shown.waiting == []


def test_the_peers_list_leaves_out_what_they_hold_and_narrows_to_a_place(business, peer, program):
    held = BlockFactory(program=program, place_name="Via del Pratello")
    claim_block(peer, held.pk)
    shop = BlockFactory(
        program=program,
        starts_at=held.starts_at + timedelta(days=2),
        ends_at=held.ends_at + timedelta(days=2),
        place_name="Officina",
        address="Via del Pratello 10",
    )
    remote = BlockFactory(
        program=program,
        starts_at=held.starts_at + timedelta(days=3),
        ends_at=held.ends_at + timedelta(days=3),
        is_remote=True,
        place_name="",
        address="",
        latitude=None,
        longitude=None,
    )

    def blocks(**filters):
        return [item.block for item in claimable_for_peer(peer, **filters)]

    assert blocks() == [shop, remote]
    assert blocks(place="pratello") == [shop]
    assert blocks(place="Remote") == [remote]
    assert blocks(place="Milano") == []
    assert blocks(limit=1) == [shop]


def test_what_a_block_asks_is_the_eligibility_rule(business, peer, program):
    skill = SkillFactory(business=business)
    peer.skills.add(skill)
    PeerLanguage.objects.filter(peer=peer).exclude(language="it").delete()
    peer.reliability = 70
    peer.save()
    fits = BlockFactory(program=program, required_skills=[skill], required_languages=["it"])
    BlockFactory(program=program, required_languages=["de"])  # hidden: a language
    BlockFactory(program=program, min_reliability=80)  # hidden: reliability
    BlockFactory(program=program, required_skills=[SkillFactory(business=business)])  # hidden

    assert [item.block for item in claimable_blocks(peer)] == [fits]
