"""Who could claim a block now: the claimable list's rules asked the other way round, for a
few new blocks and every peer of the business at once (new work offered to peers).

`selectors.claimable_blocks` reads, for one peer, the blocks they may claim; this reads, for
some blocks, the peers who may claim them. The rules are the same functions called in the
same order, on the same facts: the published programs with their limits (`sql.
published_programs`), `programs.eligibility` on the program and on the block, the distance
(`rules.place_problems`), the peer's own claims (`rules.fairness_problem`), and a seat left.
A block is offered exactly when the peer's list would show it with "Claim" (`can_claim`):
`tests/test_claimants.py` (in this app) compares the two on random worlds."""

from django.db.models import F

from peerarmy.peers.models import PeerStatus
from peerarmy.programs.eligibility import (
    PeerFacts,
    Requirement,
    eligible,
    needs_verifications,
    verified_kinds,
)

from . import rules, sql
from .models import Block, BlockStatus, Claim, ClaimStatus
from .selectors import _requirement, limits_from


def open_blocks(business, block_ids, *, now) -> list[Block]:
    """Those of `block_ids` that a peer could claim now, whoever they are: open, released,
    not started, with a seat left (the claimable list's own conditions, read with the
    required skills)."""
    return list(
        Block.objects.filter(
            business=business,
            pk__in=list(block_ids),
            status=BlockStatus.OPEN,
            released_at__lte=now,
            starts_at__gt=now,
            seats_taken__lt=F("capacity"),
        )
        .prefetch_related("required_skills")
        .order_by("starts_at", "pk")
    )


def _held_by_peer(business, peer_ids, since) -> dict[int, list[rules.Held]]:
    held = {peer_id: [] for peer_id in peer_ids}
    rows = Claim.objects.filter(
        business=business, peer_id__in=list(peer_ids), status=ClaimStatus.ACTIVE, ends_at__gt=since
    ).values_list("peer_id", "block_id", "starts_at", "ends_at")
    for peer_id, block_id, starts_at, ends_at in rows:
        held[peer_id].append(rules.Held(block_id, starts_at, ends_at))
    return held


def claimable_by(business, block_ids, peers, *, now) -> dict[int, list[int]]:
    """{block id: ids of those of `peers` who could claim it now}, for those of `block_ids`
    that some of them could. `peers` are the business's, with their skills and languages at
    hand (`peers.selectors.attach_skills_and_languages`, or prefetched); inactive ones claim
    nothing. Four queries, whatever the number of peers and blocks."""
    tz = business.tzinfo
    published = {found.program.pk: found for found in sql.published_programs(business.pk)}
    blocks = [b for b in open_blocks(business, block_ids, now=now) if b.program_id in published]
    active = [peer for peer in peers if peer.status == PeerStatus.ACTIVE]
    if not blocks or not active:
        return {}
    requirements = {
        pk: _requirement(found.program, found.skill_ids) for pk, found in published.items()
    }
    limits = {pk: limits_from(found.limits) for pk, found in published.items()}
    asks = {
        block.pk: Requirement(
            skills=tuple((skill.pk, skill.pk) for skill in block.required_skills.all()),
            languages=tuple(block.required_languages or ()),
            min_reliability=block.min_reliability or 0,
        )
        for block in blocks
    }
    held = _held_by_peer(business, [p.pk for p in active], rules.held_since(now, tz))
    verified = (
        verified_kinds([p.pk for p in active])
        if needs_verifications(*requirements.values())
        else {}
    )
    found: dict[int, list[int]] = {}
    for peer in active:
        facts = PeerFacts(
            active=True,
            skill_ids=frozenset(skill.pk for skill in peer.skill_list),
            languages=frozenset(peer.language_codes),
            reliability=peer.reliability,
            verified=verified.get(peer.pk, frozenset()),
        )
        programs = {pk for pk, asked in requirements.items() if eligible(facts, asked)}
        lat = None if peer.latitude is None or peer.longitude is None else float(peer.latitude)
        lon = None if lat is None else float(peer.longitude)
        for block in blocks:
            if block.program_id not in programs or not eligible(facts, asks[block.pk]):
                continue
            distance = rules.distance_to(lat, lon, block)
            if rules.place_problems(block, distance, peer.travel_radius_km):
                continue
            problem = rules.fairness_problem(
                block_id=block.pk,
                starts_at=block.starts_at,
                ends_at=block.ends_at,
                held=held[peer.pk],
                limits=limits[block.program_id],
                now=now,
                tz=tz,
            )
            if problem is None:
                found.setdefault(block.pk, []).append(peer.pk)
    return found
