"""Reads of scheduling, shared by the peer's app, the console, the API and the services: the
lookups (`get_block`, `get_claim`, ... raising `NotFound`), the lists, and the blocks a peer
can claim."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.errors import NotFound
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.programs.eligibility import (
    PeerFacts,
    Requirement,
    eligible,
    needs_verifications,
    verified_kinds,
)
from peerarmy.programs.models import Program, ProgramKind, ProgramStatus

from . import errors, rules, sql
from .models import (
    Block,
    BlockStatus,
    BlockTemplate,
    Claim,
    ClaimStatus,
    FairnessLimits,
    SwapOffer,
    SwapStatus,
    WaitlistEntry,
    WaitlistStatus,
)

KM_PER_DEGREE = 111.32
# The kinds of program whose work comes in blocks (the others have their own apps).
BLOCK_PROGRAM_KINDS = (ProgramKind.DELIVERY, ProgramKind.CUSTOM)


# --- the rules' facts -------------------------------------------------------------------------


def limits_for(program) -> rules.Limits:
    """The fairness limits of `program` (its row, or the defaults)."""
    try:
        row = program.fairness_limits
    except FairnessLimits.DoesNotExist:
        row = None
    return limits_from(row)


def limits_from(row) -> rules.Limits:
    """The limits a FairnessLimits row (or its values as a dict) sets; the defaults without."""
    if row is None:
        return rules.Limits()
    if isinstance(row, dict):
        return rules.Limits(**row)
    return rules.Limits(
        max_hours_per_week=row.max_hours_per_week,
        min_rest_minutes=row.min_rest_minutes,
        max_future_blocks=row.max_future_blocks,
        forfeit_cutoff_minutes=row.forfeit_cutoff_minutes,
    )


def limits_of(program) -> FairnessLimits:
    """The program's limits row, or the defaults (unsaved) when it has none yet."""
    found = FairnessLimits.objects.filter(business_id=program.business_id, program=program).first()
    return found or FairnessLimits(business_id=program.business_id, program=program)


def held_claims(peer, *, since) -> list[rules.Held]:
    """The peer's active claims that end after `since` (one query)."""
    return [rules.Held(*row) for row in sql.held_claims(peer.business_id, peer.pk, since)]


def release_until(claim):
    """Until when the claimant may release (or offer) the claim's block."""
    minutes = limits_for(claim.block.program).forfeit_cutoff_minutes
    return claim.block.starts_at - timedelta(minutes=minutes)


# --- lookups ---------------------------------------------------------------------------------


def _found(obj):
    if obj is None:
        raise NotFound()
    return obj


def get_block(business, block_id) -> Block:
    """The business's block `block_id`, with its program and required skills; `NotFound` for
    any other id, another business's included."""
    return _found(
        Block.objects.filter(business=business, pk=block_id)
        .select_related("program", "business")
        .prefetch_related("required_skills")
        .first()
    )


def get_claim(business, claim_id) -> Claim:
    """A claim on one of the business's blocks, with its peer and block (for the staff)."""
    return _found(
        Claim.objects.filter(business=business, pk=claim_id)
        .select_related("peer", "block__program")
        .first()
    )


def get_own_claim(peer, claim_id) -> Claim:
    """One of the peer's own claims; another peer's answers like an id never used."""
    return _found(claims_of_peer(peer).filter(pk=claim_id).first())


def get_template(business, template_id) -> BlockTemplate:
    return _found(templates_for_business(business).filter(pk=template_id).first())


def series_of(block) -> BlockTemplate | None:
    """The recurring series the block was made from, if any."""
    if block.template_id is None:
        return None
    return BlockTemplate.objects.filter(business_id=block.business_id, pk=block.template_id).first()


def series_blocks_to_come(business_id, template_id, now, *, from_start=None):
    """The blocks of a series that a change to the series reaches: those still open that
    have not started (with `from_start`: starting then or later). `reached_by_series` is the
    same rule for one block."""
    qs = Block.objects.filter(
        business_id=business_id, template_id=template_id, status=BlockStatus.OPEN, starts_at__gt=now
    )
    if from_start is not None:
        qs = qs.filter(starts_at__gte=from_start)
    return qs


def reached_by_series(block, now) -> bool:
    """Does a change to its series reach `block`? (`series_blocks_to_come`'s rule.)"""
    return (
        block.template_id is not None
        and block.status == BlockStatus.OPEN
        and not rules.has_started(block.starts_at, now)
    )


def changeable_series(block, *, now=None) -> BlockTemplate | None:
    """The series of `block` when a change to the series reaches it (so that the block can be
    changed "with the following ones"), else None."""
    if not reached_by_series(block, now or timezone.now()):
        return None
    return series_of(block)


def get_swap_offer(peer, offer_id) -> SwapOffer:
    """A swap offer the peer made or received."""
    return _found(swap_offers_of_peer(peer).filter(pk=offer_id).first())


def get_waiting_entry(peer, block_id) -> WaitlistEntry:
    """The peer's place on the waitlist of `block_id`; `NotFound` if they are not waiting."""
    return _found(
        WaitlistEntry.objects.filter(
            business_id=peer.business_id,
            peer=peer,
            block_id=block_id,
            status=WaitlistStatus.WAITING,
        ).first()
    )


def get_peer_of_business(business_id, peer_id) -> Peer | None:
    """The peer `peer_id` of the business, or None."""
    if peer_id is None:
        return None
    return Peer.objects.filter(business_id=business_id, pk=peer_id).select_related("user").first()


# --- programs that schedule blocks ---------------------------------------------------------------


def block_programs(business) -> list:
    """The programs a block can belong to, for the console's forms: the business's programs,
    those that schedule blocks (delivery and custom) first, published ones before drafts."""
    programs = list(Program.objects.filter(business=business).prefetch_related("required_skills"))
    return sorted(
        programs,
        key=lambda p: (
            p.kind not in BLOCK_PROGRAM_KINDS,
            p.status != ProgramStatus.PUBLISHED,
            p.kind,
            p.title_it,
            p.pk,
        ),
    )


def default_block_program(programs):
    """The first published program that schedules blocks, for a new block's form."""
    for program in programs:
        if program.kind in BLOCK_PROGRAM_KINDS and program.status == ProgramStatus.PUBLISHED:
            return program
    return None


# --- what a peer can claim -------------------------------------------------------------------


@dataclass
class ClaimableBlock:
    """A block as one peer sees it: how far, and whether they can claim it. `problem` is the
    code of the rule the peer's own claims would break (`rules.fairness_problem`: overlap,
    rest, hours, future blocks), `reasons` that rule in words; a full block has no reason of
    its own but offers the waitlist."""

    block: Block
    distance_km: float | None
    problem: str | None = None
    waiting: bool = False

    @property
    def reasons(self) -> list[str]:
        return [str(errors.fairness_error(self.problem).message)] if self.problem else []

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
    def distance_shown(self):
        """The distance as the API shows it: km to two decimals."""
        return None if self.distance_km is None else round(self.distance_km, 2)

    @property
    def refusal_shown(self):
        """`refusal` as the API shows it: {"code", "message"} or None."""
        refusal = self.refusal
        return {"code": refusal[0], "message": refusal[1]} if refusal else None

    @property
    def explanation(self):
        """Everything the peer should read next to the block, in words."""
        return self.reasons + ([str(errors.BlockFull.default_message)] if self.full else [])

    @property
    def refusal(self):
        """Why the block cannot be claimed now, as (code, message), or None. The code is the
        one `claim_block` would refuse with (`overlaps_claimed_block`, ..., `block_full`)."""
        if self.problem:
            error = errors.fairness_error(self.problem)
            return error.code, str(error.message)
        if self.full:
            return errors.BlockFull.code, str(errors.BlockFull.default_message)
        return None


CANDIDATE_BATCH = 400


# What the list shows of a block, read with the candidates: the page's blocks are built from
# these rows, without a second query. A field left out here is read when first used.
PAGE_FIELDS = (
    "business_id",
    "program_id",
    "status",
    "ends_at",
    "released_at",
    "place_name",
    "address",
    "capacity",
    "seats_taken",
    "reward_minor",
    "reward_currency",
    "reward_points",
    "check_in_radius_m",
)
CANDIDATE_FIELDS = (
    "id",
    "starts_at",
    "latitude",
    "longitude",
    "is_remote",
    "required_languages",
    "min_reliability",
    "max_distance_km",
)
# Both, in the model's own order (what `Model.from_db` expects).
_READ = {*CANDIDATE_FIELDS, *PAGE_FIELDS}
READ_FIELDS = tuple(f.attname for f in Block._meta.concrete_fields if f.attname in _READ)
_AT = [READ_FIELDS.index(name) for name in CANDIDATE_FIELDS]


def _nearest_first_page(facts, peer, query, tz, lat, lon, limit):
    """The candidates that can make the first `limit` of the list, read soonest first in
    batches (`sql.candidate_rows`): the list is ordered by local day, so once `limit`
    candidates are found, only the rest of that day can still come before them. {pk: (day,
    distance or 0, starts_at, distance, block)}, the block holding READ_FIELDS."""
    candidates = {}
    last_day = None
    after = None
    at_id, at_starts = READ_FIELDS.index("id"), READ_FIELDS.index("starts_at")
    while True:
        # The first batch is about the page and a day more: most lists end within it.
        size = CANDIDATE_BATCH if after is not None else min(CANDIDATE_BATCH, limit + 40)
        rows = sql.candidate_rows(query, READ_FIELDS, after=after, limit=size)
        for values, skills in rows:
            pk, starts_at, blat, blon, remote, langs, min_rel, max_km = (values[i] for i in _AT)
            local_day = starts_at.astimezone(tz).date()
            if last_day is not None and local_day > last_day:
                return candidates
            asks = Requirement(
                skills=tuple((skill, skill) for skill in skills),
                languages=tuple(langs or ()),
                min_reliability=min_rel or 0,
            )
            if not eligible(facts, asks):
                continue
            place = SimpleNamespace(
                is_remote=remote, latitude=blat, longitude=blon, max_distance_km=max_km
            )
            distance = rules.distance_to(lat, lon, place)
            if rules.place_problems(place, distance, peer.travel_radius_km):
                continue
            block = Block.from_db("default", READ_FIELDS, values)
            candidates[pk] = (local_day, distance or 0.0, starts_at, distance, block)
            if last_day is None and len(candidates) >= limit:
                last_day = local_day
        if len(rows) < size:
            return candidates
        last = rows[-1][0]
        after = (last[at_starts], last[at_id])


def _requirement(program, skill_ids) -> Requirement:
    """What a program read by `sql.published_programs` asks (skills by id: no words needed)."""
    return Requirement(
        skills=tuple((skill, skill) for skill in skill_ids),
        languages=tuple(program.required_languages or ()),
        min_reliability=program.min_reliability or 0,
        verifications=tuple(program.required_verifications or ()),
    )


def claimable_blocks(
    peer, *, now=None, day=None, place=None, limit=100, without_held=False
) -> list[ClaimableBlock]:
    """The open, released, future blocks `peer` is eligible for (`programs.eligibility` on the
    program and the block; the distance within both the peer's radius and the block's limit),
    soonest day first and nearest first within a day, each with the reasons it cannot be
    claimed (full, overlap, rest, weekly hours, future blocks). `day` is a date in the
    business's time zone; `place` a text found in the place's name or address;
    `without_held` leaves out the blocks the peer already holds.

    Five statements plus one per 400 blocks read (soonest first; reading stops once the page
    is complete, the first batch is the page and a day more), prepared ones in `sql`; the
    page's blocks are built from the rows read, the rest of each block left deferred.
    """
    now = now or timezone.now()
    business = peer.business
    tz = business.tzinfo
    if peer.status != PeerStatus.ACTIVE:
        return []
    skill_ids, languages = sql.peer_skills_and_languages(business.pk, peer.pk)
    programs = sql.published_programs(business.pk)
    needs = needs_verifications(*(_requirement(f.program, f.skill_ids) for f in programs))
    facts = PeerFacts(
        active=True,
        skill_ids=skill_ids,
        languages=languages,
        reliability=peer.reliability,
        # read only when a program asks for a verification: most never do
        verified=verified_kinds([peer.pk]).get(peer.pk, frozenset()) if needs else frozenset(),
    )
    published = {
        found.program.pk: found
        for found in programs
        if eligible(facts, _requirement(found.program, found.skill_ids))
    }
    if not published:
        return []
    programs = {pk: found.program for pk, found in published.items()}
    limits = {pk: limits_from(found.limits) for pk, found in published.items()}

    day_range = None
    if day is not None:
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        day_range = (start, start + timedelta(days=1))
    lat = lon = box = None
    if peer.latitude is not None and peer.longitude is not None:
        # A bounding box around the peer's radius lets the index-less coordinates be cut
        # down by the database before the exact distance is computed here.
        lat, lon = float(peer.latitude), float(peer.longitude)
        dlat = peer.travel_radius_km / KM_PER_DEGREE
        dlon = peer.travel_radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
        box = (lat - dlat, lat + dlat, lon - dlon, lon + dlon)
    query = sql.CandidateQuery(
        business_id=business.pk,
        peer_id=peer.pk,
        program_ids=tuple(sorted(programs)),
        now=now,
        day=day_range,
        place=place,
        # "Remote" (in the reader's language) finds the remote blocks too
        place_remote=bool(place) and place.lower() in str(_("Remote")).lower(),
        box=box,
        without_held=without_held,
    )
    candidates = _nearest_first_page(facts, peer, query, tz, lat, lon, limit)
    ordered = sorted(candidates, key=lambda pk: candidates[pk][:3])[:limit]
    if not ordered:
        return []

    held = held_claims(peer, since=rules.held_since(now, tz))
    waiting = sql.waiting_block_ids(business.pk, peer.pk)
    result = []
    for pk in ordered:
        block = candidates[pk][4]
        block.program = programs[block.program_id]
        problem = rules.fairness_problem(
            block_id=pk,
            starts_at=block.starts_at,
            ends_at=block.ends_at,
            held=held,
            limits=limits[block.program_id],
            now=now,
            tz=tz,
        )
        result.append(
            ClaimableBlock(
                block=block, distance_km=candidates[pk][3], problem=problem, waiting=pk in waiting
            )
        )
    return result


def claimable_for_peer(peer, *, day=None, place=None, limit=100, now=None):
    """The blocks the peer can claim that they do not hold yet, narrowed to a local `day`
    and a `place`: the list of the peer's app and of the API."""
    place = (place or "").strip() or None
    return claimable_blocks(peer, now=now, day=day, place=place, limit=limit, without_held=True)


# --- the console's schedule ------------------------------------------------------------------


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


def claims_on_block(block):
    """Every claim on the block (any status), oldest first, with its peer."""
    return list(
        Claim.objects.filter(business_id=block.business_id, block=block)
        .select_related("peer")
        .order_by("claimed_at", "pk")
    )


def waitlist_history(block):
    """Every waitlist entry of the block (any status), first come first."""
    return list(
        WaitlistEntry.objects.filter(business_id=block.business_id, block=block)
        .select_related("peer")
        .order_by("created_at", "pk")
    )


def series_block_count(template) -> int:
    """How many blocks were made from the series (any status)."""
    return Block.objects.filter(business_id=template.business_id, template_id=template.pk).count()


def series_upcoming_count(template, *, now=None) -> int:
    """How many open blocks of the series have not started yet."""
    return series_blocks_to_come(template.business_id, template.pk, now or timezone.now()).count()


@dataclass
class BlockPage:
    """What the console's page of one block shows: every claim with its peer, the waitlist's
    history, the names of the skills it asks for, its series, and what staff may do now (the
    services' own rules: mark completions and no-shows once it has started, cancel it until
    it is over)."""

    block: Block
    claims: list
    waitlist: list
    skills: list[str]
    series: BlockTemplate | None
    series_upcoming: int
    started: bool
    can_cancel: bool


def block_page(block, *, now=None) -> BlockPage:
    """The console's page of `block` (one of `get_block`'s)."""
    now = now or timezone.now()
    series = series_of(block)
    return BlockPage(
        block=block,
        claims=claims_on_block(block),
        waitlist=waitlist_history(block),
        skills=block.skill_names,
        series=series,
        series_upcoming=series_upcoming_count(series, now=now) if series else 0,
        started=rules.has_started(block.starts_at, now),
        can_cancel=block.status == BlockStatus.OPEN and not rules.is_over(block.ends_at, now),
    )


# --- the peer's own lists --------------------------------------------------------------------


def completed_count(peer) -> int:
    """How many blocks the peer completed (their public page shows it)."""
    return Claim.objects.filter(
        business_id=peer.business_id, peer=peer, status=ClaimStatus.COMPLETED
    ).count()


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


def waitlist_entries_of_peer(peer, *, status=None):
    """Every waitlist entry of the peer, newest first."""
    qs = WaitlistEntry.objects.filter(business_id=peer.business_id, peer=peer)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("block__program").order_by("-created_at", "-pk")


def swap_offers_received(peer, *, now=None):
    """Pending swap offers made to the peer that can still be accepted, soonest block first."""
    now = now or timezone.now()
    return list(
        SwapOffer.objects.filter(
            SwapOffer.status_is(SwapStatus.PENDING, now),
            business_id=peer.business_id,
            to_peer=peer,
        )
        .select_related("from_peer", "claim__block__program")
        .order_by("claim__starts_at", "pk")
    )


def swap_offers_made(peer, *, now=None):
    """Pending swap offers the peer made, still open."""
    now = now or timezone.now()
    return list(
        SwapOffer.objects.filter(
            SwapOffer.status_is(SwapStatus.PENDING, now),
            business_id=peer.business_id,
            from_peer=peer,
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


def claims_of_peer(peer, *, status=None, upcoming=False, now=None):
    """Every claim of the peer (any status), soonest block first, with the block, its program
    and the program's limits."""
    qs = Claim.objects.filter(business_id=peer.business_id, peer=peer)
    if status:
        qs = qs.filter(status=status)
    if upcoming:
        qs = qs.filter(ends_at__gt=now or timezone.now())
    return qs.select_related("block__program__fairness_limits").order_by("starts_at", "pk")


def swap_offers_of_peer(peer, *, direction=None, status=None, now=None):
    """Swap offers the peer made (`direction="made"`), received (`"received"`) or both,
    newest first, narrowed to a `status` as `SwapOffer.status_at` tells it (a pending offer
    whose time has passed counts as expired)."""
    qs = SwapOffer.objects.filter(business_id=peer.business_id)
    if direction == "made":
        qs = qs.filter(from_peer=peer)
    elif direction == "received":
        qs = qs.filter(to_peer=peer)
    else:
        qs = qs.filter(Q(from_peer=peer) | Q(to_peer=peer))
    if status:
        qs = qs.filter(SwapOffer.status_is(status, now or timezone.now()))
    return qs.select_related("from_peer", "to_peer", "claim__block__program").order_by(
        "-created_at", "-pk"
    )


# --- reads for the API -----------------------------------------------------------------------


def blocks_for_business(
    business, *, program_id=None, template_id=None, start=None, end=None, status=None, ids=None
):
    """The business's blocks, soonest first, with their program, every claim (with its peer)
    and the number of peers waiting (`waitlist_count`): three queries for any page.
    `start` and `end` are local days, both included; `ids` narrows to those blocks."""
    tz = business.tzinfo
    qs = Block.objects.filter(business=business)
    if program_id is not None:
        qs = qs.filter(program_id=program_id)
    if template_id is not None:
        qs = qs.filter(template_id=template_id)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
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


def get_block_for_api(business, block_id) -> Block:
    """The block as the API shows it, with its fill (see `blocks_for_business`) and the
    peers waiting for it, first come first served (`waiting`)."""
    return _found(
        blocks_for_business(business, ids=[block_id])
        .prefetch_related(
            Prefetch(
                "waitlist",
                queryset=WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING)
                .select_related("peer")
                .order_by("created_at", "pk"),
                to_attr="waiting",
            )
        )
        .first()
    )


def with_fill(blocks, *, new=False) -> list:
    """`blocks` (of one business) with what the API shows of them, for the services that
    have just changed them: every claim, oldest first, with its peer (`all_claims`), the peers
    waiting, first come first served (`waiting`), their number (`waitlist_count`) and the
    required skills (prefetched). Blocks made just now (`new`) have no claim and nobody
    waiting: no query; otherwise two or three queries for any number of blocks."""
    blocks = list(blocks)
    if new or not blocks:
        for block in blocks:
            block.all_claims, block.waiting, block.waitlist_count = [], [], 0
        return blocks
    business_id, ids = blocks[0].business_id, [b.pk for b in blocks]
    claims, waiting = {}, {}
    for claim in (
        Claim.objects.filter(business_id=business_id, block_id__in=ids)
        .select_related("peer")
        .order_by("claimed_at", "pk")
    ):
        claims.setdefault(claim.block_id, []).append(claim)
    for entry in (
        WaitlistEntry.objects.filter(
            business_id=business_id, block_id__in=ids, status=WaitlistStatus.WAITING
        )
        .select_related("peer")
        .order_by("created_at", "pk")
    ):
        waiting.setdefault(entry.block_id, []).append(entry)
    unread = [
        b for b in blocks if "required_skills" not in getattr(b, "_prefetched_objects_cache", {})
    ]
    prefetch_related_objects(unread, "required_skills")
    for block in blocks:
        block.all_claims = claims.get(block.pk, [])
        block.waiting = waiting.get(block.pk, [])
        block.waitlist_count = len(block.waiting)
    return blocks


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


# --- reads for the command line -----------------------------------------------------------


def _storable(text):
    # What a shell hands over may hold lone surrogates, which no row can: it names nothing.
    try:
        (text or "").encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def peer_by_email(business, email):
    """The business's peer whose account has this e-mail address, or None."""
    if not _storable(email):
        return None
    return (
        Peer.objects.filter(business=business, user__email__iexact=(email or "").strip())
        .select_related("user", "business")
        .first()
    )


# --- the console's "today" -------------------------------------------------------------------


def unfilled_soon(business, *, now=None, hours=48, limit=5):
    """(how many, the first `limit`) open blocks that start within `hours` with a seat still
    free, soonest first, with their program."""
    from django.db.models import F

    now = now or timezone.now()
    found = Block.objects.filter(
        business=business,
        status=BlockStatus.OPEN,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(hours=hours),
        seats_taken__lt=F("capacity"),
    )
    return found.count(), list(found.select_related("program").order_by("starts_at", "pk")[:limit])


def has_blocks(business) -> bool:
    return Block.objects.filter(business=business).exists()


# --- a peer's impact (analytics.impact) ---------------------------------------------------------


def completed_claim_spans(peer, *, since=None, until=None) -> list[tuple]:
    """(starts at, ends at, program kind) of each block the peer completed that started in
    [since, until) (either end open when None), oldest first: the hours they gave and the
    deliveries they made."""
    rows = Claim.objects.filter(
        business_id=peer.business_id, peer=peer, status=ClaimStatus.COMPLETED
    )
    if since is not None:
        rows = rows.filter(starts_at__gte=since)
    if until is not None:
        rows = rows.filter(starts_at__lt=until)
    return list(
        rows.order_by("starts_at", "pk").values_list("starts_at", "ends_at", "block__program__kind")
    )
