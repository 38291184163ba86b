"""People's rights (GDPR) for trust: the ratings a person gave and received (as a peer, or as a
visitor of a meeting) and a peer's reliability score (see `tenancy.privacy`).

Erasure keeps the numbers (stars and tags count in other people's averages and in the peer's
record) and drops the words: comments, the reasons a comment was hidden, and who rated."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerarmy.matching.privacy import requests_of
from peerarmy.peers.privacy import peer_of
from peerarmy.tenancy.privacy import rows

from .models import Rating, RatingModeration, ReliabilityScore

TABLES = {
    "ratings": _("Ratings you gave, and ratings of you (stars, tags and comments)."),
    "reliability": _("Your reliability score and what it is made of."),
}


def _ratings(business, user, emails):
    """Ratings given by the person or about them: as a peer (either side of their claims and
    meetings), as the account that rated, and as the visitor of a meeting they asked for."""
    peer = peer_of(business, user)
    found = Q(match__request__in=requests_of(business, emails))
    if peer is not None:
        found |= Q(peer=peer)
    if user is not None:
        found |= Q(rater=user)
    return Rating.objects.filter(business=business).filter(found)


def export(business, *, user, emails) -> dict[str, list[dict]]:
    peer = peer_of(business, user)
    return {
        "ratings": rows(
            _ratings(business, user, emails).order_by("created_at", "pk"),
            [
                ("rated", "subject_kind"),
                ("rated_by", "rater_role"),
                ("who_is_rated", "rated_party"),
                "stars",
                "tags",
                "comment",
                "created_at",
                "hidden_at",
            ],
        ),
        "reliability": rows(
            ReliabilityScore.objects.filter(business=business, peer=peer),
            ["score", "components", "computed_at"],
        )
        if peer is not None
        else [],
    }


def erase(business, *, user, emails, now) -> int:
    ratings = _ratings(business, user, emails)
    ids = list(ratings.values_list("pk", flat=True))
    changed = Rating.objects.filter(pk__in=ids).update(comment="", hidden_reason="")
    if user is not None:
        changed += Rating.objects.filter(pk__in=ids, rater=user).update(rater=None)
    changed += RatingModeration.objects.filter(business=business, rating_id__in=ids).update(
        reason="—"
    )
    return changed
