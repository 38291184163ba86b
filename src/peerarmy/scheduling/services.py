"""Every change to blocks, claims and waitlists: create, claim, release, promote, check in.

Guarantees and how the database gives them (docs/scheduling.md tells the whole story):

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

import functools
import itertools
from datetime import UTC, date, datetime, timedelta

from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerarmy import db, events
from peerarmy.accounts.models import User
from peerarmy.errors import InvalidTransition, PermissionDenied, ValidationFailed
from peerarmy.notifications.services import enqueue_deferred, enqueue_email, schedule_delivery
from peerarmy.peers.models import LANGUAGE_NAMES, Peer, PeerLanguage, PeerStatus, Skill
from peerarmy.programs.models import Program, ProgramStatus
from peerarmy.tenancy.models import Business
from peerarmy.tenancy.services import check_can_manage

from . import errors, ical, messages, rrules, rules
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
CHECK_IN_MARGIN = timedelta(minutes=30)
EXCLUSION_CONSTRAINT = "claim_no_overlap"  # PostgreSQL only, see migrations

FAIRNESS_ERRORS = {
    "already_claimed": errors.AlreadyClaimed,
    "overlaps_claimed_block": errors.OverlapsClaimedBlock,
    "min_rest_violated": errors.MinRestViolated,
    "weekly_hours_exceeded": errors.WeeklyHoursExceeded,
    "too_many_future_blocks": errors.TooManyFutureBlocks,
}


# --- reading the rules -----------------------------------------------------------------------


def limits_for(program) -> rules.Limits:
    try:
        fl = program.fairness_limits
    except FairnessLimits.DoesNotExist:
        fl = None
    return limits_from(fl)


def limits_from(fl) -> rules.Limits:
    """The limits a FairnessLimits row sets, or the defaults without one."""
    if fl is None:
        return rules.Limits()
    return rules.Limits(
        max_hours_per_week=fl.max_hours_per_week,
        min_rest_minutes=fl.min_rest_minutes,
        max_future_blocks=fl.max_future_blocks,
        forfeit_cutoff_minutes=fl.forfeit_cutoff_minutes,
    )


_HELD = ("block_id", "starts_at", "ends_at")


@functools.lru_cache(maxsize=4)
def _held_sql(vendor):
    return (
        f'SELECT block_id, starts_at, ends_at FROM "{Claim._meta.db_table}" '  # noqa: S608
        f"WHERE peer_id = %s AND business_id = %s AND status = '{ClaimStatus.ACTIVE.value}' "
        "AND ends_at > %s"
    )


def held_claims(peer, *, since) -> list[rules.Held]:
    """The peer's active claims that end after `since` (one query, on the claim path)."""
    with db.hot_cursor() as cursor:
        cursor.execute(
            _held_sql(connection.vendor),
            [peer.pk, peer.business_id, connection.ops.adapt_datetimefield_value(since)],
        )
        rows = cursor.fetchall()
    return [rules.Held(*db.convert(Claim, _HELD, row)) for row in rows]


def held_since(now, tz):
    """Claims that can still matter to a new one: this ISO week's, and any later."""
    return min(rules.iso_week_bounds(now, tz)[0], now - timedelta(days=1))


def fairness_error(code):
    return FAIRNESS_ERRORS[code]()


def eligibility_reasons(
    peer, block, *, missing_skills, peer_languages, program_published=True
) -> list[str]:
    """Every reason, in words, why `peer` may not take `block` (program and block rules)."""
    reasons = []
    program = block.program
    if peer.status != PeerStatus.ACTIVE:
        reasons.append(_("Your application has not been approved yet."))
    if not program_published:
        reasons.append(_("This program is not open at the moment."))
    if missing_skills:
        reasons.append(
            ngettext(
                "Needs the skill: %(skills)s.",
                "Needs the skills: %(skills)s.",
                len(missing_skills),
            )
            % {"skills": ", ".join(s.name for s in missing_skills)}
        )
    for required in (program.required_languages, block.required_languages):
        if required and not (set(required) & peer_languages):
            names = ", ".join(str(LANGUAGE_NAMES.get(c, c)) for c in required)
            reasons.append(_("Needs one of these languages: %(languages)s.") % {"languages": names})
    minimum = max(program.min_reliability or 0, block.min_reliability or 0)
    if minimum:
        if peer.reliability is None:
            reasons.append(
                _("Needs a reliability of at least %(min)d; you do not have a track record yet.")
                % {"min": minimum}
            )
        elif peer.reliability < minimum:
            reasons.append(
                _("Needs a reliability of at least %(min)d; yours is %(score)d.")
                % {"min": minimum, "score": peer.reliability}
            )
    reasons.extend(distance_reasons(peer, block, distance_km(peer, block)))
    return reasons


def distance_km(peer, block):
    if block.is_remote or not block.has_coordinates:
        return None
    if peer.latitude is None or peer.longitude is None:
        return None
    return rules.haversine_km(peer.latitude, peer.longitude, block.latitude, block.longitude)


def distance_reasons(peer, block, distance):
    if block.is_remote or not block.has_coordinates:
        return []
    if distance is None:
        if block.max_distance_km:
            return [
                _("Only for peers within %(max)d km; add your home area to your profile.")
                % {"max": block.max_distance_km}
            ]
        return []
    reasons = []
    # "3,5 km" in Italian, "3.5 km" in English
    shown = number_format(distance, decimal_pos=1)
    if distance > peer.travel_radius_km:
        reasons.append(
            _("It is %(distance)s km away, beyond your travel radius of %(radius)d km.")
            % {"distance": shown, "radius": peer.travel_radius_km}
        )
    if block.max_distance_km and distance > block.max_distance_km:
        reasons.append(
            _("Only for peers within %(max)d km; you are %(distance)s km away.")
            % {"max": block.max_distance_km, "distance": shown}
        )
    return reasons


def _missing_skills(peer, block):
    return list(
        Skill.objects.filter(Q(blocks=block) | Q(programs=block.program_id))
        .exclude(peers=peer)
        .distinct()
    )


def _peer_languages(peer, block):
    if not (block.required_languages or block.program.required_languages):
        return set()
    return set(PeerLanguage.objects.filter(peer=peer).values_list("language", flat=True))


def _check_can_take(peer, block, now, *, missing_skills=None, limits=None):
    """Raise the error that stops `peer` from taking a seat on `block` now, if any.

    `peer` must be the row locked in this transaction, `block` a fresh read. A caller that
    already knows the block needs no skill the peer lacks passes `missing_skills=[]`, and one
    that has read the program's limits passes them: each saves a query."""
    if block.status == BlockStatus.CANCELLED:
        raise errors.BlockCancelled()
    if block.starts_at <= now:
        raise errors.BlockStarted()
    if block.released_at > now:
        raise errors.NotReleasedYet(
            _("This block can be claimed from %(when)s.")
            % {"when": _local_text(block.released_at, block.business)}
        )
    reasons = eligibility_reasons(
        peer,
        block,
        missing_skills=_missing_skills(peer, block) if missing_skills is None else missing_skills,
        peer_languages=_peer_languages(peer, block),
        program_published=block.program.status == ProgramStatus.PUBLISHED,
    )
    if reasons:
        raise errors.NotEligible(reasons=reasons)
    tz = block.business.tzinfo
    problem = rules.fairness_problem(
        block_id=block.pk,
        starts_at=block.starts_at,
        ends_at=block.ends_at,
        held=held_claims(peer, since=held_since(now, tz)),
        limits=limits if limits is not None else limits_for(block.program),
        now=now,
        tz=tz,
    )
    if problem:
        raise fairness_error(problem)


def _local_text(moment, business):
    from django.utils.formats import date_format

    return date_format(timezone.localtime(moment, business.tzinfo), "DATETIME_FORMAT")


def _fresh_block(block_id, *, lock=False):
    qs = Block.objects.select_related("business", "program", "program__fairness_limits")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=block_id)


def _locked_peer(peer_id):
    return Peer.objects.select_for_update(of=("self",)).select_related("user").get(pk=peer_id)


# --- claiming --------------------------------------------------------------------------------


_SEAT_TIMES = ("starts_at", "ends_at")


def _take_seat(block_id):
    """Take one seat and return the block's (starts_at, ends_at) as of that moment, or None
    when there is no seat: one conditional UPDATE, so racing claimers queue on the row and
    each re-checks the condition (the control test in tests/test_concurrency.py replaces this
    with a read-then-write and sees overbooking). The times come from the row the UPDATE
    wrote, so a claim that queued behind a change of the block's times sees the new ones."""
    with db.hot_cursor() as cursor:
        cursor.execute(_take_seat_sql(connection.vendor), [block_id])
        row = cursor.fetchone()
    return tuple(db.convert(Block, _SEAT_TIMES, row)) if row else None


def _create_claim(peer, block, now, *, idempotency_key=None, promoted=False):
    values = {
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
    pk = db.insert_returning_id(Claim, values)
    claim = Claim(pk=pk, **values)
    claim._state.adding, claim._state.db = False, "default"
    claim.block, claim.peer = block, peer
    return claim


def claim_block(peer, block, *, idempotency_key=None, now=None) -> Claim:
    """Claim a seat on `block` for `peer`, or raise the reason it cannot be done.

    With an `idempotency_key`, a retry (even a concurrent one) returns the claim the first
    call made, whatever block it was for. Only `block.pk` is read: the block itself is read
    with the claim, and one that is not of the peer's business raises Block.DoesNotExist.
    """
    now = now or timezone.now()
    idempotency_key = (idempotency_key or "").strip()[:100] or None
    if QUICK_CLAIM and connection.vendor == "postgresql":
        claim = _quick_claim(peer, block, idempotency_key, now)
        if claim is not None:
            return claim
        # The quick path found something to judge (or nothing to say): the rules below decide.
    if idempotency_key:
        existing = _claim_by_key(peer, idempotency_key)
        if existing is not None:
            return existing
    if _seems_full(peer, block.pk):
        # When a block opens, many peers tap at once and most find it full: they are told
        # so by one read, without a transaction. (The seat itself is guarded by _take_seat.)
        raise errors.BlockFull()
    try:
        with transaction.atomic():
            return _claim(peer, block, idempotency_key, now)
    except IntegrityError as exc:
        if idempotency_key:
            existing = _claim_by_key(peer, idempotency_key)
            if existing is not None:
                return existing
        if EXCLUSION_CONSTRAINT in str(exc):
            raise errors.OverlapsClaimedBlock() from exc
        if "claim_one_active_per_block" in str(exc):
            raise errors.AlreadyClaimed() from exc
        raise


def _claim_by_key(peer, key):
    return (
        Claim.objects.filter(business_id=peer.business_id, peer_id=peer.pk, idempotency_key=key)
        .select_related("block")
        .first()
    )


# The claim reads everything it needs in one statement that also locks the peer's row. The
# SQL is built once from the models; the rows become model instances through the ORM's own
# converters (peerarmy.db), so the rules below run on the same objects as everywhere else.
_FACTS = (
    ("p", Peer, ("id", "business_id", "user_id", "status", "reliability", "latitude",
                 "longitude", "travel_radius_km")),
    ("u", User, ("id", "email", "language")),
    ("b", Block, ("id", "business_id", "program_id", "status", "starts_at", "ends_at",
                  "released_at", "capacity", "seats_taken", "required_languages",
                  "min_reliability", "max_distance_km", "is_remote", "latitude", "longitude")),
    ("g", Program, ("id", "business_id", "status", "required_languages", "min_reliability")),
    ("z", Business, ("id", "slug", "name", "timezone", "default_language")),
    ("f", FairnessLimits, ("id", "max_hours_per_week", "min_rest_minutes", "max_future_blocks",
                           "forfeit_cutoff_minutes")),
)  # fmt: skip


@functools.lru_cache(maxsize=4)
def _facts_sql(vendor):
    columns = ", ".join(
        f'{alias}."{model._meta.get_field(name).column}"'
        for alias, model, names in _FACTS
        for name in names
    )
    t = {alias: model._meta.db_table for alias, model, _names in _FACTS}
    block_skills = Block.required_skills.through._meta.db_table
    program_skills = Program.required_skills.through._meta.db_table
    peer_skills = Peer.skills.through._meta.db_table
    waitlist = WaitlistEntry._meta.db_table
    lacks_skill = (
        f'EXISTS (SELECT 1 FROM "{block_skills}" s WHERE s.block_id = b.id '  # noqa: S608
        f'AND s.skill_id NOT IN (SELECT ps.skill_id FROM "{peer_skills}" ps '
        f"WHERE ps.peer_id = p.id)) "
        f'OR EXISTS (SELECT 1 FROM "{program_skills}" s WHERE s.program_id = b.program_id '
        f'AND s.skill_id NOT IN (SELECT ps.skill_id FROM "{peer_skills}" ps '
        f"WHERE ps.peer_id = p.id))"
    )
    waiting = (
        f'EXISTS (SELECT 1 FROM "{waitlist}" w WHERE w.block_id = b.id '  # noqa: S608
        "AND w.peer_id = p.id "
        f"AND w.status = '{WaitlistStatus.WAITING.value}')"
    )
    lock = " FOR UPDATE OF p" if vendor == "postgresql" else ""
    return (
        f"SELECT {columns}, ({lacks_skill}), ({waiting}) "  # noqa: S608 - names from models
        f'FROM "{t["p"]}" p '
        f'JOIN "{t["u"]}" u ON u.id = p.user_id '
        f'JOIN "{t["b"]}" b ON b.id = %s AND b.business_id = p.business_id '
        f'JOIN "{t["g"]}" g ON g.id = b.program_id '
        f'JOIN "{t["z"]}" z ON z.id = b.business_id '
        f'LEFT JOIN "{t["f"]}" f ON f.program_id = g.id '
        f"WHERE p.id = %s{lock}"
    )


def _claim_facts(peer_id, block_id):
    """Lock the peer's row and read the peer, the block, its program, business and limits,
    and two answers: does the block need a skill the peer lacks, is the peer on its waitlist.
    Returns (peer, block, limits, lacks_skill, waiting), or None when the block is not one
    of the peer's business."""
    with db.hot_cursor() as cursor:
        cursor.execute(_facts_sql(connection.vendor), [block_id, peer_id])
        row = cursor.fetchone()
    if row is None:
        return None
    objects, at = {}, 0
    for alias, model, names in _FACTS:
        values = row[at : at + len(names)]
        at += len(names)
        objects[alias] = db.instance(model, names, values) if values[0] is not None else None
    peer, block, program = objects["p"], objects["b"], objects["g"]
    peer.user = objects["u"]
    block.business = objects["z"]
    block.program = program
    program.business = objects["z"]
    limits = limits_from(objects["f"])
    return peer, block, limits, bool(row[at]), bool(row[at + 1])


@functools.lru_cache(maxsize=4)
def _take_seat_sql(vendor):
    table = Block._meta.db_table
    return (
        f'UPDATE "{table}" SET seats_taken = seats_taken + 1 '  # noqa: S608 - model names
        f"WHERE id = %s AND seats_taken < capacity AND status = '{BlockStatus.OPEN.value}' "
        "RETURNING starts_at, ends_at"
    )


# On PostgreSQL the common claim runs as one function call (migration 0006): the same rules,
# written to claim only when every one of them clearly passes, and to leave every other case to
# the Python path below ("check"). One round trip instead of eight; see docs/scheduling.md.
QUICK_CLAIM = True
SERIALIZATION_FAILURE = "40001"
_QUICK_SQL = (
    "SELECT code, claim_id, starts, ends, message_id FROM scheduling_quick_claim("
    "%s::bigint, %s::bigint, %s::timestamptz, %s::text, %s::int, %s::int, %s::int)"
)


def _quick_claim(peer, block, idempotency_key, now):
    """The claim made by the database function, or None when the Python rules must decide.
    Raises BlockFull, and Block.DoesNotExist for a block of another business."""
    defaults = rules.Limits()
    params = [
        peer.pk,
        block.pk,
        now,
        idempotency_key,
        defaults.max_hours_per_week,
        defaults.min_rest_minutes,
        defaults.max_future_blocks,
    ]
    try:
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint: a failure leaves the caller's usable
                row = _run_quick_claim(params)
        else:
            row = _run_quick_claim(params)
    except IntegrityError:
        # A constraint (a racing claim of the same peer): nothing was written; the Python
        # path finds out which, and says so.
        return None
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == SERIALIZATION_FAILURE:
            return None  # the block moved while the call waited for it: Python judges anew
        raise
    code, claim_id, starts_at, ends_at, message_id = row
    if code == "block_full":
        raise errors.BlockFull()
    if code == "not_found":
        raise Block.DoesNotExist()
    if code in FAIRNESS_ERRORS:
        raise fairness_error(code)
    if code == "existing":
        return _claim_by_key(peer, idempotency_key)
    if code != "claimed":
        return None
    claim = Claim(
        pk=claim_id,
        business_id=peer.business_id,
        block_id=block.pk,
        peer_id=peer.pk,
        status=ClaimStatus.ACTIVE,
        starts_at=starts_at,
        ends_at=ends_at,
        claimed_at=now,
        idempotency_key=idempotency_key,
    )
    claim._state.adding, claim._state.db = False, "default"
    claim.peer = peer
    schedule_delivery(message_id)
    return claim


def _run_quick_claim(params):
    with db.hot_cursor() as cursor:
        cursor.execute(_QUICK_SQL, params)
        code, claim_id, starts_at, ends_at, message_id = cursor.fetchone()
    if starts_at is not None:
        starts_at, ends_at = db.convert(Claim, ("starts_at", "ends_at"), [starts_at, ends_at])
    return code, claim_id, starts_at, ends_at, message_id


@functools.lru_cache(maxsize=4)
def _seems_full_sql(vendor):
    block, claim = Block._meta.db_table, Claim._meta.db_table
    return (
        f'SELECT 1 FROM "{block}" b WHERE b.id = %s AND b.business_id = %s '  # noqa: S608
        f"AND b.status = '{BlockStatus.OPEN.value}' AND b.seats_taken >= b.capacity "
        f'AND NOT EXISTS (SELECT 1 FROM "{claim}" c WHERE c.block_id = b.id '
        f"AND c.peer_id = %s AND c.status = '{ClaimStatus.ACTIVE.value}')"
    )


def _seems_full(peer, block_id) -> bool:
    """Is the block (of the peer's business) full, and not by this peer's own claim?"""
    with db.hot_cursor() as cursor:
        cursor.execute(_seems_full_sql(connection.vendor), [block_id, peer.business_id, peer.pk])
        return cursor.fetchone() is not None


def _claim(peer, block, idempotency_key, now):
    """A new claim in five statements: lock the peer and read everything (one SELECT), read
    the peer's held claims, take the seat (conditional UPDATE), insert the claim, and write
    the confirmation e-mail to the outbox (the delivery renders it)."""
    facts = _claim_facts(peer.pk, block.pk)
    if facts is None:
        raise Block.DoesNotExist()
    peer, block, limits, lacks_skill, waiting = facts
    if idempotency_key:
        # A retry that queued behind the first call on the peer's row sees its claim now.
        existing = _claim_by_key(peer, idempotency_key)
        if existing is not None:
            return existing
    if block.status == BlockStatus.OPEN and block.seats_taken >= block.capacity:
        raise errors.BlockFull()  # a fast answer; the guarantee is _take_seat's UPDATE
    _check_can_take(peer, block, now, missing_skills=None if lacks_skill else [], limits=limits)
    times = _take_seat(block.pk)
    if times is None:
        if Block.objects.filter(pk=block.pk, status=BlockStatus.CANCELLED).exists():
            raise errors.BlockCancelled()
        raise errors.BlockFull()
    if times != (block.starts_at, block.ends_at):
        # The block moved while this claim waited for its row: judge the new times.
        block.starts_at, block.ends_at = times
        _check_can_take(peer, block, now, missing_skills=None if lacks_skill else [])
    claim = _create_claim(peer, block, now, idempotency_key=idempotency_key)
    if waiting:
        # A peer who was waiting for this block and got it directly is no longer waiting.
        # (Only the peer themself adds their waiting entry, and their row is locked.)
        WaitlistEntry.objects.filter(
            block_id=block.pk, peer_id=peer.pk, status=WaitlistStatus.WAITING
        ).update(status=WaitlistStatus.LEFT, decided_at=now)
    block.seats_taken += 1
    # A new claim only (a replay returned above): confirmed at once, with the block's .ics.
    enqueue_deferred(
        business_id=block.business_id,
        to=peer.user.email,
        language=peer.user.language or block.business.default_language,
        event="block.claimed",
        renderer=messages.CLAIM_EMAIL,
        payload={"claim_id": claim.pk, "template": "claimed"},
    )
    return claim


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
        if not _take_seat(block.pk):
            break
        block.seats_taken += 1
        claim = _create_claim(peer, block, now, promoted=True)
        entry.status = WaitlistStatus.PROMOTED
        entry.decided_at = now
        entry.claim = claim
        entry.save(update_fields=["status", "decided_at", "claim"])
        claim.peer = peer
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


@transaction.atomic
def release_claim(actor, claim, *, now=None, excused=False) -> Claim:
    """Give a claimed seat back. `actor` is the claimant (a Peer, or their User) or staff.

    The claimant may release up to the program's forfeit cutoff before the start; staff may
    release at any time, and may mark the release `excused` (no reliability event). The seat
    goes to the first eligible waitlisted peer in the same transaction.
    """
    now = now or timezone.now()
    claim = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("peer__user", "block__business", "block__program__fairness_limits")
        .get(pk=claim.pk)
    )
    block = claim.block
    by_claimant = (isinstance(actor, Peer) and actor.pk == claim.peer_id) or (
        not isinstance(actor, Peer) and getattr(actor, "pk", None) == claim.peer.user_id
    )
    if not by_claimant:
        if isinstance(actor, Peer):
            raise PermissionDenied()
        check_can_manage(actor, block.business)
        if block.business_id != claim.business_id:
            raise PermissionDenied()
    if claim.status != ClaimStatus.ACTIVE:
        raise InvalidTransition(_("This claim is no longer active."))
    if by_claimant:
        cutoff = timedelta(minutes=limits_for(block.program).forfeit_cutoff_minutes)
        if now > block.starts_at - cutoff:
            raise errors.PastForfeitCutoff()
        excused = False
    waiting_peers = _lock_waiting_peers(block.pk)
    block = _fresh_block(block.pk, lock=True)
    claim.status = ClaimStatus.RELEASED
    claim.released_at = now
    claim.released_late = block.starts_at - now < LATE_RELEASE
    claim.save(update_fields=["status", "released_at", "released_late"])
    if claim.released_late and not excused:
        ReliabilityEvent.objects.create(
            business_id=claim.business_id,
            peer_id=claim.peer_id,
            kind=ReliabilityEventKind.LATE_RELEASE,
            block=block,
            claim=claim,
            created_at=now,
        )
    Block.objects.filter(pk=block.pk).update(seats_taken=F("seats_taken") - 1)
    block.seats_taken -= 1
    _promote_from_waitlist(block, waiting_peers, now)
    claim.block = block
    return claim


def join_waitlist(peer, block, *, now=None) -> WaitlistEntry:
    now = now or timezone.now()
    try:
        with transaction.atomic():
            peer = _locked_peer(peer.pk)
            block = _fresh_block(block.pk)
            _check_can_take(peer, block, now)
            if not block.is_full:
                raise errors.NotFull()
            if WaitlistEntry.objects.filter(
                block_id=block.pk, peer_id=peer.pk, status=WaitlistStatus.WAITING
            ).exists():
                raise errors.AlreadyWaiting()
            return WaitlistEntry.objects.create(
                business_id=block.business_id, block=block, peer=peer, created_at=now
            )
    except IntegrityError as exc:
        raise errors.AlreadyWaiting() from exc


@transaction.atomic
def leave_waitlist(peer, entry, *, now=None) -> WaitlistEntry:
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.peer_id != peer.pk:
        raise PermissionDenied()
    if entry.status != WaitlistStatus.WAITING:
        raise InvalidTransition(_("You are no longer on this waitlist."))
    entry.status = WaitlistStatus.LEFT
    entry.decided_at = now or timezone.now()
    entry.save(update_fields=["status", "decided_at"])
    return entry


# --- the business's side ---------------------------------------------------------------------

BLOCK_FIELDS = [
    "starts_at",
    "ends_at",
    "place_name",
    "address",
    "latitude",
    "longitude",
    "is_remote",
    "capacity",
    "reward_minor",
    "reward_currency",
    "reward_points",
    "required_languages",
    "min_reliability",
    "max_distance_km",
    "check_in_radius_m",
    "released_at",
]


def _aware(value, business, field):
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValidationFailed(_("Enter a valid date and time."), field=field) from exc
    if not isinstance(value, datetime):
        raise ValidationFailed(_("Enter a valid date and time."), field=field)
    if timezone.is_naive(value):
        # Entered in the business's time zone; stored in UTC.
        value = value.replace(tzinfo=business.tzinfo)
    return value.astimezone(UTC)


def _apply_block_data(block, data, business):
    unknown = set(data) - set(BLOCK_FIELDS) - {"required_skills"}
    if unknown:
        raise ValidationFailed(_("Unknown field."), field=sorted(unknown)[0])
    for name in BLOCK_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("starts_at", "ends_at", "released_at"):
            value = _aware(value, business, name)
            if value is None and name == "released_at":
                value = timezone.now()
        setattr(block, name, value)
    if block.starts_at is None:
        raise ValidationFailed(_("Enter when the block starts."), field="starts_at")
    if block.ends_at is None:
        raise ValidationFailed(_("Enter when the block ends."), field="ends_at")
    if block.ends_at <= block.starts_at:
        raise ValidationFailed(_("The block must end after it starts."), field="ends_at")
    if (block.latitude is None) != (block.longitude is None):
        raise ValidationFailed(_("Give both latitude and longitude, or neither."), field="latitude")
    if block.is_remote:
        block.latitude = block.longitude = None
    langs = block.required_languages or []
    if not isinstance(langs, list) or any(c not in LANGUAGE_NAMES for c in langs):
        raise ValidationFailed(_("Unknown language."), field="required_languages")
    try:
        block.full_clean(exclude=["business", "program", "template", "seats_taken"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ValidationFailed(messages[0], field=None if field == "__all__" else field) from exc
    skills = None
    if "required_skills" in data:
        skills = _skills(business, data["required_skills"] or [])
    return skills


def _skills(business, values):
    slugs = [v.slug if isinstance(v, Skill) else str(v) for v in values]
    found = list(Skill.objects.filter(business=business, slug__in=slugs))
    if len(found) != len(set(slugs)):
        raise ValidationFailed(_("Unknown skill."), field="required_skills")
    return found


def _check_program(business, program):
    if program.business_id != business.pk:
        raise PermissionDenied()


@transaction.atomic
def create_block(business, actor, program, data) -> Block:
    check_can_manage(actor, business)
    _check_program(business, program)
    block = Block(business=business, program=program, released_at=timezone.now())
    skills = _apply_block_data(block, data, business)
    block.save()
    if skills:
        block.required_skills.set(skills)
    return block


@transaction.atomic
def update_block(business, actor, block, data, *, now=None) -> Block:
    """Change a block; its SEQUENCE goes up so calendars pick the change up. Raising the
    capacity gives the new seats to the waitlist at once."""
    check_can_manage(actor, business)
    now = now or timezone.now()
    if block.business_id != business.pk:
        raise PermissionDenied()
    waiting_peers = _lock_waiting_peers(block.pk)
    block = _fresh_block(block.pk, lock=True)
    if block.status == BlockStatus.CANCELLED:
        raise errors.BlockCancelled()
    times = (block.starts_at, block.ends_at)
    skills = _apply_block_data(block, data, business)
    if block.capacity < block.seats_taken:
        raise ValidationFailed(
            _("%(taken)d peers already hold this block; the capacity cannot be lower.")
            % {"taken": block.seats_taken},
            field="capacity",
        )
    block.sequence = F("sequence") + 1
    block.save()
    block.refresh_from_db(fields=["sequence"])
    if skills is not None:
        block.required_skills.set(skills)
    if times != (block.starts_at, block.ends_at):
        try:
            with transaction.atomic():
                block.claims.filter(status=ClaimStatus.ACTIVE).update(
                    starts_at=block.starts_at, ends_at=block.ends_at
                )
        except IntegrityError as exc:
            raise ValidationFailed(
                _("A peer who holds this block would then hold two overlapping blocks."),
                field="starts_at",
            ) from exc
    _promote_from_waitlist(block, waiting_peers, now)
    return block


@transaction.atomic
def cancel_block(business, actor, block, reason, *, now=None) -> Block:
    """Cancel a block: its claims become "cancelled" (the record reward rules use to
    compensate), the waitlist is closed and every claimant is told by e-mail."""
    check_can_manage(actor, business)
    now = now or timezone.now()
    if block.business_id != business.pk:
        raise PermissionDenied()
    claims = list(
        Claim.objects.select_for_update(of=("self",))
        .select_related("peer__user")
        .filter(block_id=block.pk, status=ClaimStatus.ACTIVE)
    )
    block = _fresh_block(block.pk, lock=True)
    if block.status == BlockStatus.CANCELLED:
        raise errors.BlockCancelled()
    if block.ends_at <= now:
        raise InvalidTransition(_("This block is over; mark completions or no-shows instead."))
    # Claims made between the read above and the block lock are picked up by the update.
    cancelled = Claim.objects.filter(block_id=block.pk, status=ClaimStatus.ACTIVE).update(
        status=ClaimStatus.CANCELLED, released_at=now
    )
    block.status = BlockStatus.CANCELLED
    block.cancelled_at = now
    block.cancellation_reason = (reason or "").strip()[:1000]
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
    WaitlistEntry.objects.filter(block_id=block.pk, status=WaitlistStatus.WAITING).update(
        status=WaitlistStatus.LEFT, decided_at=now
    )
    told = {c.peer_id for c in claims}
    late = Claim.objects.filter(block_id=block.pk, status=ClaimStatus.CANCELLED, released_at=now)
    for claim in claims + [c for c in late.select_related("peer__user") if c.peer_id not in told]:
        _email(claim.peer, block, "block_cancelled", "block.cancelled", {"reason": reason})
    return block


def _staff_claim(business, actor, claim):
    check_can_manage(actor, business)
    claim = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("block", "peer")
        .get(pk=claim.pk)
    )
    if claim.business_id != business.pk:
        raise PermissionDenied()
    return claim


@transaction.atomic
def mark_no_show(business, actor, claim, *, now=None) -> Claim:
    now = now or timezone.now()
    claim = _staff_claim(business, actor, claim)
    if claim.status != ClaimStatus.ACTIVE:
        raise InvalidTransition(_("Only an active claim can be marked as a no-show."))
    if claim.block.starts_at > now:
        raise InvalidTransition(_("A no-show can be marked once the block has started."))
    claim.status = ClaimStatus.NO_SHOW
    claim.save(update_fields=["status"])
    ReliabilityEvent.objects.create(
        business=business,
        peer_id=claim.peer_id,
        kind=ReliabilityEventKind.NO_SHOW,
        block_id=claim.block_id,
        claim=claim,
        created_at=now,
    )
    return claim


@transaction.atomic
def complete_claim(business, actor, claim, *, now=None) -> Claim:
    """Mark a claim done and record `block.completed` with the promised reward, in the same
    transaction, for the rewards capability to pay."""
    now = now or timezone.now()
    claim = _staff_claim(business, actor, claim)
    if claim.status != ClaimStatus.ACTIVE:
        raise InvalidTransition(_("Only an active claim can be completed."))
    if claim.block.starts_at > now:
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
    return claim


# --- check-in and check-out ------------------------------------------------------------------


def _own_active_claim(peer, claim, now):
    claim = Claim.objects.select_for_update(of=("self",)).select_related("block").get(pk=claim.pk)
    if claim.peer_id != peer.pk:
        raise PermissionDenied()
    if claim.status != ClaimStatus.ACTIVE:
        raise InvalidTransition(_("This claim is no longer active."))
    block = claim.block
    if not (block.starts_at - CHECK_IN_MARGIN <= now <= block.ends_at + CHECK_IN_MARGIN):
        raise errors.OutsideCheckInWindow()
    return claim


def _check_place(block, lat, lon):
    if not block.check_in_radius_m or not block.has_coordinates or block.is_remote:
        return
    if lat is None or lon is None:
        raise errors.TooFarToCheckIn(_("Share your location to check in at this place."))
    metres = rules.haversine_km(lat, lon, block.latitude, block.longitude) * 1000
    if metres > block.check_in_radius_m:
        raise errors.TooFarToCheckIn(
            _("You are %(metres)d m from the place; check-in works within %(radius)d m.")
            % {"metres": metres, "radius": block.check_in_radius_m}
        )


@transaction.atomic
def check_in(peer, claim, *, now=None, lat=None, lon=None) -> Claim:
    now = now or timezone.now()
    claim = _own_active_claim(peer, claim, now)
    _check_place(claim.block, lat, lon)
    if claim.checked_in_at is None:  # checking in twice keeps the first time
        claim.checked_in_at = now
        claim.save(update_fields=["checked_in_at"])
    return claim


@transaction.atomic
def check_out(peer, claim, *, now=None, lat=None, lon=None) -> Claim:
    now = now or timezone.now()
    claim = _own_active_claim(peer, claim, now)
    if claim.checked_in_at is None:
        raise InvalidTransition(_("Check in first."))
    _check_place(claim.block, lat, lon)
    claim.checked_out_at = now
    claim.save(update_fields=["checked_out_at"])
    return claim


# --- recurring blocks ------------------------------------------------------------------------


def _naive_local(value, field):
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValidationFailed(_("Enter a valid date and time."), field=field) from exc
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())  # local wall-clock time
    if not isinstance(value, datetime):
        raise ValidationFailed(_("Enter a valid date and time."), field=field)
    return value.replace(tzinfo=None, microsecond=0)


def _exdate_matchers(exdates):
    days, moments = set(), set()
    for raw in exdates or []:
        if isinstance(raw, str) and len(raw) == 10:
            try:
                days.add(date.fromisoformat(raw))
            except ValueError as exc:
                raise ValidationFailed(_("Enter valid dates."), field="exdates") from exc
        elif isinstance(raw, date) and not isinstance(raw, datetime):
            days.add(raw)
        else:
            moments.add(_naive_local(raw, "exdates"))
    return days, moments


@transaction.atomic
def create_blocks_from_template(
    business,
    actor,
    program,
    *,
    rrule,
    start_local,
    duration_minutes,
    exdates=(),
    count_limit=200,
    release_minutes_before=None,
    **block_fields,
) -> list[Block]:
    """Create the blocks of an RFC 5545 recurrence, e.g. `FREQ=WEEKLY;BYDAY=SA;COUNT=8`.

    The rule runs in the business's wall-clock time, so "every Saturday 10:00" stays 10:00
    local across daylight-saving changes (and so moves by an hour in UTC). A rule without
    COUNT or UNTIL, or one giving more than `count_limit` blocks, is refused.
    """
    check_can_manage(actor, business)
    _check_program(business, program)
    tz = business.tzinfo
    dtstart = _naive_local(start_local, "start_local")
    try:
        duration = timedelta(minutes=int(duration_minutes))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(
            _("Enter a whole number of minutes."), field="duration_minutes"
        ) from exc
    if duration <= timedelta(0) or duration > timedelta(days=1):
        raise ValidationFailed(
            _("A block lasts between 1 minute and 24 hours."), "duration_minutes"
        )
    rrules.check_rule(str(rrule), dtstart)
    try:
        rule = rrulestr(str(rrule).strip(), dtstart=dtstart)
        occurrences = list(itertools.islice(iter(rule), count_limit + 1))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(_("This recurrence rule is not valid."), field="rrule") from exc
    if len(occurrences) > count_limit:
        raise ValidationFailed(
            _("This rule would create more than %(limit)d blocks; give it a COUNT or UNTIL.")
            % {"limit": count_limit},
            field="rrule",
        )
    skip_days, skip_moments = _exdate_matchers(exdates)
    occurrences = [o for o in occurrences if o.date() not in skip_days and o not in skip_moments]

    skills_value = block_fields.pop("required_skills", None)
    template = BlockTemplate(
        business=business,
        program=program,
        rrule=str(rrule).strip(),
        dtstart_local=dtstart.isoformat(),
        timezone=business.timezone,
        duration_minutes=int(duration_minutes),
        exdates=[str(x) if not isinstance(x, str) else x for x in (exdates or [])],
        created_by=actor,
    )
    for name, value in block_fields.items():
        if name not in BLOCK_FIELDS or name in ("starts_at", "ends_at", "released_at"):
            raise ValidationFailed(_("Unknown field."), field=name)
        setattr(template, name, value)
    template.save()
    skills = _skills(business, skills_value) if skills_value else []
    if skills:
        template.required_skills.set(skills)

    now = timezone.now()
    blocks = []
    for occurrence in occurrences:
        starts_at = occurrence.replace(tzinfo=tz).astimezone(UTC)
        block = Block(business=business, program=program, template=template)
        data = dict(block_fields, starts_at=starts_at, ends_at=starts_at + duration)
        data["released_at"] = (
            starts_at - timedelta(minutes=release_minutes_before)
            if release_minutes_before is not None
            else now
        )
        _apply_block_data(block, data, business)
        blocks.append(block)
    Block.objects.bulk_create(blocks)
    if skills:
        through = Block.required_skills.through
        through.objects.bulk_create(
            [through(block_id=b.pk, skill_id=s.pk) for b in blocks for s in skills]
        )
    return blocks
