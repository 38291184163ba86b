"""Every change of the trust app: rate a completed block or meeting (two-way, revealed
together), hide a comment, and recompute the reliability scores from the peers' history."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerarmy.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from peerarmy.inputs import Outcome
from peerarmy.matching.models import CancelledBy, Match, MatchStatus
from peerarmy.peers.models import Peer
from peerarmy.scheduling.models import Claim, ClaimStatus, ReliabilityEvent, ReliabilityEventKind
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can, check_can_manage

from . import reliability
from .inputs import CONSUMER_TAGS, PEER_TAGS, HideCommentInput, RatingInput
from .models import (
    ModerationAction,
    RatedParty,
    RaterRole,
    Rating,
    RatingModeration,
    ReliabilityScore,
    SubjectKind,
    TrustSettings,
)

WRITE_BATCH = 2000


class NotAParticipant(DomainError):
    code = "not_a_participant"
    status = 403
    default_message = gettext_lazy("Only the people who took part can rate it.")


class AlreadyRated(DomainError):
    code = "already_rated"
    status = 409
    default_message = gettext_lazy("You have already rated this.")


class RatingWindowClosed(DomainError):
    code = "rating_window_closed"
    status = 409
    default_message = gettext_lazy("The time to rate this is over.")


def settings_for(business) -> TrustSettings:
    found = TrustSettings.objects.filter(business=business).first()
    if found is None:
        found, _created = TrustSettings.objects.get_or_create(business=business)
    return found


# --- ratings ----------------------------------------------------------------------------------

# Who must have rated for a subject's ratings to be revealed before its window closes.
SIDES = {
    SubjectKind.CLAIM: {RaterRole.STAFF},
    SubjectKind.MATCH: {RaterRole.CONSUMER, RaterRole.PEER},
}


@dataclass(frozen=True)
class Subject:
    kind: str
    claim: Claim | None
    match: Match | None
    peer_id: int
    completed_at: object

    @property
    def filter(self) -> Q:
        return Q(claim=self.claim) if self.claim is not None else Q(match=self.match)


def _subject(business, data: RatingInput) -> Subject:
    if data.subject_kind == SubjectKind.CLAIM:
        claim = Claim.objects.filter(business=business, pk=data.subject_id).first()
        if claim is None:
            raise NotFound()
        if claim.status != ClaimStatus.COMPLETED:
            raise InvalidTransition(_("Only a completed block can be rated."))
        done = claim.checked_out_at or claim.ends_at
        return Subject(SubjectKind.CLAIM, claim, None, claim.peer_id, done)
    match = (
        Match.objects.filter(business=business, pk=data.subject_id)
        .select_related("request")
        .first()
    )
    if match is None:
        raise NotFound()
    if match.status != MatchStatus.COMPLETED:
        raise InvalidTransition(_("Only a completed meeting can be rated."))
    return Subject(
        SubjectKind.MATCH, None, match, match.peer_id, match.completed_at or match.ends_at
    )


def _check_tags(party, tags):
    allowed = PEER_TAGS if party == RatedParty.PEER else CONSUMER_TAGS
    wrong = [t for t in tags if t not in allowed]
    if wrong:
        raise DomainError(
            _("This tag cannot be given here: %(tag)s.") % {"tag": wrong[0]},
            code="validation_failed",
            field="tags",
            status=422,
        )


def _rate(business, subject, data, *, role, party, rater=None, now=None) -> Outcome[Rating]:
    now = now or timezone.now()
    _check_tags(party, data.tags)
    window = timedelta(days=settings_for(business).rating_window_days)
    closes_at = subject.completed_at + window
    if now >= closes_at:
        raise RatingWindowClosed()
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                business=business,
                subject_kind=subject.kind,
                claim=subject.claim,
                match=subject.match,
                peer_id=subject.peer_id,
                rater_role=role,
                rated_party=party,
                rater=rater,
                stars=data.stars,
                tags=list(dict.fromkeys(data.tags)),
                comment=data.comment,
                created_at=now,
                closes_at=closes_at,
            )
            given = set(
                Rating.objects.filter(subject.filter, business=business).values_list(
                    "rater_role", flat=True
                )
            )
            if SIDES[subject.kind] <= given:
                Rating.objects.filter(subject.filter, business=business).filter(
                    revealed_at__isnull=True
                ).update(revealed_at=now)
                rating.revealed_at = now
                transaction.on_commit(lambda: recompute_peer(business, subject.peer_id))
    except IntegrityError:
        raise AlreadyRated() from None
    return Outcome(rating, created=True)


def rate_as_consumer(match_request, data: RatingInput, *, now=None) -> Outcome[Rating]:
    """The visitor of a completed match rates its peer (through their request's signed link)."""
    business = match_request.business
    if data.subject_kind != SubjectKind.MATCH:
        raise NotAParticipant()
    subject = _subject(business, data)
    if subject.match.request_id != match_request.pk:
        raise NotAParticipant()
    return _rate(business, subject, data, role=RaterRole.CONSUMER, party=RatedParty.PEER, now=now)


def rate_as_peer(peer, data: RatingInput, *, now=None) -> Outcome[Rating]:
    """A peer rates the visitor of their completed match."""
    business = peer.business
    subject = _subject(business, data)
    if subject.kind != SubjectKind.MATCH or subject.peer_id != peer.pk:
        raise NotAParticipant()
    return _rate(
        business,
        subject,
        data,
        role=RaterRole.PEER,
        party=RatedParty.CONSUMER,
        rater=peer.user,
        now=now,
    )


def rate_as_staff(business, actor, data: RatingInput, *, now=None) -> Outcome[Rating]:
    """A member of the business rates the peer of a completed block claim or match."""
    try:
        check_can_manage(actor, business)
    except PermissionDenied:
        raise NotAParticipant() from None
    subject = _subject(business, data)
    return _rate(
        business, subject, data, role=RaterRole.STAFF, party=RatedParty.PEER, rater=actor, now=now
    )


def hide_comment(business, actor, rating, data: HideCommentInput, *, now=None) -> Outcome[Rating]:
    """Hide a rating's comment with a reason (logged); its stars still count."""
    check_can(actor, business, Capability.TRUST)
    now = now or timezone.now()
    with transaction.atomic():
        rating = Rating.objects.select_for_update().filter(business=business, pk=rating.pk).first()
        if rating is None:
            raise NotFound()
        if rating.hidden_at is not None:
            return Outcome(rating, replayed=True)
        rating.hidden_at = now
        rating.hidden_reason = data.reason
        rating.hidden_by = actor
        rating.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
        RatingModeration.objects.create(
            business=business,
            rating=rating,
            action=ModerationAction.HIDE,
            reason=data.reason,
            actor=actor,
            created_at=now,
        )
    return Outcome(rating)


def show_comment(business, actor, rating, data: HideCommentInput, *, now=None) -> Outcome[Rating]:
    """Show a hidden comment again, with a reason (logged)."""
    check_can(actor, business, Capability.TRUST)
    now = now or timezone.now()
    with transaction.atomic():
        rating = Rating.objects.select_for_update().filter(business=business, pk=rating.pk).first()
        if rating is None:
            raise NotFound()
        if rating.hidden_at is None:
            return Outcome(rating, replayed=True)
        rating.hidden_at = None
        rating.hidden_reason = ""
        rating.hidden_by = None
        rating.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
        RatingModeration.objects.create(
            business=business,
            rating=rating,
            action=ModerationAction.SHOW,
            reason=data.reason,
            actor=actor,
            created_at=now,
        )
    return Outcome(rating)


# --- reliability ------------------------------------------------------------------------------


def revealed(now) -> Q:
    return Q(revealed_at__isnull=False) | Q(closes_at__lte=now)


def _ts(values):
    return np.array([v.timestamp() for v in values], dtype=np.float64)


def read_history(business, *, now, peer_ids=None) -> reliability.Events:
    """A business's events for the core (of `peer_ids` only, when given): completed claims,
    no-shows and late releases (`ReliabilityEvent`), completed matches, matches the peer
    cancelled, and the revealed ratings of peers."""
    only = {} if peer_ids is None else {"peer_id__in": list(peer_ids)}
    parts = []

    def add(kind, rows, stars=None):
        rows = list(rows)
        if not rows:
            return
        peers = np.array([r[0] for r in rows], dtype=np.int64)
        at = _ts(r[1] for r in rows)
        k = np.full(len(rows), kind, dtype=np.int8)
        s = (
            np.array([r[2] for r in rows], dtype=np.float32)
            if stars
            else np.full(len(rows), np.nan, dtype=np.float32)
        )
        parts.append((peers, k, at, s))

    add(
        reliability.COMPLETED,
        Claim.objects.filter(business=business, status=ClaimStatus.COMPLETED, **only).values_list(
            "peer_id", "ends_at"
        ),
    )
    for event_kind, kind in (
        (ReliabilityEventKind.NO_SHOW, reliability.NO_SHOW),
        (ReliabilityEventKind.LATE_RELEASE, reliability.LATE_RELEASE),
    ):
        add(
            kind,
            ReliabilityEvent.objects.filter(business=business, kind=event_kind, **only).values_list(
                "peer_id", "created_at"
            ),
        )
    add(
        reliability.COMPLETED,
        Match.objects.filter(business=business, status=MatchStatus.COMPLETED, **only).values_list(
            "peer_id", "ends_at"
        ),
    )
    add(
        reliability.CANCELLED,
        Match.objects.filter(
            business=business,
            status=MatchStatus.CANCELLED,
            cancelled_by=CancelledBy.PEER,
            **only,
        ).values_list("peer_id", "meets_at"),
    )
    add(
        reliability.RATING,
        Rating.objects.filter(
            revealed(now), business=business, rated_party=RatedParty.PEER, **only
        ).values_list("peer_id", "created_at", "stars"),
        stars=True,
    )
    if not parts:
        empty = np.zeros(0)
        return reliability.Events(empty, empty, empty, empty)
    return reliability.Events(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def params_for(business, *, now) -> reliability.Params:
    """The business's prior (its revealed peer ratings, summed in the database) and half-life."""
    found = Rating.objects.filter(
        revealed(now), business=business, rated_party=RatedParty.PEER
    ).aggregate(total=Sum("stars"), n=Count("pk"))
    return reliability.Params(
        prior_stars=reliability.business_prior(found["total"] or 0, found["n"] or 0),
        half_life_days=float(settings_for(business).half_life_days),
    )


@dataclass(frozen=True)
class RecomputeResult:
    peers: int
    events: int
    with_history: int
    prior: float
    seconds: float
    read_seconds: float
    core_seconds: float
    write_seconds: float


def write_scores(business, table: reliability.ReliabilityTable, *, now):
    """Store every row's ReliabilityScore and the peers' `reliability` (rounded; None for a
    peer without history, so that programs can tell "no track record yet")."""
    rows = []
    wanted = {}
    for i, peer_id in enumerate(table.peer_id.tolist()):
        counts = table.counts(i)
        rows.append(
            ReliabilityScore(
                business=business,
                peer_id=peer_id,
                score=float(table.score[i]),
                components=table.components(i),
                has_history=bool(table.has_history[i]),
                ratings=counts["ratings"],
                stars_avg=counts["stars_avg"],
                completed=counts["completed"],
                taken_on=counts["taken_on"],
                prior=table.prior,
                computed_at=now,
            )
        )
        wanted[peer_id] = int(round(float(table.score[i]))) if table.has_history[i] else None
    fields = [
        "score",
        "components",
        "has_history",
        "ratings",
        "stars_avg",
        "completed",
        "taken_on",
        "prior",
        "computed_at",
    ]
    with transaction.atomic():
        for start in range(0, len(rows), WRITE_BATCH):
            ReliabilityScore.objects.bulk_create(
                rows[start : start + WRITE_BATCH],
                update_conflicts=True,
                unique_fields=["peer"],
                update_fields=fields,
            )
        current = dict(
            Peer.objects.filter(business=business, pk__in=list(wanted)).values_list(
                "pk", "reliability"
            )
        )
        changed = [
            Peer(pk=pk, reliability=value)
            for pk, value in wanted.items()
            if pk in current and current[pk] != value
        ]
        Peer.objects.bulk_update(changed, ["reliability"], batch_size=WRITE_BATCH)


def recompute_business(business, *, actor=None, now=None) -> Outcome[RecomputeResult]:
    """Compute and store the reliability score of every peer of the business."""
    if actor is not None:
        check_can(actor, business, Capability.TRUST)
    now = now or timezone.now()
    start = time.perf_counter()
    peer_ids = list(Peer.objects.filter(business=business).values_list("pk", flat=True))
    events = read_history(business, now=now)
    params = params_for(business, now=now)
    read = time.perf_counter()
    table = reliability.compute(peer_ids, events, now.timestamp(), params)
    core = time.perf_counter()
    write_scores(business, table, now=now)
    done = time.perf_counter()
    return Outcome(
        RecomputeResult(
            peers=len(peer_ids),
            events=len(events),
            with_history=int(table.has_history.sum()),
            prior=table.prior,
            seconds=done - start,
            read_seconds=read - start,
            core_seconds=core - read,
            write_seconds=done - core,
        )
    )


def recompute_peer(business, peer_id, *, now=None) -> Outcome[ReliabilityScore]:
    """Recompute one peer's score after an event of theirs (reads only their history)."""
    now = now or timezone.now()
    events = read_history(business, now=now, peer_ids=[peer_id])
    table = reliability.compute([peer_id], events, now.timestamp(), params_for(business, now=now))
    write_scores(business, table, now=now)
    return Outcome(ReliabilityScore.objects.get(business=business, peer_id=peer_id))


def recompute_nightly(business, *, now=None) -> bool:
    """The nightly recompute: once per day of the business (its time zone), at most; True
    when it ran now. Two workers racing for the same night run it once."""
    now = now or timezone.now()
    today = timezone.localtime(now, business.tzinfo).date()
    settings_for(business)
    claimed = (
        TrustSettings.objects.filter(business=business)
        .filter(Q(recomputed_on__isnull=True) | Q(recomputed_on__lt=today))
        .update(recomputed_on=today)
    )
    if not claimed:
        return False
    recompute_business(business, now=now)
    return True
