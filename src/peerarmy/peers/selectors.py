"""Reads of peers that the console, the peer's app and the API share."""

from django.db.models import Q

from .models import Peer, Skill


def peers_for_business(business, *, status=None, skill=None, language=None, q=None):
    qs = (
        Peer.objects.filter(business=business)
        .select_related("user")
        .prefetch_related("skills", "languages")
    )
    if status:
        qs = qs.filter(status=status)
    if skill:
        qs = qs.filter(skills__slug=skill)
    if language:
        qs = qs.filter(languages__language=language)
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(display_name__icontains=q)
            | Q(user__email__icontains=q)
            | Q(home_address__icontains=q)
        )
    return qs.distinct().order_by("status", "display_name", "pk")


def get_peer_for_business(business, peer_id):
    """The peer with this id in this business, or None: another business's id finds nothing."""
    return (
        Peer.objects.filter(business=business, pk=peer_id)
        .select_related("user")
        .prefetch_related("skills", "languages")
        .first()
    )


def peer_for_user(business, user):
    if not user.is_authenticated:
        return None
    return (
        Peer.objects.filter(business=business, user=user)
        .prefetch_related("skills", "languages")
        .first()
    )


def skills_of_business(business):
    """The skills a business asks for, in a stable order (for forms and filters)."""
    return list(Skill.objects.filter(business=business).order_by("slug"))


def skills_by_slug(business, slugs) -> dict:
    """{slug: Skill} for those of `slugs` that the business has."""
    return {s.slug: s for s in Skill.objects.filter(business=business, slug__in=list(slugs))}
