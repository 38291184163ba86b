# ruff: noqa: S608 - statements are built from the models' names; every value is a parameter
"""The raw statements of scheduling: the claim's hot path and the peer's held claims.

A claim is the hot path of the whole app, so its statements are plain SQL built once per
database from the models, run as prepared statements on PostgreSQL (`peerarmy.db.hot_cursor`),
and their rows turned into Python values by the ORM's own converters. They read and write
facts only: every rule that decides a claim is in Python (`services`, `rules`,
`peerarmy.programs.eligibility`); what the database guards here is the seat (a conditional
UPDATE) and, through its constraints, overlaps and idempotency.

Every statement is filtered by business; `tests/test_sql.py` runs each one for a business
with another business's rows present and checks that those are neither read nor changed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from peerarmy import db
from peerarmy.accounts.models import User
from peerarmy.peers.models import Peer, PeerLanguage
from peerarmy.programs.models import Program
from peerarmy.tenancy.models import Business

from .models import Block, BlockStatus, Claim, ClaimStatus, FairnessLimits, WaitlistEntry
from .models import WaitlistStatus as Waiting

ACTIVE = ClaimStatus.ACTIVE.value
OPEN = BlockStatus.OPEN.value


def _table(model):
    return model._meta.db_table


def _column(model, name):
    return model._meta.get_field(name).column


def _list_of(expression, vendor):
    """A comma-separated list of `expression` over a subquery's rows (NULL when none)."""
    if vendor == "postgresql":
        return f"string_agg(({expression})::text, ',')"
    return f"group_concat({expression}, ',')"


# --- the peer's held claims ----------------------------------------------------------------------

_HELD = ("block_id", "starts_at", "ends_at")


@functools.lru_cache(maxsize=4)
def _held_sql(vendor):
    return (
        f'SELECT block_id, starts_at, ends_at FROM "{_table(Claim)}" '
        f"WHERE business_id = %s AND peer_id = %s AND status = '{ACTIVE}' AND ends_at > %s"
    )


def held_claims(business_id, peer_id, since) -> list[tuple[int, datetime, datetime]]:
    """(block_id, starts_at, ends_at) of the peer's active claims that end after `since`."""
    with db.hot_cursor() as cursor:
        cursor.execute(
            _held_sql(connection.vendor),
            [business_id, peer_id, connection.ops.adapt_datetimefield_value(since)],
        )
        rows = cursor.fetchall()
    return [tuple(db.convert(Claim, _HELD, row)) for row in rows]


# --- is the block full? (before any transaction) -----------------------------------------------


@functools.lru_cache(maxsize=4)
def _seems_full_sql(vendor):
    block, claim = _table(Block), _table(Claim)
    return (
        f'SELECT 1 FROM "{block}" b WHERE b.id = %s AND b.business_id = %s '
        f"AND b.status = '{OPEN}' AND b.seats_taken >= b.capacity "
        f'AND NOT EXISTS (SELECT 1 FROM "{claim}" c WHERE c.block_id = b.id '
        f"AND c.business_id = b.business_id AND c.peer_id = %s AND c.status = '{ACTIVE}') "
        f'AND NOT EXISTS (SELECT 1 FROM "{claim}" k WHERE k.business_id = b.business_id '
        "AND k.peer_id = %s AND k.idempotency_key = %s)"
    )


def seems_full(business_id, peer_id, block_id, key) -> bool:
    """Is the block (of the business) full, without a seat of this peer's and without an
    earlier claim of the peer's under `key`? One read, outside any transaction: when a block
    opens, many peers tap at once and most find it full."""
    with db.hot_cursor() as cursor:
        cursor.execute(
            _seems_full_sql(connection.vendor), [block_id, business_id, peer_id, peer_id, key]
        )
        return cursor.fetchone() is not None


# --- everything a claim is judged on, with the peer's row locked ----------------------------------

_PEER = ("status", "reliability", "latitude", "longitude", "travel_radius_km")
_USER = ("email", "language")
_BLOCK = (
    "id", "business_id", "program_id", "status", "starts_at", "ends_at", "released_at",
    "capacity", "seats_taken", "place_name", "address", "latitude", "longitude", "is_remote",
    "reward_minor", "reward_currency", "reward_points", "required_languages",
    "min_reliability", "max_distance_km", "check_in_radius_m", "sequence", "updated_at",
)  # fmt: skip
_PROGRAM = (
    "id", "business_id", "kind", "slug", "status", "title_it", "title_en",
    "required_languages", "min_reliability", "required_verifications",
)  # fmt: skip
_BUSINESS = ("id", "slug", "name", "timezone", "default_language", "currency")
_LIMITS = ("max_hours_per_week", "min_rest_minutes", "max_future_blocks", "forfeit_cutoff_minutes")
_SECTIONS = (
    ("p", Peer, _PEER),
    ("u", User, _USER),
    ("b", Block, _BLOCK),
    ("g", Program, _PROGRAM),
    ("z", Business, _BUSINESS),
    ("f", FairnessLimits, _LIMITS),
    ("h", Claim, _HELD),
)


@dataclass
class ClaimFacts:
    """What a claim is judged on, read in one statement that locks the peer's row."""

    peer: dict
    email: str
    language: str
    block: Block
    limits: dict | None  # the program's FairnessLimits values, None for the defaults
    peer_skill_ids: frozenset
    peer_languages: frozenset
    block_skill_ids: tuple
    program_skill_ids: tuple
    waiting: bool
    key_claim_id: int | None
    held: list = field(default_factory=list)  # (block_id, starts_at, ends_at)


@functools.lru_cache(maxsize=4)
def _facts_sql(vendor):
    columns = ", ".join(
        f'{alias}."{_column(model, name)}"' for alias, model, names in _SECTIONS for name in names
    )
    peer_skills = Peer.skills.through._meta.db_table
    block_skills = Block.required_skills.through._meta.db_table
    program_skills = Program.required_skills.through._meta.db_table
    lists = ", ".join(
        [
            f'(SELECT {_list_of("x.skill_id", vendor)} FROM "{peer_skills}" x '
            "WHERE x.peer_id = p.id)",
            f'(SELECT {_list_of("x.language", vendor)} FROM "{_table(PeerLanguage)}" x '
            "WHERE x.peer_id = p.id AND x.business_id = p.business_id)",
            f'(SELECT {_list_of("x.skill_id", vendor)} FROM "{block_skills}" x '
            "WHERE x.block_id = b.id)",
            f'(SELECT {_list_of("x.skill_id", vendor)} FROM "{program_skills}" x '
            "WHERE x.program_id = g.id)",
        ]
    )
    waiting = (
        f'EXISTS (SELECT 1 FROM "{_table(WaitlistEntry)}" w WHERE w.block_id = b.id '
        f"AND w.business_id = b.business_id AND w.peer_id = p.id "
        f"AND w.status = '{Waiting.WAITING.value}')"
    )
    key_claim = (
        f'(SELECT k.id FROM "{_table(Claim)}" k WHERE k.business_id = p.business_id '
        "AND k.peer_id = p.id AND k.idempotency_key = %s)"
    )
    lock = " FOR UPDATE OF p" if vendor == "postgresql" else ""
    return (
        f"SELECT {columns}, {lists}, ({waiting}), {key_claim} "
        f'FROM "{_table(Peer)}" p '
        f'JOIN "{_table(User)}" u ON u.id = p.user_id '
        f'JOIN "{_table(Block)}" b ON b.id = %s AND b.business_id = p.business_id '
        f'JOIN "{_table(Program)}" g ON g.id = b.program_id AND g.business_id = b.business_id '
        f'JOIN "{_table(Business)}" z ON z.id = b.business_id '
        f'LEFT JOIN "{_table(FairnessLimits)}" f ON f.program_id = g.id '
        f"AND f.business_id = g.business_id "
        f'LEFT JOIN "{_table(Claim)}" h ON h.peer_id = p.id AND h.business_id = p.business_id '
        f"AND h.status = '{ACTIVE}' AND h.ends_at > %s "
        f"WHERE p.id = %s AND p.business_id = %s{lock}"
    )


def _ids(text):
    return tuple(int(x) for x in text.split(",")) if text else ()


def claim_facts(business_id, peer_id, block_id, key, since) -> ClaimFacts | None:
    """Lock the peer's row and read, in one statement, everything a claim of `block_id` is
    judged on: the peer, their e-mail, skills and languages; the block, its program, business,
    fairness limits and required skills; whether the peer waits for the block or already has
    a claim under `key`; and the peer's active claims that end after `since` (one row each).
    None when the block is not one of the business's, or the peer is not."""
    vendor = connection.vendor
    with db.hot_cursor() as cursor:
        cursor.execute(
            _facts_sql(vendor),
            [key, block_id, connection.ops.adapt_datetimefield_value(since), peer_id, business_id],
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    first = rows[0]
    values, at = {}, 0
    for alias, _model, names in _SECTIONS:
        values[alias] = first[at : at + len(names)]
        at += len(names)
    rest = first[at:]
    block = db.instance(Block, _BLOCK, values["b"])
    program = db.instance(Program, _PROGRAM, values["g"])
    block.business = program.business = db.instance(Business, _BUSINESS, values["z"])
    block.program = program
    limits = values["f"]
    peer = dict(zip(_PEER, db.convert(Peer, _PEER, values["p"]), strict=True))
    email, language = values["u"]
    held_at = at - len(_HELD)
    held = [
        tuple(db.convert(Claim, _HELD, row[held_at:at])) for row in rows if row[held_at] is not None
    ]
    return ClaimFacts(
        peer=peer,
        email=email,
        language=language,
        block=block,
        limits=dict(zip(_LIMITS, limits, strict=True)) if limits[0] is not None else None,
        peer_skill_ids=frozenset(_ids(rest[0])),
        peer_languages=frozenset(rest[1].split(",")) if rest[1] else frozenset(),
        block_skill_ids=_ids(rest[2]),
        program_skill_ids=_ids(rest[3]),
        waiting=bool(rest[4]),
        key_claim_id=rest[5],
        held=held,
    )


# --- the seat and the claim --------------------------------------------------------------------

_SEAT_TIMES = ("starts_at", "ends_at")


@functools.lru_cache(maxsize=4)
def _take_seat_sql(vendor):
    return (
        f'UPDATE "{_table(Block)}" SET seats_taken = seats_taken + 1 '
        f"WHERE id = %s AND business_id = %s AND seats_taken < capacity AND status = '{OPEN}' "
        "RETURNING starts_at, ends_at"
    )


def take_seat(business_id, block_id):
    """Take one seat and return the block's (starts_at, ends_at) as of that moment, or None
    when there is no seat. One conditional UPDATE: racing claimers queue on the row and each
    re-checks the condition (the control test in tests/test_concurrency.py replaces this with
    a read-then-write and sees overbooking). The times come from the row the UPDATE wrote, so
    a claim that queued behind a change of the block's times sees the new ones."""
    with db.hot_cursor() as cursor:
        cursor.execute(_take_seat_sql(connection.vendor), [block_id, business_id])
        row = cursor.fetchone()
    return tuple(db.convert(Block, _SEAT_TIMES, row)) if row else None


def insert_claim(values: dict) -> int:
    """Write one claim (`values` holds its business) and return its id."""
    return db.insert_returning_id(Claim, values)


_CLAIM_COLUMNS = (
    "business_id", "block_id", "peer_id", "status", "starts_at", "ends_at", "claimed_at",
    "released_late", "idempotency_key", "promoted_from_waitlist",
)  # fmt: skip


@functools.lru_cache(maxsize=4)
def _seat_and_claim_sql(vendor):
    columns = ", ".join(f'"{_column(Claim, name)}"' for name in _CLAIM_COLUMNS)
    return (
        f'WITH seat AS (UPDATE "{_table(Block)}" SET seats_taken = seats_taken + 1 '
        f"WHERE id = %s AND business_id = %s AND seats_taken < capacity AND status = '{OPEN}' "
        "RETURNING business_id, id, starts_at, ends_at) "
        f'INSERT INTO "{_table(Claim)}" ({columns}) '
        f"SELECT business_id, id, %s, '{ACTIVE}', starts_at, ends_at, %s, false, %s, false "
        "FROM seat RETURNING id, starts_at, ends_at"
    )


def take_seat_and_claim(business_id, block_id, peer_id, claimed_at, key):
    """Take one seat of the block for the peer and write their claim with the block's times
    as of that moment: (claim id, starts_at, ends_at), or None when there is no seat. On
    PostgreSQL one statement (the seat UPDATE feeds the claim INSERT); elsewhere the two
    statements of `take_seat` and `insert_claim`."""
    if connection.vendor != "postgresql":
        times = take_seat(business_id, block_id)
        if times is None:
            return None
        values = {
            "business_id": business_id,
            "block_id": block_id,
            "peer_id": peer_id,
            "status": ACTIVE,
            "starts_at": times[0],
            "ends_at": times[1],
            "claimed_at": claimed_at,
            "released_late": False,
            "idempotency_key": key,
            "promoted_from_waitlist": False,
        }
        return (insert_claim(values), *times)
    with db.hot_cursor() as cursor:
        cursor.execute(
            _seat_and_claim_sql(connection.vendor),
            [block_id, business_id, peer_id, claimed_at, key],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return (row[0], *db.convert(Claim, _SEAT_TIMES, row[1:]))


# --- the claimable list's candidates -------------------------------------------------------------


@dataclass(frozen=True)
class CandidateQuery:
    """What narrows the blocks read for a peer's claimable list (`candidate_rows`)."""

    business_id: int
    peer_id: int
    program_ids: tuple
    now: datetime
    day: tuple[datetime, datetime] | None = None  # [start, end) of a local day
    place: str | None = None  # text in the place's name or address
    place_remote: bool = False  # the text also means "remote"
    box: tuple[float, float, float, float] | None = None  # lat min, lat max, lon min, lon max
    without_held: bool = False


@functools.lru_cache(maxsize=256)
def _candidates_sql(vendor, fields, programs, day, place, remote, box, without_held, after):
    columns = ", ".join(f'b."{_column(Block, name)}"' for name in fields)
    skills = Block.required_skills.through._meta.db_table
    marks = ", ".join(["%s"] * programs)
    where = [
        "b.business_id = %s",
        f"b.status = '{OPEN}'",
        f"b.program_id IN ({marks})",
        "b.released_at <= %s",
        "b.starts_at > %s",
    ]
    if day:
        where.append("b.starts_at >= %s AND b.starts_at < %s")
    if place:
        escape = "" if vendor == "postgresql" else " ESCAPE '\\'"
        words = [
            f"UPPER(b.place_name) LIKE UPPER(%s){escape}",
            f"UPPER(b.address) LIKE UPPER(%s){escape}",
        ]
        if remote:
            words.append("b.is_remote")
        where.append(f"({' OR '.join(words)})")
    if without_held:
        where.append(
            f'b.id NOT IN (SELECT c.block_id FROM "{_table(Claim)}" c WHERE c.business_id = %s '
            f"AND c.peer_id = %s AND c.status = '{ACTIVE}')"
        )
    if box:
        where.append(
            "(b.is_remote OR b.latitude IS NULL OR "
            "(b.latitude BETWEEN %s AND %s AND b.longitude BETWEEN %s AND %s))"
        )
    if after:
        where.append("(b.starts_at > %s OR (b.starts_at = %s AND b.id > %s))")
    return (
        f"SELECT {columns}, "
        f'(SELECT {_list_of("x.skill_id", vendor)} FROM "{skills}" x WHERE x.block_id = b.id) '
        f'FROM "{_table(Block)}" b WHERE {" AND ".join(where)} '
        "ORDER BY b.starts_at, b.id LIMIT %s"
    )


def candidate_rows(query: CandidateQuery, fields: tuple, *, after=None, limit) -> list:
    """The open, released, future blocks of the business's programs `program_ids`, soonest
    first (then by id), narrowed by `query`, from after `after` = (starts_at, id) on, at most
    `limit`: [(values of `fields` as the ORM reads them, required skill ids)]. One statement
    (prepared on PostgreSQL) with the skills, instead of two compiled ORM queries."""
    adapt = connection.ops.adapt_datetimefield_value
    params = [query.business_id, *query.program_ids, adapt(query.now), adapt(query.now)]
    if query.day:
        params += [adapt(query.day[0]), adapt(query.day[1])]
    if query.place:
        params += [db.like_pattern(query.place)] * 2
    if query.without_held:
        params += [query.business_id, query.peer_id]
    if query.box:
        params += list(query.box)
    if after:
        params += [adapt(after[0]), adapt(after[0]), after[1]]
    params.append(limit)
    sql = _candidates_sql(
        connection.vendor,
        fields,
        len(query.program_ids),
        bool(query.day),
        bool(query.place),
        query.place_remote,
        bool(query.box),
        query.without_held,
        bool(after),
    )
    with db.hot_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(db.convert(Block, fields, row[:-1]), _ids(row[-1])) for row in rows]


# --- the claimable list's context: the peer's skills and languages, the published programs -------

_PROGRAM_READ = (
    "id", "business_id", "kind", "slug", "status", "title_it", "title_en",
    "required_languages", "min_reliability", "required_verifications",
)  # fmt: skip


@dataclass(frozen=True)
class PublishedProgram:
    """A published program as the claimable list needs it: the program (its other fields
    deferred), its required skill ids, and its fairness limits (None: the defaults)."""

    program: Program
    skill_ids: tuple
    limits: dict | None


@functools.lru_cache(maxsize=4)
def _peer_lists_sql(vendor):
    peer_skills = Peer.skills.through._meta.db_table
    return (
        f'SELECT (SELECT {_list_of("x.skill_id", vendor)} FROM "{peer_skills}" x '
        "WHERE x.peer_id = p.id), "
        f'(SELECT {_list_of("x.language", vendor)} FROM "{_table(PeerLanguage)}" x '
        "WHERE x.peer_id = p.id AND x.business_id = p.business_id) "
        f'FROM "{_table(Peer)}" p WHERE p.id = %s AND p.business_id = %s'
    )


def peer_skills_and_languages(business_id, peer_id) -> tuple[frozenset, frozenset]:
    """(skill ids, language codes) of the business's peer; empty sets for any other peer."""
    with db.hot_cursor() as cursor:
        cursor.execute(_peer_lists_sql(connection.vendor), [peer_id, business_id])
        row = cursor.fetchone()
    if row is None:
        return frozenset(), frozenset()
    languages = frozenset(row[1].split(",")) if row[1] else frozenset()
    return frozenset(_ids(row[0])), languages


@functools.lru_cache(maxsize=4)
def _published_sql(vendor):
    columns = ", ".join(f'g."{_column(Program, name)}"' for name in _PROGRAM_READ)
    limits = ", ".join(f'f."{_column(FairnessLimits, name)}"' for name in _LIMITS)
    program_skills = Program.required_skills.through._meta.db_table
    return (
        f"SELECT {columns}, {limits}, f.id, "
        f'(SELECT {_list_of("x.skill_id", vendor)} FROM "{program_skills}" x '
        "WHERE x.program_id = g.id) "
        f'FROM "{_table(Program)}" g '
        f'LEFT JOIN "{_table(FairnessLimits)}" f ON f.program_id = g.id '
        "AND f.business_id = g.business_id "
        f"WHERE g.business_id = %s AND g.status = %s ORDER BY g.id"
    )


def published_programs(business_id) -> list[PublishedProgram]:
    """The business's published programs, with their required skills and limits."""
    from peerarmy.programs.models import ProgramStatus

    with db.hot_cursor() as cursor:
        cursor.execute(_published_sql(connection.vendor), [business_id, ProgramStatus.PUBLISHED])
        rows = cursor.fetchall()
    found = []
    width = len(_PROGRAM_READ)
    for row in rows:
        program = db.instance(Program, _PROGRAM_READ, row[:width])
        limit_values, limits_id = row[width : width + len(_LIMITS)], row[width + len(_LIMITS)]
        limits = None if limits_id is None else dict(zip(_LIMITS, limit_values, strict=True))
        found.append(PublishedProgram(program, _ids(row[-1]), limits))
    return found


@functools.lru_cache(maxsize=4)
def _waiting_sql(vendor):
    return (
        f'SELECT block_id FROM "{_table(WaitlistEntry)}" '
        "WHERE business_id = %s AND peer_id = %s AND status = %s"
    )


def waiting_block_ids(business_id, peer_id) -> set[int]:
    """The blocks on whose waitlist the business's peer is waiting."""
    with db.hot_cursor() as cursor:
        cursor.execute(
            _waiting_sql(connection.vendor), [business_id, peer_id, Waiting.WAITING.value]
        )
        return {row[0] for row in cursor.fetchall()}
