"""Read-only queries the web pages need and no other app's selectors provide yet."""

from django.db.models import Count
from django_scopes import scopes_disabled

from peerarmy.accounts.models import ApiToken
from peerarmy.peers.models import Peer, PeerStatus, Skill
from peerarmy.programs.models import Program, ProgramStatus
from peerarmy.tenancy.models import Business, Membership


def listed_businesses():
    return Business.objects.order_by("name", "pk")


def memberships_of(user):
    """Every business the user runs, with their role."""
    return list(
        Membership.objects.filter(user=user).select_related("business").order_by("business__name")
    )


def peer_profiles_of(user):
    """The user's peer profiles across businesses (one account, many armies).

    Runs unscoped on purpose: it reads only the user's own rows, filtered by user.
    """
    with scopes_disabled():
        return list(
            Peer.objects.filter(user=user).select_related("business").order_by("business__name")
        )


def skills_for_business(business):
    return list(Skill.objects.filter(business=business).order_by("slug"))


def published_program_by_slug(business, slug):
    return (
        Program.objects.filter(business=business, slug=slug, status=ProgramStatus.PUBLISHED)
        .prefetch_related("required_skills")
        .first()
    )


def peer_counts(business):
    """{status: number of peers} with every status present."""
    counts = dict.fromkeys(PeerStatus.values, 0)
    rows = Peer.objects.filter(business=business).values("status").annotate(n=Count("pk"))
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def program_counts(business):
    """{status: number of programs} with every status present."""
    counts = dict.fromkeys(ProgramStatus.values, 0)
    rows = Program.objects.filter(business=business).values("status").annotate(n=Count("pk"))
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def tokens_for_business(business):
    return (
        ApiToken.objects.filter(business=business)
        .select_related("user")
        .order_by("-created_at", "-pk")
    )


def get_token_for_business(business, token_id):
    return ApiToken.objects.filter(business=business, pk=token_id).first()
