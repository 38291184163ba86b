"""Reads of blocks shared by the peer app, the console and the API."""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from peerarmy.peers.models import Peer, PeerLanguage, PeerStatus
from peerarmy.programs.models import Program, ProgramStatus

from . import errors, rules
from .models import (
    Block,
    BlockStatus,
    BlockTemplate,
    Claim,
    ClaimStatus,
    SwapOffer,
    SwapStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from .services import FAIRNESS_ERRORS, held_claims, held_since, limits_for

KM_PER_DEGREE = 111.32


@dataclass
class ClaimableBlock:
    """A block as one peer sees it: how far, and whether they can claim it. `reasons` are the
    rules the peer's own claims would break (overlap, rest, hours, future blocks); a full
    block has no reason of its own but offers the waitlist."""

    block: Block
    distance_km: float | None
    reasons: list[str] = field(default_factory=list)
    waiting: bool = False

    @property
    def full(self):
        return self.block.is_full

    @property
    def can_claim(self):
        return not self.reasons and not self.full

    @property
    def can_join_waitlist(self):
        return self.full and not self.reasons and not self.waiting

    @property
    def explanation(self):
        """Everything the peer should read next to the block, in words."""
        return self.reasons + ([str(errors.BlockFull.default_message)] if self.full else [])


def _program_ok(program, peer, skill_ids, languages):
    if {s.pk for s in program.required_skills.all()} - skill_ids:
        return False
    if program.required_languages and not (set(program.required_languages) & languages):
        return False
    if program.min_reliability and (peer.reliability or 0) < program.min_reliability:
        return False
    return True


CANDIDATE_BATCH = 400


def _nearest_first_page(peer, qs, tz, languages, lat, lon, limit):
    """The candidates that can make the first `limit` of the list, read soonest first in
    batches: the list is ordered by local day, so once `limit` candidates are found, only the
    rest of that day can still come before them. {pk: (day, distance or 0, starts_at,
    distance)}."""
    rows_qs = qs.order_by("starts_at", "pk").values_list(
        "pk",
        "starts_at",
        "latitude",
        "longitude",
        "is_remote",
        "required_languages",
        "min_reliability",
        "max_distance_km",
    )
    candidates = {}
    last_day = None
    after = None
    while True:
        batch_qs = rows_qs
        if after is not None:
            batch_qs = batch_qs.filter(
                Q(starts_at__gt=after[0]) | Q(starts_at=after[0], pk__gt=after[1])
            )
        rows = list(batch_qs[:CANDIDATE_BATCH])
        for pk, starts_at, blat, blon, remote, langs, min_rel, max_km in rows:
            local_day = starts_at.astimezone(tz).date()
            if last_day is not None and local_day > last_day:
                return candidates
            if langs and not (set(langs) & languages):
                continue
            if min_rel and (peer.reliability or 0) < min_rel:
                continue
            distance = None
            if not remote and blat is not None and blon is not None:
                if lat is not None:
                    distance = rules.haversine_km(lat, lon, blat, blon)
                    if distance > peer.travel_radius_km or (max_km and distance > max_km):
                        continue
                elif max_km:
                    continue
            candidates[pk] = (local_day, distance or 0.0, starts_at, distance)
            if last_day is None and len(candidates) >= limit:
                last_day = local_day
        if len(rows) < CANDIDATE_BATCH:
            return candidates
        after = (rows[-1][1], rows[-1][0])


def claimable_blocks(peer, *, now=None, day=None, limit=100) -> list[ClaimableBlock]:
    """The open, released, future blocks `peer` is eligible for (program and block rules,
    distance within both the peer's radius and the block's limit), soonest day first and
    nearest first within a day, each with the reasons it cannot be claimed (full, overlap,
    rest, weekly hours, future blocks). `day` is a date in the business's time zone.

    Five queries plus one per 400 blocks read (soonest first; reading stops once the page
    is complete); only the page (`limit`) is turned into
    model instances.
    """
    now = now or timezone.now()
    business = peer.business
    tz = business.tzinfo
    if peer.status != PeerStatus.ACTIVE:
        return []
    skill_ids = set(peer.skills.values_list("pk", flat=True))
    languages = set(PeerLanguage.objects.filter(peer=peer).values_list("language", flat=True))
    programs = {
        p.pk: p
        for p in Program.objects.filter(business=business, status=ProgramStatus.PUBLISHED)
        .select_related("fairness_limits")
        .prefetch_related("required_skills")
        if _program_ok(p, peer, skill_ids, languages)
    }
    if not programs:
        return []

    qs = Block.objects.filter(
        business=business,
        status=BlockStatus.OPEN,
        program_id__in=list(programs),
        released_at__lte=now,
        starts_at__gt=now,
    )
    if day is not None:
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        qs = qs.filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
    # Blocks needing a skill the peer lacks are left out by the database.
    qs = qs.exclude(
        Exists(
            Block.required_skills.through.objects.filter(block_id=OuterRef("pk")).exclude(
                skill_id__in=skill_ids
            )
        )
    )
    has_home = peer.latitude is not None and peer.longitude is not None
    lat = lon = None
    if has_home:
        # A bounding box around the peer's radius lets the index-less coordinates be cut
        # down by the database before the exact distance is computed here.
        lat, lon = float(peer.latitude), float(peer.longitude)
        dlat = peer.travel_radius_km / KM_PER_DEGREE
        dlon = peer.travel_radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
        qs = qs.filter(
            Q(is_remote=True)
            | Q(latitude__isnull=True)
            | Q(
                latitude__range=(lat - dlat, lat + dlat),
                longitude__range=(lon - dlon, lon + dlon),
            )
        )
    candidates = _nearest_first_page(peer, qs, tz, languages, lat, lon, limit)
    ordered = sorted(candidates, key=lambda pk: candidates[pk][:3])[:limit]
    if not ordered:
        return []

    blocks = Block.objects.filter(business=business).select_related("program").in_bulk(ordered)
    held = held_claims(peer, since=held_since(now, tz))
    waiting = set(
        WaitlistEntry.objects.filter(
            peer=peer, status=WaitlistStatus.WAITING, block_id__in=ordered
        ).values_list("block_id", flat=True)
    )
    result = []
    for pk in ordered:
        block = blocks[pk]
        block.program = programs[block.program_id]
        item = ClaimableBlock(block=block, distance_km=candidates[pk][3], waiting=pk in waiting)
        problem = rules.fairness_problem(
            block_id=pk,
            starts_at=block.starts_at,
            ends_at=block.ends_at,
            held=held,
            limits=limits_for(block.program),
            now=now,
            tz=tz,
        )
        if problem:
            item.reasons.append(str(FAIRNESS_ERRORS[problem].default_message))
        result.append(item)
    return result


def week_schedule(business, week_start):
    """The blocks starting in the week from `week_start` (a local date) for the console,
    with their program, active claims and waiting peers (four queries)."""
    return schedule_between(business, week_start, week_start + timedelta(days=7))


def _schedule(business, start, end):
    return list(
        Block.objects.filter(business=business, starts_at__gte=start, starts_at__lt=end)
        .select_related("program")
        .prefetch_related(
            Prefetch(
                "claims",
                queryset=Claim.objects.exclude(
                    status__in=[ClaimStatus.RELEASED, ClaimStatus.CANCELLED]
                ).select_related("peer"),
                to_attr="holders",
            ),
            Prefetch(
                "waitlist",
                queryset=WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING).select_related(
                    "peer"
                ),
                to_attr="waiting",
            ),
        )
        .order_by("starts_at", "pk")
    )


def schedule_between(business, start, end):
    """Like `week_schedule`, for any range of local days from `start` up to (not including)
    `end` (four queries)."""
    tz = business.tzinfo
    return _schedule(
        business,
        datetime(start.year, start.month, start.day, tzinfo=tz),
        datetime(end.year, end.month, end.day, tzinfo=tz),
    )


def block_detail(business, block_id):
    """One block of the business with its program and required skills, or None."""
    return (
        Block.objects.filter(business=business, pk=block_id)
        .select_related("program")
        .prefetch_related("required_skills")
        .first()
    )


def upcoming_claims(peer, *, now=None):
    """The peer's active claims that have not ended yet, soonest first."""
    now = now or timezone.now()
    return list(
        Claim.objects.filter(
            business_id=peer.business_id, peer=peer, status=ClaimStatus.ACTIVE, ends_at__gt=now
        )
        .select_related("block__program")
        .order_by("starts_at", "pk")
    )


def waiting_entries(peer, *, now=None):
    """The waitlists the peer is on, for blocks that have not started yet."""
    now = now or timezone.now()
    return list(
        WaitlistEntry.objects.filter(
            business_id=peer.business_id,
            peer=peer,
            status=WaitlistStatus.WAITING,
            block__starts_at__gt=now,
        )
        .select_related("block__program")
        .order_by("block__starts_at", "pk")
    )


def swap_offers_received(peer, *, now=None):
    """Pending swap offers made to the peer that can still be accepted, soonest block first."""
    now = now or timezone.now()
    return list(
        SwapOffer.objects.filter(
            business_id=peer.business_id,
            to_peer=peer,
            status=SwapStatus.PENDING,
            expires_at__gt=now,
        )
        .select_related("from_peer", "claim__block__program")
        .order_by("claim__starts_at", "pk")
    )


def swap_offers_made(peer, *, now=None):
    """Pending swap offers the peer made, still open."""
    now = now or timezone.now()
    return list(
        SwapOffer.objects.filter(
            business_id=peer.business_id,
            from_peer=peer,
            status=SwapStatus.PENDING,
            expires_at__gt=now,
        )
        .select_related("to_peer", "claim")
        .order_by("created_at", "pk")
    )


def swap_candidates(peer):
    """The other active peers of the business, by name: whom a block can be offered to (the
    swap service refuses the ineligible ones, with the reason)."""
    return list(
        Peer.objects.filter(business_id=peer.business_id, status=PeerStatus.ACTIVE)
        .exclude(pk=peer.pk)
        .order_by("display_name", "pk")
    )


# --- reads for the API -----------------------------------------------------------------------


def claim_refusal(item):
    """Why a `ClaimableBlock` cannot be claimed now, as (code, message), or None.

    The code is the one `claim_block` would refuse with (`overlaps_claimed_block`,
    `weekly_hours_exceeded`, ..., `block_full`)."""
    if item.reasons:
        codes = {str(cls.default_message): code for code, cls in FAIRNESS_ERRORS.items()}
        message = item.reasons[0]
        return codes.get(message, errors.NotEligible.code), message
    if item.full:
        return errors.BlockFull.code, str(errors.BlockFull.default_message)
    return None


def blocks_for_business(business, *, program_id=None, start=None, end=None, status=None):
    """The business's blocks, soonest first, with their program, every claim (with its peer)
    and the number of peers waiting (`waitlist_count`): three queries for any page.
    `start` and `end` are local days, both included."""
    tz = business.tzinfo
    qs = Block.objects.filter(business=business)
    if program_id is not None:
        qs = qs.filter(program_id=program_id)
    if start is not None:
        qs = qs.filter(starts_at__gte=datetime(start.year, start.month, start.day, tzinfo=tz))
    if end is not None:
        after = end + timedelta(days=1)
        qs = qs.filter(starts_at__lt=datetime(after.year, after.month, after.day, tzinfo=tz))
    if status:
        qs = qs.filter(status=status)
    return (
        qs.select_related("program")
        .prefetch_related(
            "required_skills",
            Prefetch(
                "claims",
                queryset=Claim.objects.select_related("peer").order_by("claimed_at", "pk"),
                to_attr="all_claims",
            ),
        )
        .annotate(
            waitlist_count=Count("waitlist", filter=Q(waitlist__status=WaitlistStatus.WAITING))
        )
        .order_by("starts_at", "pk")
    )


def waitlist_of(block):
    """The peers waiting for `block`, first come first served."""
    return list(
        WaitlistEntry.objects.filter(
            business_id=block.business_id, block=block, status=WaitlistStatus.WAITING
        )
        .select_related("peer")
        .order_by("created_at", "pk")
    )


def templates_for_business(business, *, program_id=None):
    qs = BlockTemplate.objects.filter(business=business)
    if program_id is not None:
        qs = qs.filter(program_id=program_id)
    return (
        qs.select_related("program")
        .prefetch_related("required_skills")
        .annotate(block_count=Count("blocks"))
        .order_by("-created_at", "-pk")
    )


def claims_of_peer(peer, *, status=None, upcoming=False, now=None):
    """Every claim of the peer (any status), soonest block first."""
    qs = Claim.objects.filter(business_id=peer.business_id, peer=peer)
    if status:
        qs = qs.filter(status=status)
    if upcoming:
        qs = qs.filter(ends_at__gt=now or timezone.now())
    return qs.select_related("block__program").order_by("starts_at", "pk")


def swap_offers_of_peer(peer, *, direction=None, status=None):
    """Swap offers the peer made (`direction="made"`), received (`"received"`) or both,
    newest first."""
    qs = SwapOffer.objects.filter(business_id=peer.business_id)
    if direction == "made":
        qs = qs.filter(from_peer=peer)
    elif direction == "received":
        qs = qs.filter(to_peer=peer)
    else:
        qs = qs.filter(Q(from_peer=peer) | Q(to_peer=peer))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("from_peer", "to_peer", "claim__block__program").order_by(
        "-created_at", "-pk"
    )
