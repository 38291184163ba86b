"""Reads of the trust app: a peer's public summary and ratings, their score, the ratings to
give, the console's lists."""

from datetime import timedelta

from django.db.models import Avg, Count
from django.utils import timezone

from peerarmy.errors import NotFound
from peerarmy.matching.models import Match, MatchStatus

from .models import RatedParty, RaterRole, Rating, RatingModeration, ReliabilityScore
from .services import revealed, settings_for


def peer_summary(business, peer, *, now=None) -> dict:
    """What a visitor sees of a peer: revealed ratings, their average, the completion rate
    and the score (as last computed)."""
    now = now or timezone.now()
    found = Rating.objects.filter(
        revealed(now), business=business, peer=peer, rated_party=RatedParty.PEER
    ).aggregate(n=Count("pk"), avg=Avg("stars"))
    score = ReliabilityScore.objects.filter(business=business, peer=peer).first()
    return {
        "peer_id": peer.pk,
        "ratings": found["n"] or 0,
        "stars": round(float(found["avg"]), 1) if found["avg"] is not None else None,
        "completed_percent": score.completed_percent if score else None,
        "score": round(score.score) if score and score.has_history else None,
    }


def summaries(business, peer_ids, *, now=None) -> dict[int, dict]:
    """`peer_summary` of several peers at once (the badges of a list of matches)."""
    now = now or timezone.now()
    peer_ids = list(peer_ids)
    stars = {
        row["peer_id"]: row
        for row in Rating.objects.filter(
            revealed(now), business=business, peer_id__in=peer_ids, rated_party=RatedParty.PEER
        )
        .values("peer_id")
        .annotate(n=Count("pk"), avg=Avg("stars"))
    }
    scores = {
        s.peer_id: s
        for s in ReliabilityScore.objects.filter(business=business, peer_id__in=peer_ids)
    }
    result = {}
    for peer_id in peer_ids:
        row, score = stars.get(peer_id), scores.get(peer_id)
        result[peer_id] = {
            "peer_id": peer_id,
            "ratings": row["n"] if row else 0,
            "stars": round(float(row["avg"]), 1) if row else None,
            "completed_percent": score.completed_percent if score else None,
            "score": round(score.score) if score and score.has_history else None,
        }
    return result


def public_ratings(business, peer, *, now=None, limit=50):
    """A peer's revealed ratings, newest first (hidden comments read as empty)."""
    now = now or timezone.now()
    return list(
        Rating.objects.filter(
            revealed(now), business=business, peer=peer, rated_party=RatedParty.PEER
        )[:limit]
    )


def score_of(business, peer) -> ReliabilityScore | None:
    return ReliabilityScore.objects.filter(business=business, peer=peer).first()


def ratings_by_user(business, user, *, limit=200):
    """The ratings a signed-in person gave in this business (as staff or as a peer)."""
    return list(Rating.objects.filter(business=business, rater=user)[:limit])


def ratings_of_match(business, match):
    return list(Rating.objects.filter(business=business, match=match))


def ratings_for_console(business, peer, *, limit=100):
    """Every rating of a peer (revealed or not, hidden comments included) for staff."""
    return list(
        Rating.objects.filter(
            business=business, peer=peer, rated_party=RatedParty.PEER
        ).select_related("hidden_by")[:limit]
    )


def get_rating(business, rating_id) -> Rating:
    found = Rating.objects.filter(business=business, pk=rating_id).first()
    if found is None:
        raise NotFound()
    return found


def moderation_log(business, *, limit=100):
    return list(
        RatingModeration.objects.filter(business=business).select_related("actor", "rating")[:limit]
    )


def consumer_has_rated(business, match_id) -> bool:
    return Rating.objects.filter(
        business=business, match_id=match_id, rater_role=RaterRole.CONSUMER
    ).exists()


def window_open(business, match_id, *, now=None) -> bool:
    """Whether a completed match can still be rated."""
    now = now or timezone.now()
    match = Match.objects.filter(business=business, pk=match_id).first()
    if match is None or match.status != MatchStatus.COMPLETED:
        return False
    done = match.completed_at or match.ends_at
    return now < done + timedelta(days=settings_for(business).rating_window_days)


def peer_match(business, peer, match_id) -> Match:
    """The peer's own completed match `match_id` (with its request); NotFound otherwise."""
    match = (
        Match.objects.filter(
            business=business, peer=peer, pk=match_id, status=MatchStatus.COMPLETED
        )
        .select_related("request")
        .first()
    )
    if match is None:
        raise NotFound()
    return match


def peer_rated_matches(business, peer, match_ids) -> set[int]:
    """Which of the matches the peer has already rated."""
    return set(
        Rating.objects.filter(
            business=business, match_id__in=list(match_ids), rater_role=RaterRole.PEER
        ).values_list("match_id", flat=True)
    )


def rated_claims(business, claim_ids) -> set[int]:
    """Which of the claims staff have already rated."""
    return set(
        Rating.objects.filter(
            business=business, claim_id__in=list(claim_ids), rater_role=RaterRole.STAFF
        ).values_list("claim_id", flat=True)
    )


def weighted_stars(business, peer_ids) -> dict[int, float]:
    """{peer id: the Bayesian stars of their score} for the peers with revealed ratings (the
    stars matching weighs); the unrated are left out."""
    found = {}
    for peer_id, components in ReliabilityScore.objects.filter(
        business=business, peer_id__in=list(peer_ids), ratings__gt=0
    ).values_list("peer_id", "components"):
        for component in components or ():
            if component.get("key") == "stars" and component.get("value") is not None:
                found[peer_id] = float(component["value"])
    return found


# --- a peer's impact (analytics.impact) ---------------------------------------------------------


def _received(business, peer, since, until, now):
    rows = Rating.objects.filter(
        revealed(now or timezone.now()), business=business, peer=peer, rated_party=RatedParty.PEER
    )
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    return rows


def stars_received(business, peer, *, since=None, until=None, now=None) -> dict[int, int]:
    """{stars: how many} of the revealed ratings the peer received in [since, until) (either
    end open when None), as their reliability page lists them: a rating not revealed yet is
    not counted."""
    return dict(
        _received(business, peer, since, until, now)
        .values("stars")
        .annotate(n=Count("pk"))
        .order_by("stars")
        .values_list("stars", "n")
    )


def visitor_comments(business, peer, *, since=None, until=None, now=None, limit=3) -> list:
    """The newest revealed comments visitors wrote about the peer in [since, until), without
    those staff hid: what the peer may show on their public page."""
    return list(
        _received(business, peer, since, until, now)
        .filter(rater_role=RaterRole.CONSUMER, hidden_at__isnull=True)
        .exclude(comment="")
        .order_by("-created_at", "-pk")[:limit]
    )
