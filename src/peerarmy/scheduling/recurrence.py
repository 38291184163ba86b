"""Changing a recurring series at once: all its future blocks, or one block and the following.

`update_template_blocks` is all or nothing: it works out every block's new values first and
refuses (naming the field and the block, in local time) if any block would break: a capacity
below the seats already taken, a value that is not valid, or a claimant who would then hold
two overlapping blocks. Only then does it write. It follows the lock order of
`services` (claim rows, then peer rows by id, then block rows), so that it cannot deadlock
with claims, releases and promotions on PostgreSQL.

A new start time is a wall-clock time: each block keeps its own local date and gets the new
time in the business's time zone, so "Saturdays at 10:00" stays 10:00 across daylight-saving
changes (and moves by an hour in UTC), as when the series was created.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, prefetch_related_objects
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerarmy.errors import NotFound
from peerarmy.inputs import FieldErrors, Outcome
from peerarmy.notifications.services import enqueue_email
from peerarmy.peers.models import Peer
from peerarmy.tenancy.services import check_can_manage

from . import selectors
from .inputs import SERIES_BLOCK_FIELDS, SeriesPatchInput
from .models import (
    Block,
    BlockTemplate,
    Claim,
    ClaimStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from .services import (
    EXCLUSION_CONSTRAINT,
    Series,
    _local_text,
    _promote_from_waitlist,
    _skills,
)

PLACE_FIELDS = ("place_name", "address", "latitude", "longitude", "is_remote")
COMPARED_FIELDS = ["starts_at", "ends_at", *SERIES_BLOCK_FIELDS]
RRULE_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]  # the order of WEEKDAYS


@dataclass
class _Change:
    """One block of the series, before and after."""

    block: Block
    before: dict
    skill_ids: set
    new_skill_ids: set | None = None

    @property
    def time_changed(self):
        return (self.before["starts_at"], self.before["ends_at"]) != (
            self.block.starts_at,
            self.block.ends_at,
        )

    @property
    def place_changed(self):
        return any(self.before[f] != getattr(self.block, f) for f in PLACE_FIELDS)

    @property
    def changed(self):
        if self.new_skill_ids is not None and self.new_skill_ids != self.skill_ids:
            return True
        return any(self.before[f] != getattr(self.block, f) for f in COMPARED_FIELDS)


# --- reading a series ------------------------------------------------------------------------


def describe_rule(template) -> str:
    """The series' rule in words ("Every week on Saturday at 10:00"), or "" for a rule these
    words do not cover (the page shows the RFC 5545 text beside it anyway). Each sentence is
    one translatable text, so that a language can order its words its own way."""
    try:
        parts = dict(
            part.split("=", 1) for part in template.rrule.removeprefix("RRULE:").split(";")
        )
        n = int(parts.get("INTERVAL", "1"))
        at = time_format(datetime.fromisoformat(template.dtstart_local).time(), "H:i")
    except ValueError:
        return ""
    freq = parts.get("FREQ")
    if freq == "DAILY":
        return ngettext("Every day at %(time)s", "Every %(n)d days at %(time)s", n) % {
            "n": n,
            "time": at,
        }
    if freq == "WEEKLY":
        codes = [c for c in parts.get("BYDAY", "").split(",") if c]
        if any(c not in RRULE_DAYS for c in codes):
            return ""
        if not codes:
            return ngettext("Every week at %(time)s", "Every %(n)d weeks at %(time)s", n) % {
                "n": n,
                "time": at,
            }
        days = ", ".join(
            str(WEEKDAYS[RRULE_DAYS.index(c)]) for c in sorted(codes, key=RRULE_DAYS.index)
        )
        return ngettext(
            "Every week on %(days)s at %(time)s", "Every %(n)d weeks on %(days)s at %(time)s", n
        ) % {"n": n, "days": days, "time": at}
    if freq == "MONTHLY" and "BYDAY" not in parts:
        return ngettext("Every month at %(time)s", "Every %(n)d months at %(time)s", n) % {
            "n": n,
            "time": at,
        }
    return ""


# --- changing a series -----------------------------------------------------------------------


def _new_times(block, tz, start_time, duration):
    """The block's new start and end: same local date, new wall-clock time and/or length."""
    starts_at = block.starts_at
    if start_time is not None:
        day = starts_at.astimezone(tz).date()
        # An hour skipped in spring is read with the offset before the change (fold=0), as
        # create_blocks_from_template does.
        starts_at = datetime.combine(day, start_time, tzinfo=tz).astimezone(UTC)
    return starts_at, starts_at + (duration or (block.ends_at - block.starts_at))


def _named(starts_at, business, message):
    return _("Block of %(when)s: %(problem)s") % {
        "when": _local_text(starts_at, business),
        "problem": message,
    }


def _refuse(field, message):
    found = FieldErrors()
    found.add(field, message)
    found.raise_if_any()


def _check_overlaps(business, changes, claims, now, field):
    """Refuse if a claimant would hold two overlapping blocks once the times change.

    The PostgreSQL exclusion constraint would refuse it too; this check names the blocks
    and is the only guard on SQLite. The claimants' rows are locked, so none of them can
    claim anything meanwhile."""
    moved = {c.block.pk: c for c in changes if c.time_changed}
    peer_ids = {c.peer_id for c in claims if c.block_id in moved}
    if not peer_ids:
        return
    held = Claim.objects.filter(
        business_id=business.pk, peer_id__in=peer_ids, status=ClaimStatus.ACTIVE, ends_at__gt=now
    ).values_list("peer_id", "block_id", "starts_at", "ends_at")
    by_peer = {}
    for peer_id, block_id, starts_at, ends_at in held:
        if block_id in moved:
            starts_at, ends_at = moved[block_id].block.starts_at, moved[block_id].block.ends_at
        by_peer.setdefault(peer_id, []).append((starts_at, ends_at, block_id))
    for peer_id, spans in sorted(by_peer.items()):
        spans.sort()
        latest = spans[0]  # of the spans so far, the one that ends last
        for span in spans[1:]:
            if span[0] < latest[1] and (span[2] in moved or latest[2] in moved):
                change, other = (
                    (moved[span[2]], latest) if span[2] in moved else (moved[latest[2]], span)
                )
                name = Peer.objects.values_list("display_name", flat=True).get(pk=peer_id)
                problem = _(
                    "%(peer)s holds it and would then hold two overlapping blocks: it from "
                    "%(start)s and another from %(other)s."
                ) % {
                    "peer": name,
                    "start": _local_text(change.block.starts_at, business),
                    "other": _local_text(other[0], business),
                }
                _refuse(field, _named(change.before["starts_at"], business, problem))
            if span[1] > latest[1]:
                latest = span


def _move_claims(changes, field):
    """Give the active claims of moved blocks their block's new times.

    First every moved claim's range is made empty (an empty range overlaps nothing), then
    each gets its new times: the exclusion constraint thus judges only the final state, not
    the order of the updates (moving Monday's block into Tuesday's old hours is fine when
    Tuesday's moves too)."""
    moved = [c.block for c in changes if c.time_changed]
    if not moved:
        return
    ids = [b.pk for b in moved]
    try:
        with transaction.atomic():
            Claim.objects.filter(block_id__in=ids, status=ClaimStatus.ACTIVE).update(
                ends_at=F("starts_at")
            )
            for block in moved:
                Claim.objects.filter(block_id=block.pk, status=ClaimStatus.ACTIVE).update(
                    starts_at=block.starts_at, ends_at=block.ends_at
                )
    except IntegrityError as exc:
        if EXCLUSION_CONSTRAINT not in str(exc):
            raise
        _refuse(
            field,
            _("A peer who holds one of these blocks would then hold two overlapping blocks."),
        )


def _lock_series(business, template, first_start, now):
    """Lock, in the services' order, what the change touches; return the claims, the locked
    peers by id, the locked blocks that are still open and to come, and the ids of those
    with someone on the waitlist."""
    scope = selectors.series_blocks_to_come(business.pk, template.pk, now, from_start=first_start)
    ids = list(scope.values_list("pk", flat=True))
    if not ids:
        return [], {}, [], set()
    list(
        Claim.objects.select_for_update(of=("self",))
        .filter(block_id__in=ids, status=ClaimStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    peer_ids = set(
        Claim.objects.filter(block_id__in=ids, status=ClaimStatus.ACTIVE).values_list(
            "peer_id", flat=True
        )
    )
    waiting = list(
        WaitlistEntry.objects.filter(block_id__in=ids, status=WaitlistStatus.WAITING).values_list(
            "block_id", "peer_id"
        )
    )
    peer_ids |= {peer_id for _block_id, peer_id in waiting}
    peers = {
        p.pk: p
        for p in Peer.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk__in=peer_ids)
        .order_by("pk")
    }
    blocks = list(
        Block.objects.select_for_update(of=("self",))
        .select_related("business", "program", "program__fairness_limits")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    # Re-checked under the lock: a block may have been cancelled meanwhile.
    blocks = sorted(
        (b for b in blocks if selectors.reached_by_series(b, now)),
        key=lambda b: (b.starts_at, b.pk),
    )
    # Read again after the block locks: a claim made before them is committed by now.
    claims = list(
        Claim.objects.filter(block_id__in=[b.pk for b in blocks], status=ClaimStatus.ACTIVE)
        .select_related("peer__user")
        .order_by("pk")
    )
    return claims, peers, blocks, {block_id for block_id, _peer_id in waiting}


@transaction.atomic
def update_template_blocks(
    business, actor, template, change: SeriesPatchInput, *, now=None
) -> Outcome[Series]:
    """Apply `change` to the open blocks of a series that have not started (with
    `change.from_block`: to that block and the following ones; `NotFound` for a block of
    another business) and to the template. The Outcome holds the template as it is now and
    the blocks changed (see `Series`).

    The fields the change sets are what changes (`change.changes`; a field left out keeps
    each block's own value); its rules run on the series as the change leaves it
    (`change.applied_to`). Each changed block's SEQUENCE goes up, its active claims follow
    its times, a higher capacity goes to the waitlist at once, and the claimants of blocks
    whose time or place changed get one e-mail each listing them. All or nothing: every
    block's problem is reported at once."""
    check_can_manage(actor, business)
    now = now or timezone.now()
    if template.business_id != business.pk:
        raise NotFound()
    first_start = None
    if change.from_block is not None:
        from_block = selectors.get_block(business, change.from_block)
        if from_block.template_id != template.pk:
            _refuse("from_block", _("This block is not part of the series."))
        first_start = from_block.starts_at
    data = change.applied_to(template, business)
    changed = set(change.changes)
    fields = {name: getattr(data, name) for name in SERIES_BLOCK_FIELDS if name in changed}
    if fields.get("is_remote"):
        fields.update(latitude=None, longitude=None)
    start_time = data.start_time if "start_time" in changed else None
    duration = timedelta(minutes=data.duration_minutes) if "duration_minutes" in changed else None
    skills = None
    if "required_skills" in changed:
        found = FieldErrors()
        skills = _skills(business, data.required_skills, found)
        found.raise_if_any()

    claims, peers, blocks, with_waitlist = _lock_series(business, template, first_start, now)
    tz = business.tzinfo
    skill_ids = {}
    if blocks:
        through = Block.required_skills.through
        for block_id, skill_id in through.objects.filter(
            block_id__in=[b.pk for b in blocks]
        ).values_list("block_id", "skill_id"):
            skill_ids.setdefault(block_id, set()).add(skill_id)
    changes = []
    problems = FieldErrors()
    time_field = "start_time" if start_time is not None else "duration_minutes"
    for block in blocks:
        before = {f: getattr(block, f) for f in COMPARED_FIELDS}
        starts_at, ends_at = _new_times(block, tz, start_time, duration)
        if starts_at <= now:
            problems.add(
                time_field,
                _named(before["starts_at"], business, _("It would then start in the past.")),
            )
        for name, value in fields.items():
            setattr(block, name, value)
        block.starts_at, block.ends_at = starts_at, ends_at
        if block.is_remote:
            block.latitude = block.longitude = None
        if block.capacity < block.seats_taken:
            problems.add(
                "capacity",
                _named(
                    before["starts_at"],
                    business,
                    _("%(taken)d peers already hold it; the capacity cannot be lower.")
                    % {"taken": block.seats_taken},
                ),
            )
        change = _Change(block, before, skill_ids.get(block.pk, set()))
        if skills is not None:
            change.new_skill_ids = {s.pk for s in skills}
        changes.append(change)
    problems.raise_if_any()
    changes = [c for c in changes if c.changed]
    _check_overlaps(business, changes, claims, now, time_field)

    _save_blocks(changes, skills)
    _move_claims(changes, time_field)
    for change in changes:
        if change.block.pk in with_waitlist:
            _promote_from_waitlist(change.block, peers, now)
    template = _update_template(template, fields, skills, start_time, duration)
    _tell_claimants(business, changes, claims)
    changed_blocks = sorted((c.block for c in changes), key=lambda b: (b.starts_at, b.pk))
    for block in changed_blocks:
        if skills is not None:
            block.remember_skills(skills)
    return Outcome(Series(template, selectors.with_fill(changed_blocks)))


def _save_blocks(changes, skills):
    if not changes:
        return
    saved_at = timezone.now()
    for change in changes:
        # The row is locked: its sequence cannot move under us.
        change.block.sequence += 1
        change.block.updated_at = saved_at
    Block.objects.bulk_update(
        [c.block for c in changes], [*COMPARED_FIELDS, "sequence", "updated_at"]
    )
    if skills is not None:
        through = Block.required_skills.through
        ids = [c.block.pk for c in changes]
        through.objects.filter(block_id__in=ids).delete()
        through.objects.bulk_create(
            [through(block_id=block_id, skill_id=s.pk) for block_id in ids for s in skills]
        )


def _update_template(template, fields, skills, start_time, duration):
    """The template describes the series from now on; it comes back with its program, its
    skills and its `block_count`."""
    template = (
        BlockTemplate.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=template.pk)
    )
    names = set(fields)
    for name, value in fields.items():
        setattr(template, name, value)
    if start_time is not None:
        first_day = date.fromisoformat(template.dtstart_local[:10])
        template.dtstart_local = datetime.combine(first_day, start_time).isoformat()
        names.add("dtstart_local")
    if duration is not None:
        template.duration_minutes = int(duration.total_seconds() // 60)
        names.add("duration_minutes")
    if names:
        template.save(update_fields=sorted(names))
    if skills is not None:
        template.required_skills.set(skills)
        template.remember_skills(skills)
    else:
        prefetch_related_objects([template], "required_skills")
    template.block_count = selectors.series_block_count(template)
    return template


def _tell_claimants(business, changes, claims):
    """One e-mail per claimant, in their language, listing their blocks whose time or place
    changed (a new capacity or reward is not worth an e-mail)."""
    told = {c.block.pk: c for c in changes if c.time_changed or c.place_changed}
    by_peer = {}
    for claim in claims:
        if claim.block_id in told:
            by_peer.setdefault(claim.peer_id, (claim.peer, []))[1].append(told[claim.block_id])
    tz = business.tzinfo
    for peer, peer_changes in by_peer.values():
        items = [
            {
                "block": c.block,
                "was_starts": c.before["starts_at"].astimezone(tz),
                "was_ends": c.before["ends_at"].astimezone(tz),
                "starts": c.block.starts_at.astimezone(tz),
                "ends": c.block.ends_at.astimezone(tz),
                "time_changed": c.time_changed,
                "place_changed": c.place_changed,
            }
            for c in sorted(peer_changes, key=lambda c: c.block.starts_at)
        ]
        with timezone.override(tz):
            enqueue_email(
                business=business,
                to=peer.user.email,
                language=peer.user.language or business.default_language,
                template="scheduling/email/series_changed",
                event="block.series_changed",
                context={
                    "peer": peer,
                    "program": items[0]["block"].program,
                    "items": items,
                    "count": len(items),
                },
            )
