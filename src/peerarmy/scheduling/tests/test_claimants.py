"""`claimants.claimable_by` (who could claim these blocks) answers exactly what each peer's own
claimable list answers (which blocks show "Claim"), on random worlds: skills and languages
asked by programs and blocks, reliability floors, distances and limits, full, cancelled,
unreleased and started blocks, draft programs, held claims and the fairness limits."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from peerarmy.peers.models import PeerLanguage, PeerStatus
from peerarmy.programs.models import ProgramStatus
from peerarmy.scheduling.claimants import claimable_by
from peerarmy.scheduling.models import BlockStatus, Claim, FairnessLimits
from peerarmy.scheduling.selectors import claimable_blocks
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import PeerFactory, ProgramFactory, SkillFactory

pytestmark = pytest.mark.django_db

PLACES = [("44.494900", "11.334300"), ("44.520000", "11.400000"), ("45.464200", "9.190000")]


def _world(business, rng, now):
    skills = [SkillFactory(business=business) for _ in range(3)]
    programs = []
    for i in range(3):
        program = ProgramFactory(
            business=business,
            status=ProgramStatus.DRAFT
            if i == 2 and rng.random() < 0.5
            else ProgramStatus.PUBLISHED,
            required_languages=rng.choice([[], ["it"], ["en", "fr"]]),
            min_reliability=rng.choice([0, 0, 60]),
        )
        if rng.random() < 0.4:
            program.required_skills.set([rng.choice(skills)])
        if rng.random() < 0.5:
            FairnessLimits.objects.create(
                business=business,
                program=program,
                max_future_blocks=rng.choice([1, 2, 5]),
                max_hours_per_week=rng.choice([4, 20]),
                min_rest_minutes=rng.choice([0, 120]),
            )
        programs.append(program)
    peers = []
    for _ in range(6):
        lat, lon = rng.choice(PLACES + [(None, None)])
        peer = PeerFactory(
            business=business,
            status=rng.choice([PeerStatus.ACTIVE] * 4 + [PeerStatus.SUSPENDED]),
            latitude=lat,
            longitude=lon,
            travel_radius_km=rng.choice([3, 10, 400]),
            reliability=rng.choice([None, 40, 90]),
            languages=[],
            skills=rng.sample(skills, rng.randint(0, 3)),
        )
        for code in rng.sample(["it", "en", "fr"], rng.randint(0, 2)):
            PeerLanguage.objects.create(business=business, peer=peer, language=code)
        peers.append(peer)
    # one peer who has it all, so that every world has something to claim
    keen = PeerFactory(
        business=business, travel_radius_km=400, reliability=90, languages=["it", "en", "fr"]
    )
    keen.skills.set(skills)
    peers.append(keen)
    blocks = []
    for _ in range(14):
        starts = now + timedelta(hours=rng.choice([-2, 3, 20, 30, 50, 80]))
        lat, lon = rng.choice(PLACES)
        capacity = rng.choice([1, 2])
        block = BlockFactory(
            program=rng.choice(programs),
            starts_at=starts,
            ends_at=starts + timedelta(hours=rng.choice([1, 3])),
            released_at=now + timedelta(hours=rng.choice([-5, -5, 2])),
            status=rng.choice([BlockStatus.OPEN] * 5 + [BlockStatus.CANCELLED]),
            capacity=capacity,
            seats_taken=rng.choice([0, 0, capacity]),
            is_remote=rng.random() < 0.15,
            latitude=lat,
            longitude=lon,
            max_distance_km=rng.choice([None, None, 2]),
            required_languages=rng.choice([[], ["it"], ["en"]]),
            min_reliability=rng.choice([0, 0, 50]),
        )
        if rng.random() < 0.3:
            block.required_skills.set([rng.choice(skills)])
        blocks.append(block)
    # and a plain block of a published program that they can take
    blocks.append(BlockFactory(program=programs[0], starts_at=now + timedelta(hours=26)))
    for peer in peers[:-1]:  # the keen one holds nothing
        held = []
        for block in rng.sample(blocks, 2):
            # a peer never holds two claims that overlap (PostgreSQL's constraint refuses it)
            overlaps = any(
                b.starts_at < block.ends_at and block.starts_at < b.ends_at for b in held
            )
            if rng.random() < 0.5 and block.starts_at > now and not overlaps:
                held.append(block)
                Claim.objects.create(
                    business=business,
                    block=block,
                    peer=peer,
                    starts_at=block.starts_at,
                    ends_at=block.ends_at,
                )
    return peers, blocks


@pytest.mark.parametrize("seed", range(6))
def test_who_could_claim_a_block_is_what_each_peers_list_says(business, seed):
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    peers, blocks = _world(business, rng, now)

    found = claimable_by(business, [b.pk for b in blocks], peers, now=now)

    for peer in peers:
        listed = {
            item.block.pk
            for item in claimable_blocks(peer, now=now, limit=1000, without_held=True)
            if item.can_claim
        }
        offered = {block_id for block_id, peer_ids in found.items() if peer.pk in peer_ids}
        assert offered == listed, (seed, peer.pk, offered, listed)
    assert found, "a world in which nobody could claim anything proves little"


def test_another_business_blocks_are_nobodys(business, other_business):
    now = timezone.now()
    peer = PeerFactory(business=business)
    elsewhere = BlockFactory(program=ProgramFactory(business=other_business))
    assert claimable_by(business, [elsewhere.pk], [peer], now=now) == {}
