"""Every change to blocks, claims and waitlists: create, claim, release, promote, check in.

Each service takes a typed input (`inputs.py`) where the change has fields, checks who acts,
and returns an `Outcome` that says what it did.

Who may take a seat is decided in Python only: the block's state (cancelled, started, not
released yet), `peerarmy.programs.eligibility` (skills, languages, reliability, an open
program), the distance (scheduling's own rule, `rules.place_problems`) and the fairness limits
(`rules.fairness_problem`). The database guarantees what a rule checked before a write cannot
(docs/scheduling.md tells the whole story):

- **No overbooking.** A seat is taken by one conditional UPDATE
  (`seats_taken = seats_taken + 1 WHERE seats_taken < capacity AND status = 'open'`); the row
  lock that UPDATE takes makes racing claimers queue, and each re-checks the condition. A check
  constraint (`0 <= seats_taken <= capacity`) backs it.
- **No overlapping claims for one peer.** Every claim locks the peer's row first
  (`SELECT ... FOR UPDATE` on PostgreSQL; on SQLite the IMMEDIATE transaction takes the
  database's write lock at BEGIN), so two claims by one peer run one after the other and the
  second sees the first. On PostgreSQL an exclusion constraint refuses overlapping active
  claims of one peer as a last line of defence.
- **Idempotent claims.** (peer, idempotency_key) is unique; a retry gets the first claim back.
- **Release and waitlist promotion** free and re-take the seat in one transaction.

Lock order, to keep PostgreSQL free of deadlocks: claim rows, then peer rows (by id), then the
block row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from peerarmy import events
from peerarmy.errors import IdempotencyKeyReused, InvalidTransition, NotFound, PermissionDenied
from peerarmy.inputs import FieldErrors, Outcome
from peerarmy.notifications.services import enqueue_deferred, enqueue_email
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.peers.selectors import skills_by_slug
from peerarmy.programs.eligibility import (
    PeerFacts,
    Requirement,
    eligible,
    reasons,
    verified_kinds,
)
from peerarmy.programs.models import Program, ProgramStatus
from peerarmy.programs.selectors import get_program
from peerarmy.tenancy.services import check_can_manage

from . import errors, ical, messages, rules, selectors, sql
from .inputs import (
    BlockInput,
    CancelBlockInput,
    ClaimKeyInput,
    NewBlockInput,
    PositionInput,
    SeriesInput,
    StaffReleaseInput,
)
from .models import (
    Block,
    BlockStatus,
    BlockTemplate,
    Claim,
    ClaimStatus,
    FairnessLimits,
    ReliabilityEvent,
    ReliabilityEventKind,
    ScheduleEvent,
    WaitlistEntry,
    WaitlistStatus,
)

LATE_RELEASE = timedelta(hours=24)
EXCLUSION_CONSTRAINT = "claim_no_overlap"  # PostgreSQL only, see migrations
ONE_ACTIVE_PER_BLOCK = "claim_one_active_per_block"


# --- who acts ---------------------------------------------------------------------------------


def check_active(peer):
    """Only an active peer acts on blocks, claims, waitlists and swaps (a peer token of anyone
    else is refused earlier, by the API's authentication; this is the rule). Claiming, joining
    a waitlist and accepting a swap say so through eligibility, with the reason in words."""
    if peer.status != PeerStatus.ACTIVE:
        raise PermissionDenied(_("Your membership of this army is not active."))


# --- who may take a seat ----------------------------------------------------------------------


def distance_reasons(block, distance, travel_radius_km) -> list[str]:
    """What keeps a peer from the block's place, in words (`rules.place_problems`)."""
    found = []
    for problem in rules.place_problems(block, distance, travel_radius_km):
        if problem == "no_home_area":
            found.append(
                _("Only for peers within %(max)d km; add your home area to your profile.")
                % {"max": block.max_distance_km}
            )
        elif problem == "beyond_radius":
            found.append(
                _("It is %(distance)s km away, beyond your travel radius of %(radius)d km.")
                % {"distance": number_format(distance, decimal_pos=1), "radius": travel_radius_km}
            )
        else:
            found.append(
                _("Only for peers within %(max)d km; you are %(distance)s km away.")
                % {"max": block.max_distance_km, "distance": number_format(distance, decimal_pos=1)}
            )
    return found


def _local_text(moment, business):
    from django.utils.formats import date_format

    return date_format(timezone.localtime(moment, business.tzinfo), "DATETIME_FORMAT")


@dataclass
class _Taker:
    """A peer as the rules see them: eligibility's facts and where they live."""

    facts: PeerFacts
    latitude: object
    longitude: object
    travel_radius_km: int


def _judge(taker, block, requirements, held, limits, now, *, named_requirements=None):
    """Raise the error that stops the peer from taking a seat on `block` now, if any: the
    block's state, then eligibility and the distance, then the fairness limits.

    `requirements` are what the program and the block ask (their skills as ids);
    `named_requirements()` gives the same with the skills' names, for the reasons in words."""
    if block.status == BlockStatus.CANCELLED:
        raise errors.BlockCancelled()
    if rules.has_started(block.starts_at, now):
        raise errors.BlockStarted()
    if block.released_at > now:
        raise errors.NotReleasedYet(
            _("This block can be claimed from %(when)s.")
            % {"when": _local_text(block.released_at, block.business)}
        )
    distance = rules.distance_to(taker.latitude, taker.longitude, block)
    too_far = distance_reasons(block, distance, taker.travel_radius_km)
    if too_far or not eligible(taker.facts, *requirements):
        named = named_requirements() if named_requirements else requirements
        raise errors.NotEligible(reasons=reasons(taker.facts, *named) + too_far)
    problem = rules.fairness_problem(
        block_id=block.pk,
        starts_at=block.starts_at,
        ends_at=block.ends_at,
        held=held,
        limits=limits,
        now=now,
        tz=block.business.tzinfo,
    )
    if problem:
        raise errors.fairness_error(problem)


def _check_can_take(peer, block, now):
    """Raise the error that stops `peer` (the row locked in this transaction) from taking a
    seat on `block` (a fresh read) now, if any: the ORM path of promotions, waitlists and
    swaps."""
    requirements = (Requirement.of_program(block.program), Requirement.of(block))
    taker = _Taker(PeerFacts.of(peer), peer.latitude, peer.longitude, peer.travel_radius_km)
    held = selectors.held_claims(peer, since=rules.held_since(now, block.business.tzinfo))
    _judge(taker, block, requirements, held, selectors.limits_for(block.program), now)


def _fresh_block(business_id, block_id, *, lock=False):
    qs = Block.objects.select_related("business", "program", "program__fairness_limits")
    if lock:
        qs = qs.select_for_update(of=("self",))
    block = qs.filter(business_id=business_id, pk=block_id).first()
    if block is None:
        raise NotFound()
    return block


def _locked_peer(peer_id):
    return Peer.objects.select_for_update(of=("self",)).select_related("user").get(pk=peer_id)


def _claim_values(peer, block, now, *, idempotency_key=None, promoted=False):
    return {
        "business_id": block.business_id,
        "block_id": block.pk,
        "peer_id": peer.pk,
        "status": ClaimStatus.ACTIVE.value,
        "starts_at": block.starts_at,
        "ends_at": block.ends_at,
        "claimed_at": now,
        "released_late": False,
        "idempotency_key": idempotency_key,
        "promoted_from_waitlist": promoted,
    }


def _as_saved(claim, block, peer) -> Claim:
    claim._state.adding, claim._state.db = False, "default"
    claim.block, claim.peer = block, peer
    return claim


def _claim_object(claim_id, block, peer, now, key) -> Claim:
    """The claim `take_seat_and_claim` wrote, as a model instance with its block and peer."""
    values = _claim_values(peer, block, now, idempotency_key=key)
    return _as_saved(Claim(pk=claim_id, **values), block, peer)


def _create_claim(peer, block, now, *, idempotency_key=None, promoted=False):
    values = _claim_values(peer, block, now, idempotency_key=idempotency_key, promoted=promoted)
    return _as_saved(Claim(pk=sql.insert_claim(values), **values), block, peer)


# --- claiming --------------------------------------------------------------------------------


def claim_block(peer, block_id, *, idempotency_key=None, now=None) -> Outcome[Claim]:
    """Claim a seat on the block `block_id` of the peer's business, or raise the reason it
    cannot be done (`NotFound` for a block that is not one of the business's).

    With an `idempotency_key` (`ClaimKeyInput`: up to 100 characters, or `InvalidInput`), a
    retry (even a concurrent one) gets back the claim the first call made: the Outcome says
    `replayed`; a new claim is `created`. The same key used earlier for another block is
    refused (`IdempotencyKeyReused`). The claim carries its block, the block's program and
    that program's limits.
    """
    now = now or timezone.now()
    key = ClaimKeyInput.key_of(idempotency_key)
    if sql.seems_full(peer.business_id, peer.pk, block_id, key):
        # When a block opens, many peers tap at once and most find it full: they are told
        # so by one read, without a transaction. (The seat itself is guarded by take_seat.)
        raise errors.BlockFull()
    try:
        with transaction.atomic():
            return _claim(peer, block_id, key, now)
    except IntegrityError as exc:
        if key:
            existing = _claim_by_key(peer, key)
            if existing is not None:
                return _replayed(existing, block_id)
        if EXCLUSION_CONSTRAINT in str(exc):
            raise errors.OverlapsClaimedBlock() from exc
        if ONE_ACTIVE_PER_BLOCK in str(exc):
            raise errors.AlreadyClaimed() from exc
        raise


def _claim_by_key(peer, key):
    return (
        Claim.objects.filter(business_id=peer.business_id, peer_id=peer.pk, idempotency_key=key)
        .select_related("block__business", "block__program__fairness_limits")
        .first()
    )


def _replayed(claim, block_id) -> Outcome[Claim]:
    """The claim an earlier call made under the same key, if it was for this block."""
    if claim.block_id != block_id:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was already used to claim another block.")
        )
    return Outcome(claim, replayed=True)


def _claim(peer, block_id, key, now) -> Outcome[Claim]:
    """A new claim: lock the peer's row and read everything it is judged on (one SELECT),
    judge, take the seat and insert the claim (a conditional UPDATE feeding an INSERT, one
    statement on PostgreSQL), and write the confirmation e-mail to the outbox through the
    notifications app (the delivery renders it); then commit."""
    facts = sql.claim_facts(peer.business_id, peer.pk, block_id, key, now - rules.HELD_LOOKBACK)
    if facts is None:
        raise NotFound()
    if facts.key_claim_id is not None:
        # A retry that queued behind the first call on the peer's row sees its claim now.
        return _replayed(_claim_by_key(peer, key), block_id)
    block = facts.block
    if block.status == BlockStatus.OPEN and block.seats_taken >= block.capacity:
        raise errors.BlockFull()  # a fast answer; the guarantee is take_seat's UPDATE
    program = block.program
    limits = facts.limits
    Program.fairness_limits.related.set_cached_value(
        program, FairnessLimits(program=program, **limits) if limits else None
    )
    values = facts.peer
    verifications = tuple(program.required_verifications or ())
    taker = _Taker(
        PeerFacts(
            active=values["status"] == PeerStatus.ACTIVE,
            skill_ids=facts.peer_skill_ids,
            languages=facts.peer_languages,
            reliability=values["reliability"],
            # read only when the program asks for a verification: most never do
            verified=verified_kinds([peer.pk]).get(peer.pk, frozenset())
            if verifications
            else frozenset(),
        ),
        values["latitude"],
        values["longitude"],
        values["travel_radius_km"],
    )
    requirements = (
        Requirement(
            skills=tuple((i, i) for i in facts.program_skill_ids),
            languages=tuple(program.required_languages or ()),
            min_reliability=program.min_reliability or 0,
            is_open=program.status == ProgramStatus.PUBLISHED,
            verifications=verifications,
        ),
        Requirement(
            skills=tuple((i, i) for i in facts.block_skill_ids),
            languages=tuple(block.required_languages or ()),
            min_reliability=block.min_reliability or 0,
        ),
    )

    def named():
        return (Requirement.of_program(program), Requirement.of(block))

    held = [rules.Held(*h) for h in facts.held]
    rule_limits = selectors.limits_from(limits)
    _judge(taker, block, requirements, held, rule_limits, now, named_requirements=named)
    made = sql.take_seat_and_claim(block.business_id, block.pk, peer.pk, now, key)
    if made is None:
        if Block.objects.filter(
            business_id=block.business_id, pk=block.pk, status=BlockStatus.CANCELLED
        ).exists():
            raise errors.BlockCancelled()
        raise errors.BlockFull()
    claim_id, *times = made
    if tuple(times) != (block.starts_at, block.ends_at):
        # The block moved while this claim waited for its row: judge the new times (a
        # refusal rolls the seat and the claim back).
        block.starts_at, block.ends_at = times
        _judge(taker, block, requirements, held, rule_limits, now, named_requirements=named)
    block.seats_taken += 1
    claim = _claim_object(claim_id, block, peer, now, key)
    if facts.waiting:
        # A peer who was waiting for this block and got it directly is no longer waiting.
        # (Only the peer themself adds their waiting entry, and their row is locked.)
        WaitlistEntry.objects.filter(
            business_id=block.business_id,
            block_id=block.pk,
            peer_id=peer.pk,
            status=WaitlistStatus.WAITING,
        ).update(status=WaitlistStatus.LEFT, decided_at=now)
    # Confirmed at once, with the block's .ics; rendered by the delivery.
    enqueue_deferred(
        business_id=block.business_id,
        to=facts.email,
        language=facts.language or block.business.default_language,
        event="block.claimed",
        renderer=messages.CLAIM_EMAIL,
        payload={"claim_id": claim.pk, "template": "claimed"},
    )
    return Outcome(claim, created=True)


# --- releasing and the waitlist --------------------------------------------------------------


def _lock_waiting_peers(block_id):
    """Lock the rows of everyone waiting for the block, before the block row (lock order)."""
    ids = list(
        WaitlistEntry.objects.filter(block_id=block_id, status=WaitlistStatus.WAITING)
        .order_by("peer_id")
        .values_list("peer_id", flat=True)
    )
    if not ids:
        return {}
    return {
        p.pk: p
        for p in Peer.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk__in=ids)
        .order_by("pk")
    }


def _promote_from_waitlist(block, peers, now):
    """Give free seats to waiting peers, first come first served, skipping the ineligible.

    Runs inside the transaction that freed the seat; `peers` are the locked waiting peers."""
    promoted = []
    if block.status != BlockStatus.OPEN or block.starts_at <= now:
        return promoted
    entries = list(
        WaitlistEntry.objects.select_for_update(of=("self",))
        .filter(block_id=block.pk, status=WaitlistStatus.WAITING)
        .order_by("created_at", "pk")
    )
    for entry in entries:
        if block.seats_taken >= block.capacity:
            break
        peer = peers.get(entry.peer_id) or _locked_peer(entry.peer_id)
        try:
            _check_can_take(peer, block, now)
        except errors.SchedulingError:
            entry.status = WaitlistStatus.SKIPPED
            entry.decided_at = now
            entry.save(update_fields=["status", "decided_at"])
            continue
        if not sql.take_seat(block.business_id, block.pk):
            break
        block.seats_taken += 1
        claim = _create_claim(peer, block, now, promoted=True)
        entry.status = WaitlistStatus.PROMOTED
        entry.decided_at = now
        entry.claim = claim
        entry.save(update_fields=["status", "decided_at", "claim"])
        _email(peer, block, "promoted", "block.promoted", {"claim": claim}, with_ics=claim)
        promoted.append(claim)
    return promoted


def _email(peer, block, template, event, extra=None, *, with_ics=None):
    """`with_ics`: a claim whose block is attached as an iCalendar file."""
    business = block.business
    attachments = [ical.claim_attachment(with_ics)] if with_ics is not None else None
    with timezone.override(business.tzinfo):
        enqueue_email(
            attachments=attachments,
            business=business,
            to=peer.user.email,
            language=peer.user.language or business.default_language,
            template=f"scheduling/email/{template}",
            event=event,
            context=messages.block_email_context(peer, block, extra),
        )


def _locked_claim(business_id, claim_id):
    claim = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("peer__user", "block__business", "block__program__fairness_limits")
        .filter(business_id=business_id, pk=claim_id)
        .first()
    )
    if claim is None:
        raise NotFound()
    return claim


def _record_reliability_event(business, claim, kind, block_id, now):
    """A late release or a no-show, kept for the peer's reliability and published as
    `peer.reliability_event` (the trust app recomputes the peer's score after the commit)."""
    found = ReliabilityEvent.objects.create(
        business_id=claim.business_id,
        peer_id=claim.peer_id,
        kind=kind,
        block_id=block_id,
        claim=claim,
        created_at=now,
    )
    events.publish(
        business,
        "peer.reliability_event",
        key=f"reliability-event:{found.pk}",
        payload={"peer_id": claim.peer_id, "kind": str(kind), "claim_id": claim.pk},
    )
    return found


def _release(claim, now, *, excused):
    """Free the claim's seat and offer it to the waitlist, in the caller's transaction."""
    block = claim.block
    waiting_peers = _lock_waiting_peers(block.pk)
    block = _fresh_block(block.business_id, block.pk, lock=True)
    claim.status = ClaimStatus.RELEASED
    claim.released_at = now
    claim.released_late = block.starts_at - now < LATE_RELEASE
    claim.save(update_fields=["status", "released_at", "released_late"])
    if claim.released_late and not excused:
        _record_reliability_event(
            block.business, claim, ReliabilityEventKind.LATE_RELEASE, block.pk, now
        )
    Block.objects.filter(business_id=block.business_id, pk=block.pk).update(
        seats_taken=F("seats_taken") - 1
    )
    block.seats_taken -= 1
    _promote_from_waitlist(block, waiting_peers, now)
    claim.block = block
    return Outcome(claim)


@transaction.atomic
def release_claim(peer, claim, *, now=None) -> Outcome[Claim]:
    """The claimant gives their seat back, up to the program's forfeit cutoff before the
    start; the seat goes to the first eligible waitlisted peer in the same transaction."""
    check_active(peer)
    now = now or timezone.now()
    claim = _locked_claim(peer.business_id, claim.pk)
    if claim.peer_id != peer.pk:
        raise PermissionDenied()
    if claim.status != ClaimStatus.ACTIVE:
        raise InvalidTransition(_("This claim is no longer active."))
    cutoff = timedelta(minutes=selectors.limits_for(claim.block.program).forfeit_cutoff_minutes)
    if now > claim.block.starts_at - cutoff:
        raise errors.PastForfeitCutoff()
    return _release(claim, now, excused=False)


@transaction.atomic
def staff_release_claim(
    business, actor, claim, data: StaffReleaseInput | None = None, *, now=None
) -> Outcome[Claim]:
    """Staff free a claimed seat at any time, even past the peers' cutoff; `excused` spares
    the peer the reliability event of a late release."""
    check_can_manage(actor, business)
    now = now or timezone.now()
    data = data or StaffReleaseInput()
    claim = _locked_claim(business.pk, claim.pk)
    if claim.status != ClaimStatus.ACTIVE:
        raise InvalidTransition(_("This claim is no longer active."))
    return _release(claim, now, excused=data.excused)


@transaction.atomic
def release_for_suspension(business, claim, *, now=None) -> Outcome[Claim]:
    """A suspended peer's claim on a block not yet started is freed for the waitlist, with no
    late-release mark (the suspension is the business's act). Called on `peer.suspended`
    (see `reviews.release_claims_of_suspended`), inside the suspension's transaction."""
    now = now or timezone.now()
    claim = _locked_claim(business.pk, claim.pk)
    if claim.status != ClaimStatus.ACTIVE:
        return Outcome(claim, replayed=True)
    return _release(claim, now, excused=True)


def join_waitlist(peer, block_id, *, now=None) -> Outcome[WaitlistEntry]:
    """Wait for a seat on a full block the peer could otherwise claim."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            peer = _locked_peer(peer.pk)
            block = _fresh_block(peer.business_id, block_id)
            _check_can_take(peer, block, now)
            if not block.is_full:
                raise errors.NotFull()
            if WaitlistEntry.objects.filter(
                business_id=block.business_id,
                block_id=block.pk,
                peer_id=peer.pk,
                status=WaitlistStatus.WAITING,
            ).exists():
                raise errors.AlreadyWaiting()
            entry = WaitlistEntry.objects.create(
                business_id=block.business_id, block=block, peer=peer, created_at=now
            )
            return Outcome(entry, created=True)
    except IntegrityError as exc:
        raise errors.AlreadyWaiting() from exc


@transaction.atomic
def leave_waitlist(peer, block_id, *, now=None) -> Outcome[WaitlistEntry]:
    """The peer stops waiting for the block; `NotFound` if they were not waiting."""
    check_active(peer)
    entry = selectors.get_waiting_entry(peer, block_id)
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != WaitlistStatus.WAITING:
        raise InvalidTransition(_("You are no longer on this waitlist."))
    entry.status = WaitlistStatus.LEFT
    entry.decided_at = now or timezone.now()
    entry.save(update_fields=["status", "decided_at"])
    return Outcome(entry)


# --- the business's side: blocks -------------------------------------------------------------


def _skills(business, slugs, errors_found: FieldErrors, field="required_skills"):
    """The business's skills named by `slugs`; an unknown one is added to `errors_found`."""
    found = skills_by_slug(business, slugs)
    unknown = [s for s in slugs if s not in found]
    if unknown:
        errors_found.add(field, _("Unknown skill: %(skills)s.") % {"skills": ", ".join(unknown)})
    return [found[s] for s in slugs if s in found]


def _set_fields(obj, data):
    """The shared block fields of `data` on a block or a template."""
    for name, value in data.place.items():
        setattr(obj, name, value)
    for name in (
        "capacity",
        "reward_minor",
        "reward_currency",
        "reward_points",
        "required_languages",
        "min_reliability",
        "max_distance_km",
        "check_in_radius_m",
    ):
        setattr(obj, name, getattr(data, name))


@transaction.atomic
def create_block(business, actor, data: NewBlockInput, *, now=None) -> Outcome[Block]:
    """A new block of one of the business's programs (`NotFound` for another), with its fill
    (`selectors.with_fill`: nobody holds or waits for it yet)."""
    check_can_manage(actor, business)
    now = now or timezone.now()
    program = get_program(business, data.program_id)
    found = FieldErrors()
    skills = _skills(business, data.required_skills, found)
    found.raise_if_any()
    block = Block(business=business, program=program)
    _set_fields(block, data)
    block.starts_at, block.ends_at = data.starts_at, data.ends_at
    block.released_at = data.released_at or now
    block.save()
    if skills:
        block.required_skills.set(skills)
    block.remember_skills(skills)
    return Outcome(selectors.with_fill([block], new=True)[0], created=True)


@transaction.atomic
def update_block(business, actor, block, data: BlockInput, *, now=None) -> Outcome[Block]:
    """Change a block to `data` (all of it: an API PATCH overlays the fields sent on the
    block's own input); its SEQUENCE goes up so calendars pick the change up. Raising the
    capacity gives the new seats to the waitlist at once. The block comes back with its fill
    (`selectors.with_fill`)."""
    check_can_manage(actor, business)
    now = now or timezone.now()
    waiting_peers = _lock_waiting_peers(block.pk)
    block = _fresh_block(business.pk, block.pk, lock=True)
    if block.status == BlockStatus.CANCELLED:
        raise errors.BlockCancelled()
    found = FieldErrors()
    skills = _skills(business, data.required_skills, found)
    if data.capacity < block.seats_taken:
        found.add(
            "capacity",
            _("%(taken)d peers already hold this block; the capacity cannot be lower.")
            % {"taken": block.seats_taken},
        )
    found.raise_if_any()
    times = (block.starts_at, block.ends_at)
    _set_fields(block, data)
    block.starts_at, block.ends_at = data.starts_at, data.ends_at
    if data.released_at is not None:
        block.released_at = data.released_at
    elif block.released_at > now:
        block.released_at = now  # left empty: claimable at once
    block.sequence = F("sequence") + 1
    block.save()
    block.refresh_from_db(fields=["sequence"])
    block.required_skills.set(skills)
    block.remember_skills(skills)
    if times != (block.starts_at, block.ends_at):
        try:
            with transaction.atomic():
                Claim.objects.filter(
                    business_id=business.pk, block_id=block.pk, status=ClaimStatus.ACTIVE
                ).update(starts_at=block.starts_at, ends_at=block.ends_at)
        except IntegrityError as exc:
            if EXCLUSION_CONSTRAINT not in str(exc):
                raise
            moved = FieldErrors()
            moved.add(
                "starts_at",
                _("A peer who holds this block would then hold two overlapping blocks."),
            )
            moved.raise_if_any()
    _promote_from_waitlist(block, waiting_peers, now)
    return Outcome(selectors.with_fill([block])[0])


@transaction.atomic
def cancel_block(business, actor, block, data: CancelBlockInput, *, now=None) -> Outcome[Block]:
    """Cancel a block: its claims become "cancelled" (the record reward rules use to
    compensate), the waitlist is closed and every claimant is told by e-mail. The block comes
    back with its fill (`selectors.with_fill`)."""
    check_can_manage(actor, business)
    now = now or timezone.now()
    claims = list(
        Claim.objects.select_for_update(of=("self",))
        .select_related("peer__user")
        .filter(business_id=business.pk, block_id=block.pk, status=ClaimStatus.ACTIVE)
    )
    block = _fresh_block(business.pk, block.pk, lock=True)
    if block.status == BlockStatus.CANCELLED:
        raise errors.BlockCancelled()
    if rules.is_over(block.ends_at, now):
        raise InvalidTransition(_("This block is over; mark completions or no-shows instead."))
    # Claims made between the read above and the block lock are picked up by the update.
    cancelled = Claim.objects.filter(
        business_id=business.pk, block_id=block.pk, status=ClaimStatus.ACTIVE
    ).update(status=ClaimStatus.CANCELLED, released_at=now)
    block.status = BlockStatus.CANCELLED
    block.cancelled_at = now
    block.cancellation_reason = data.reason
    block.seats_taken = max(block.seats_taken - cancelled, 0)
    block.sequence = F("sequence") + 1
    block.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancellation_reason",
            "seats_taken",
            "sequence",
            "updated_at",
        ]
    )
    block.refresh_from_db(fields=["sequence"])
    WaitlistEntry.objects.filter(
        business_id=business.pk, block_id=block.pk, status=WaitlistStatus.WAITING
    ).update(status=WaitlistStatus.LEFT, decided_at=now)
    told = {c.peer_id for c in claims}
    late = Claim.objects.filter(
        business_id=business.pk, block_id=block.pk, status=ClaimStatus.CANCELLED, released_at=now
    )
    for claim in claims + [c for c in late.select_related("peer__user") if c.peer_id not in told]:
        _email(claim.peer, block, "block_cancelled", "block.cancelled", {"reason": data.reason})
    return Outcome(selectors.with_fill([block])[0])


def _staff_claim(business, actor, claim):
    check_can_manage(actor, business)
    claim = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("block", "peer")
        .filter(business_id=business.pk, pk=claim.pk)
        .first()
    )
    if claim is None:
        raise NotFound()
    return claim


@transaction.atomic
def mark_no_show(business, actor, claim, *, now=None) -> Outcome[Claim]:
    now = now or timezone.now()
    claim = _staff_claim(business, actor, claim)
    if claim.status != ClaimStatus.ACTIVE:
        raise InvalidTransition(_("Only an active claim can be marked as a no-show."))
    if not rules.has_started(claim.block.starts_at, now):
        raise InvalidTransition(_("A no-show can be marked once the block has started."))
    claim.status = ClaimStatus.NO_SHOW
    claim.save(update_fields=["status"])
    _record_reliability_event(business, claim, ReliabilityEventKind.NO_SHOW, claim.block_id, now)
    # Too many no-shows send the peer to review at once (not to a suspension: staff decide).
    from .reviews import review_peers

    review_peers(business, now=now, peer_ids=[claim.peer_id])
    return Outcome(claim)


@transaction.atomic
def complete_claim(business, actor, claim, *, now=None) -> Outcome[Claim]:
    """Mark a claim done and record `block.completed` with the promised reward, in the same
    transaction, for the rewards capability to pay."""
    now = now or timezone.now()
    claim = _staff_claim(business, actor, claim)
    if claim.status != ClaimStatus.ACTIVE:
        raise InvalidTransition(_("Only an active claim can be completed."))
    if not rules.has_started(claim.block.starts_at, now):
        raise InvalidTransition(_("A block can be completed once it has started."))
    claim.status = ClaimStatus.COMPLETED
    claim.save(update_fields=["status"])
    block = claim.block
    payload = {
        "claim_id": claim.pk,
        "peer_id": claim.peer_id,
        "block_id": block.pk,
        "program_id": block.program_id,
        "reward_minor": block.reward_minor,
        "reward_currency": block.reward_currency,
        "reward_points": block.reward_points,
        "starts_at": block.starts_at.isoformat(),
        "ends_at": block.ends_at.isoformat(),
        "completed_at": now.isoformat(),
    }
    ScheduleEvent.objects.create(
        business=business, kind="block.completed", claim=claim, created_at=now, payload=payload
    )
    # The rewards for it are granted in this same transaction (see rewards/handlers.py).
    events.publish(business, "block.completed", key=f"block.completed:{claim.pk}", payload=payload)
    return Outcome(claim)


# --- check-in and check-out ------------------------------------------------------------------


def _own_active_claim(peer, claim, now):
    check_active(peer)
    claim = _locked_claim(peer.business_id, claim.pk)
    if claim.peer_id != peer.pk:
        raise PermissionDenied()
    if claim.status != ClaimStatus.ACTIVE:
        raise InvalidTransition(_("This claim is no longer active."))
    if not rules.check_in_open(claim.block.starts_at, claim.block.ends_at, now):
        raise errors.OutsideCheckInWindow()
    return claim


def _check_place(block, position: PositionInput):
    if not rules.needs_position(block):
        return
    if position.lat is None or position.lon is None:
        raise errors.TooFarToCheckIn(_("Share your location to check in at this place."))
    metres = rules.haversine_km(position.lat, position.lon, block.latitude, block.longitude) * 1000
    if metres > block.check_in_radius_m:
        raise errors.TooFarToCheckIn(
            _("You are %(metres)d m from the place; check-in works within %(radius)d m.")
            % {"metres": metres, "radius": block.check_in_radius_m}
        )


@transaction.atomic
def check_in(peer, claim, data: PositionInput | None = None, *, now=None) -> Outcome[Claim]:
    """Check in at a claimed block, within its window (`rules.check_in_open`) and, where the
    block has a radius, at its place. Checking in twice keeps the first time: the Outcome
    says `replayed` then."""
    now = now or timezone.now()
    claim = _own_active_claim(peer, claim, now)
    _check_place(claim.block, data or PositionInput())
    if claim.checked_in_at is not None:
        return Outcome(claim, replayed=True)
    claim.checked_in_at = now
    claim.save(update_fields=["checked_in_at"])
    return Outcome(claim)


@transaction.atomic
def check_out(peer, claim, data: PositionInput | None = None, *, now=None) -> Outcome[Claim]:
    now = now or timezone.now()
    claim = _own_active_claim(peer, claim, now)
    if claim.checked_in_at is None:
        raise InvalidTransition(_("Check in first."))
    _check_place(claim.block, data or PositionInput())
    claim.checked_out_at = now
    claim.save(update_fields=["checked_out_at"])
    return Outcome(claim)


# --- recurring blocks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """A recurring template and its blocks (those made, or those a change changed; none when
    every date was left out), soonest first. The template carries its program, its skills and
    how many blocks were made from it (`block_count`); each block its fill
    (`selectors.with_fill`)."""

    template: BlockTemplate
    blocks: list


@transaction.atomic
def create_blocks_from_template(business, actor, data: SeriesInput, *, now=None) -> Outcome[Series]:
    """Create the blocks of an RFC 5545 recurrence, e.g. `FREQ=WEEKLY;BYDAY=SA;COUNT=8`.

    The rule runs on the business's clock, so "every Saturday 10:00" stays 10:00 local across
    daylight-saving changes (and so moves by an hour in UTC); an hour the clock skips is read
    with the offset before the change. The input refuses a rule without COUNT or UNTIL, or
    one giving more than 200 blocks."""
    check_can_manage(actor, business)
    now = now or timezone.now()
    program = get_program(business, data.program_id)
    found = FieldErrors()
    skills = _skills(business, data.required_skills, found)
    found.raise_if_any()
    tz = business.tzinfo
    template = BlockTemplate(
        business=business,
        program=program,
        rrule=data.rrule,
        dtstart_local=data.start_local.isoformat(),
        timezone=business.timezone,
        duration_minutes=data.duration_minutes,
        exdates=list(data.exdates),
        created_by=actor,
    )
    _set_fields(template, data)
    template.save()
    if skills:
        template.required_skills.set(skills)
    template.remember_skills(skills)

    duration = timedelta(minutes=data.duration_minutes)
    blocks = []
    for local in data.block_starts():
        starts_at = local.replace(tzinfo=tz).astimezone(UTC)
        block = Block(business=business, program=program, template=template)
        _set_fields(block, data)
        block.starts_at, block.ends_at = starts_at, starts_at + duration
        block.released_at = (
            starts_at - timedelta(minutes=data.release_minutes_before)
            if data.release_minutes_before is not None
            else now
        )
        blocks.append(block)
    Block.objects.bulk_create(blocks)
    if skills:
        through = Block.required_skills.through
        through.objects.bulk_create(
            [through(block_id=b.pk, skill_id=s.pk) for b in blocks for s in skills]
        )
    for block in blocks:
        block.remember_skills(skills)
    template.block_count = len(blocks)
    return Outcome(Series(template, selectors.with_fill(blocks, new=True)), created=True)
