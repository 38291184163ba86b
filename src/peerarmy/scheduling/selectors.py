"""Reads of blocks shared by the peer app, the console and (later) the API."""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q
from django.utils import timezone

from peerarmy.peers.models import PeerLanguage, PeerStatus
from peerarmy.programs.models import Program, ProgramStatus

from . import errors, rules
from .models import Block, BlockStatus, Claim, ClaimStatus, WaitlistEntry, WaitlistStatus
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


def claimable_blocks(peer, *, now=None, day=None, limit=100) -> list[ClaimableBlock]:
    """The open, released, future blocks `peer` is eligible for (program and block rules,
    distance within both the peer's radius and the block's limit), soonest day first and
    nearest first within a day, each with the reasons it cannot be claimed (full, overlap,
    rest, weekly hours, future blocks). `day` is a date in the business's time zone.

    Five queries whatever the number of blocks; only the page (`limit`) is turned into
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
    has_home = peer.latitude is not None and peer.longitude is not None
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
    rows = list(
        qs.values_list(
            "pk",
            "starts_at",
            "latitude",
            "longitude",
            "is_remote",
            "required_languages",
            "min_reliability",
            "max_distance_km",
            "required_skills",
        )
    )
    # required_skills comes back as one row per skill (None for none): fold it.
    needs: dict[int, set] = {}
    candidates = {}
    for pk, starts_at, blat, blon, remote, langs, min_rel, max_km, skill in rows:
        if skill is not None:
            needs.setdefault(pk, set()).add(skill)
        if pk in candidates:
            continue
        if langs and not (set(langs) & languages):
            continue
        if min_rel and (peer.reliability or 0) < min_rel:
            continue
        distance = None
        if not remote and blat is not None and blon is not None:
            if has_home:
                distance = rules.haversine_km(lat, lon, blat, blon)
                if distance > peer.travel_radius_km or (max_km and distance > max_km):
                    continue
            elif max_km:
                continue
        candidates[pk] = (starts_at.astimezone(tz).date(), distance or 0.0, starts_at, distance)
    ordered = sorted(
        (pk for pk in candidates if not (needs.get(pk, set()) - skill_ids)),
        key=lambda pk: candidates[pk][:3],
    )[:limit]
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
    tz = business.tzinfo
    start = datetime(week_start.year, week_start.month, week_start.day, tzinfo=tz)
    end_day = week_start + timedelta(days=7)
    end = datetime(end_day.year, end_day.month, end_day.day, tzinfo=tz)
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
