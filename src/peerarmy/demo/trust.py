"""The demo's ratings (issue 16): staff rated most completed delivery blocks; visitors rated
most completed tours and layovers, and the locals rated many of their visitors, so some
meetings are rated on one side only (shown once the window closed, or still waiting). One
comment was hidden by staff, with its reason. Every rating goes through the trust services, at
the moment it was given; then every peer's reliability is recomputed."""

import random
from datetime import timedelta

from peerarmy.matching.models import Match, MatchStatus
from peerarmy.scheduling.models import Claim, ClaimStatus
from peerarmy.tenancy.models import Membership, Role
from peerarmy.trust import services
from peerarmy.trust.inputs import HideCommentInput, RatingInput

SEED = 16
STAFF_COMMENTS = [
    "Puntuale e preciso, i clienti lo adorano.",
    "Consegne perfette anche sotto la pioggia.",
    "",
    "",
    "Un po' in ritardo, ma ha avvisato per tempo.",
]
VISITOR_COMMENTS = [
    "Bologna vista con gli occhi di chi ci vive: fantastico!",
    "A wonderful afternoon, we learnt so much about the city.",
    "",
    "Very friendly and knew every hidden corner.",
    "",
]
HIDDEN_COMMENT = "Che spreco di tempo, un incapace totale."
HIDDEN_REASON = "Linguaggio offensivo verso la persona del posto."


def _rating(kind, pk, stars, tags=(), comment=""):
    return RatingInput.parse(
        {
            "subject_kind": kind,
            "subject_id": pk,
            "stars": stars,
            "tags": list(tags),
            "comment": comment,
        }
    )


def load_trust(business, now) -> dict:
    """Rate the demo's completed work, hide one comment, recompute; the counts."""
    rng = random.Random(SEED)
    staff = (
        Membership.objects.filter(business=business, role__in=[Role.STAFF, Role.OWNER])
        .select_related("user")
        .order_by("role")
        .first()
        .user
    )
    owner = Membership.objects.filter(business=business, role=Role.OWNER).first().user
    given = 0
    hidden = None
    claims = Claim.objects.filter(business=business, status=ClaimStatus.COMPLETED).order_by(
        "ends_at", "pk"
    )
    for n, claim in enumerate(claims):
        if rng.random() < 0.3:
            continue  # not every block gets a rating
        stars = rng.choice([5, 5, 5, 4, 4, 3])
        tags = rng.sample(["punctual", "careful", "friendly", "helpful"], rng.randint(0, 2))
        when = min(now, claim.ends_at + timedelta(hours=rng.randint(2, 48)))
        services.rate_as_staff(
            business,
            staff,
            _rating("claim", claim.pk, stars, tags, STAFF_COMMENTS[n % len(STAFF_COMMENTS)]),
            now=when,
        )
        given += 1
    matches = Match.objects.filter(business=business, status=MatchStatus.COMPLETED).select_related(
        "request", "peer__user"
    )
    for n, match in enumerate(matches.order_by("completed_at", "pk")):
        done = match.completed_at or match.ends_at
        if n % 4 != 3:  # the visitor rated
            comment = VISITOR_COMMENTS[n % len(VISITOR_COMMENTS)]
            stars = rng.choice([5, 5, 4, 4, 3])
            if hidden is None and n == 1:
                comment, stars = HIDDEN_COMMENT, 2
            rated = services.rate_as_consumer(
                match.request,
                _rating(
                    "match", match.pk, stars, rng.sample(["friendly", "knowledgeable"], 1), comment
                ),
                now=min(now, done + timedelta(hours=rng.randint(3, 72))),
            ).value
            given += 1
            if comment == HIDDEN_COMMENT:
                hidden = rated
        if n % 3 != 2:  # the local rated their visitor
            services.rate_as_peer(
                match.peer,
                _rating("match", match.pk, rng.choice([5, 5, 4]), ["friendly"]),
                now=min(now, done + timedelta(hours=rng.randint(1, 30))),
            )
            given += 1
    if hidden is not None:
        services.hide_comment(
            business,
            owner,
            hidden,
            HideCommentInput.parse({"reason": HIDDEN_REASON}),
            now=min(now, hidden.created_at + timedelta(hours=5)),
        )
    result = services.recompute_business(business, now=now).value
    return {"ratings": given, "hidden": int(hidden is not None), "scored": result.peers}
