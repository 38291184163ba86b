"""A year of Bici Gialla's history, so that every chart of the owner's dashboard has a shape:
the army grew month by month (peers applied and were approved across the year, one was
suspended), delivery blocks ran three times a week (completed through the scheduling services,
so the reward rules paid them into the ledger; a few riders did not show up), visitors asked
for locals (most met, some declined, some found nobody in time). Deterministic but for the
day it starts from. Runs after the other loaders, before the dashboard's figures are made."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from peerarmy.codes import new_token
from peerarmy.matching.models import Match, MatchRequest, MatchStatus, RequestStatus
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.programs.models import Program, ProgramKind
from peerarmy.scheduling.models import Block, BlockStatus, Claim, ClaimStatus
from peerarmy.scheduling.services import complete_claim, mark_no_show
from peerarmy.superfans.models import Invitation, InvitationStatus, SuperfanScore
from peerarmy.tenancy.models import Membership, Role

from .scheduling import DELIVERY_PLACE

WEEKS = 52
RECENT_WEEKS = 6  # the last five weeks are the rewards loader's own history
BLOCK_DAYS = (1, 3, 5)  # Tuesday, Thursday, Saturday


def load_year(business, now) -> dict:
    rng = random.Random(2025)  # noqa: S311 - demo data, not security
    owner = Membership.objects.get(business=business, role=Role.OWNER).user
    _spread_the_army(business, rng, now)
    invited = _invitations(business, owner, rng, now)
    blocks, no_shows = _deliveries(business, owner, rng, now)
    unmatched = _visitors_nobody_met(business, rng, now)
    return {"invitations": invited, "blocks": blocks, "no-shows": no_shows, "unmatched": unmatched}


def _spread_the_army(business, rng, now):
    """Peers applied across the year, earliest first; each was decided a few days later."""
    peers = list(Peer.objects.filter(business=business).order_by("pk"))
    count = len(peers)
    for i, peer in enumerate(peers):
        if peer.status == PeerStatus.APPLICANT:
            days_ago = rng.randint(1, 12)
        else:
            # the first riders joined a year ago, the rest arrived month by month
            days_ago = 360 - int(320 * i / max(count, 1)) + rng.randint(-6, 6)
        applied = now - timedelta(days=days_ago, hours=rng.randint(0, 8))
        fields = {"applied_at": applied}
        if peer.decided_at is not None:
            fields["decided_at"] = applied + timedelta(days=rng.randint(1, 5))
        Peer.objects.filter(pk=peer.pk).update(**fields)


def _invitations(business, owner, rng, now):
    """The owner invited their best customers through the year: those who became peers accepted
    a few days before applying; of the others, the older invitations expired unanswered."""
    peers = {
        p.customer_id: p for p in Peer.objects.filter(business=business, customer__isnull=False)
    }
    best = list(
        SuperfanScore.objects.filter(business=business)
        .order_by("-score", "customer_id")
        .values_list("customer_id", flat=True)[:60]
    )
    made, sent_dates = [], []
    for n, customer_id in enumerate(dict.fromkeys([*peers, *best])):
        peer = peers.get(customer_id)
        if peer is not None:
            sent = peer.applied_at - timedelta(days=rng.randint(2, 6))
        else:
            sent = now - timedelta(days=15 + (n * 37) % 340)
        expires = sent + timedelta(days=30)
        sent_dates.append(sent)
        if peer is not None:
            status = InvitationStatus.ACCEPTED
        elif expires < now:
            status = InvitationStatus.EXPIRED
        else:
            status = InvitationStatus.SENT
        made.append(
            Invitation(
                business=business,
                customer_id=customer_id,
                nonce_hash=new_token()[1],
                status=status,
                expires_at=expires,
                accepted_at=peer.applied_at if peer is not None else None,
                peer=peer,
                invited_by=owner,
            )
        )
    Invitation.objects.bulk_create(made)
    for invitation, sent in zip(made, sent_dates, strict=True):  # sent_at is set on insert
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=sent)
    return len(made)


def _deliveries(business, owner, rng, now):
    program = Program.objects.get(business=business, kind=ProgramKind.DELIVERY)
    riders = list(
        Peer.objects.filter(
            business=business, status=PeerStatus.ACTIVE, skills__slug="cargo-bike-delivery"
        ).order_by("pk")
    )
    tz = business.tzinfo
    today = timezone.localtime(now, tz).date()
    monday = today - timedelta(days=today.weekday())
    blocks = no_shows = 0
    for weeks_ago in range(WEEKS, RECENT_WEEKS, -1):
        week = monday - timedelta(weeks=weeks_ago)
        # busier in spring and summer, quieter in winter
        season = 1 if week.month in (11, 12, 1, 2) else 2
        for weekday in BLOCK_DAYS:
            day = week + timedelta(days=weekday)
            starts = datetime.combine(day, time(9), tzinfo=tz)
            block = Block.objects.create(
                business=business,
                program=program,
                starts_at=starts,
                ends_at=starts + timedelta(hours=3),
                capacity=season,
                seats_taken=0,
                status=BlockStatus.OPEN,
                reward_minor=3600,
                reward_currency="EUR",
                released_at=starts - timedelta(days=7),
                **DELIVERY_PLACE,
            )
            blocks += 1
            joined = [r for r in riders if r.decided_at and r.decided_at < starts]
            if not joined or rng.random() < 0.12:  # some blocks found nobody
                continue
            taken = rng.sample(joined, min(len(joined), season if rng.random() < 0.7 else 1))
            for rider in taken:
                claim = Claim.objects.create(
                    business=business,
                    block=block,
                    peer=rider,
                    status=ClaimStatus.ACTIVE,
                    starts_at=block.starts_at,
                    ends_at=block.ends_at,
                    claimed_at=block.starts_at - timedelta(days=2),
                    checked_in_at=block.starts_at,
                    checked_out_at=block.ends_at,
                )
                block.seats_taken += 1
                later = claim.ends_at + timedelta(minutes=30)
                if rng.random() < 0.05:
                    mark_no_show(business, owner, claim, now=later)
                    no_shows += 1
                else:
                    complete_claim(business, owner, claim, now=later)
            Block.objects.filter(pk=block.pk).update(seats_taken=block.seats_taken)
    return blocks, no_shows


def _visitors_nobody_met(business, rng, now):
    """Over the year, visitors whose proposals were declined or who found nobody in time."""
    program = Program.objects.get(business=business, kind=ProgramKind.GUIDES)
    peers = list(Peer.objects.filter(business=business, status=PeerStatus.ACTIVE).order_by("pk"))
    tz = business.tzinfo
    count = 0
    for n in range(24):
        asked = now - timedelta(days=20 + n * 14 + rng.randint(0, 5))
        starts = datetime.combine(asked.astimezone(tz).date() + timedelta(days=5), time(15), tz)
        expired = n % 2 == 0
        # nobody spoke the language, was free or near enough; or the one asked declined and
        # everyone else was busy
        reason = ("no_language", "no_time", "too_far")[n % 3] if expired else "no_capacity"
        request = MatchRequest.objects.create(
            business=business,
            program=program,
            status=RequestStatus.EXPIRED,
            name=f"Visitatore {n + 1}",
            email=f"visitor{n + 1}@example.org",
            language="en",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            meeting_address="Piazza Maggiore, Bologna",
            latitude="44.493700",
            longitude="11.343000",
            languages=["ja"] if reason == "no_language" else ["en"],
            unmatched_reason=reason,
            confirmed_at=asked,
        )
        MatchRequest.objects.filter(pk=request.pk).update(created_at=asked)
        if not expired and peers:
            match = Match.objects.create(
                business=business,
                program=program,
                request=request,
                peer=rng.choice(peers),
                status=MatchStatus.DECLINED,
                meets_at=starts,
                ends_at=starts + timedelta(hours=2),
                respond_by=asked + timedelta(hours=12),
                responded_at=asked + timedelta(hours=3),
                decline_reason="",
            )
            Match.objects.filter(pk=match.pk).update(created_at=asked + timedelta(hours=1))
        count += 1
    return count
