"""Reads of peers that the console, the peer's app, the API and other apps share."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from peerarmy.errors import NotFound
from peerarmy.notifications.selectors import push_subscriptions

from . import sql
from .models import NotificationSettings, Peer, PeerLanguage, PeerStatus, Skill


def peers_for_business(business, *, status=None, skill=None, language=None, q=None):
    qs = Peer.objects.filter(business=business).select_related("user")
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
    if skill or language:
        qs = qs.distinct()
    return PeerPage(qs.order_by("status", "display_name", "pk"))


def search_peers(business, text, *, limit=10) -> list[Peer]:
    """Peers whose name, e-mail or home area holds `text`, in list order."""
    return peers_for_business(business, q=text)[0:limit]


def peers_page_json(business, *, status=None, skill=None, language=None, q=None, limit, offset):
    """(count, the page as JSON bytes) of `peers_for_business` with the same filters, written
    by the database as the API writes a peer; None where the database cannot (not
    PostgreSQL): read `peers_for_business` instead."""
    return sql.peer_page_json(
        business.pk, status=status, skill=skill, language=language, q=q, limit=limit, offset=offset
    )


class PeerPage:
    """The business's peers in list order, read a page at a time: the page's peers, their
    accounts, then their skills and languages in one query each, attached to the peers
    (`peer.skill_list`, `peer.language_list`). Prefetching the two relations instead builds
    two querysets per peer, which costs more than the queries themselves. Supports what a
    paginator asks: `count()`, `len()`, slicing, iteration."""

    def __init__(self, queryset):
        self.queryset = queryset
        self._count = None

    def count(self):
        if self._count is None:
            self._count = self.queryset.count()
        return self._count

    def __len__(self):
        return self.count()

    def __iter__(self):
        return iter(self[0 : self.count()])

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        return attach_skills_and_languages(list(self.queryset[index]))

    def filter(self, **lookups):
        return PeerPage(self.queryset.filter(**lookups))


def attach_skills_and_languages(peers):
    """Attach each peer's skills and languages, in one query each."""
    by_id = {peer.pk: peer for peer in peers}
    for peer in peers:
        peer.attached_skills, peer.attached_languages = [], []
    if not by_id:
        return peers
    through = Peer.skills.through
    for link in through.objects.filter(peer_id__in=by_id).select_related("skill"):
        by_id[link.peer_id].attached_skills.append(link.skill)
    for peer in peers:
        peer.attached_skills.sort(key=lambda skill: skill.slug)
    for spoken in PeerLanguage.objects.filter(peer_id__in=by_id).order_by("language"):
        by_id[spoken.peer_id].attached_languages.append(spoken)
    return peers


def applicants(business, *, limit: int) -> list[Peer]:
    """The first `limit` applicants waiting for a decision, by name (the dashboard's)."""
    return list(peers_for_business(business, status=PeerStatus.APPLICANT)[:limit])


def get_peer(business, peer_id, *, for_update=False) -> Peer:
    """The business's peer (or applicant) `peer_id`, with its account, skills and languages;
    `NotFound` for any other id, another business's included. Locked for the transaction
    with `for_update`."""
    qs = Peer.objects.filter(business=business, pk=peer_id)
    if for_update:
        # Only the peer's row is locked: no join, so no other table's row with it (the
        # account, skills and languages come in queries of their own, after the lock).
        qs = qs.select_for_update().prefetch_related("user", "skills", "languages")
    else:
        qs = qs.select_related("user").prefetch_related("skills", "languages")
    peer = qs.first()
    if peer is None:
        raise NotFound()
    return peer


def peer_for_user(business, user):
    """The user's peer profile in this business (any status), or None."""
    if not user.is_authenticated:
        return None
    return (
        Peer.objects.filter(business=business, user=user)
        .prefetch_related("skills", "languages")
        .first()
    )


def has_applied(business, user) -> bool:
    return Peer.objects.filter(business=business, user=user).exists()


def peer_of_account(business, user_id):
    """The peer that account `user_id` is in this business (any status), with its user and
    business, or None: whom a peer's API token acts for."""
    return (
        Peer.objects.filter(business=business, user_id=user_id)
        .select_related("user", "business")
        .first()
    )


def peer_profiles_of(user):
    """The user's peer profiles across businesses (one account, many armies).

    Runs unscoped on purpose: it reads only the user's own rows, filtered by user.
    """
    with scopes_disabled():
        return list(
            Peer.objects.filter(user=user).select_related("business").order_by("business__name")
        )


def peer_counts(business):
    """{status: number of peers} with every status present."""
    counts = dict.fromkeys(PeerStatus.values, 0)
    rows = Peer.objects.filter(business=business).values("status").annotate(n=Count("pk"))
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def skills_of_business(business):
    """The skills a business asks for, in a stable order (for forms and filters)."""
    return list(Skill.objects.filter(business=business).order_by("slug"))


def skills_by_slug(business, slugs) -> dict:
    """{slug: Skill} for those of `slugs` that the business has."""
    return {s.slug: s for s in Skill.objects.filter(business=business, slug__in=list(slugs))}


# --- what stops a peer from being offered work ----------------------------------------------


@dataclass(frozen=True)
class Missing:
    """Something a peer has not told us yet, without which no work reaches them: `code`
    (position, languages, hours), what to tell the peer, what to tell the staff, and where
    the peer fills it in (`where`: "profile" or "availability")."""

    code: str
    to_peer: str
    to_staff: str
    where: str = "profile"


def missing_for_work(peer) -> list[Missing]:
    """What the peer's profile lacks for the claimable list and matching: a position (both
    only offer work near it) and a language."""
    found = []
    if peer.latitude is None or peer.longitude is None:
        if peer.home_address:
            found.append(
                Missing(
                    "position",
                    _(
                        "We could not find a town or a postcode in “%(address)s”: add one "
                        "(for example “Via Zamboni 33, Bologna” or “40126”), or use your "
                        "location, so that we can offer you work near you."
                    )
                    % {"address": peer.home_address},
                    _("A position: their home area names no town or postcode we know."),
                )
            )
        else:
            found.append(
                Missing(
                    "position",
                    _(
                        "Your home area (a town or a postcode), so that we can offer you work near you."
                    ),
                    _("A position: they gave no home area."),
                )
            )
    if not peer.language_list:
        found.append(
            Missing(
                "languages",
                _("The languages you speak: work is offered in a language you speak."),
                _("A language: they gave none."),
            )
        )
    return found


# --- how new work reaches the peer ------------------------------------------------------------


def notification_settings_of(peer) -> NotificationSettings:
    """The peer's settings for new-work messages, or the defaults (unsaved) before their first
    change: a read writes nothing."""
    found = NotificationSettings.objects.filter(business_id=peer.business_id, peer=peer).first()
    return found or NotificationSettings(business_id=peer.business_id, peer=peer)


def push_owner(peer) -> str:
    """Whose browsers the outbox's push subscriptions are, for this peer."""
    return f"peer:{peer.pk}"


def push_devices(peer) -> int:
    """On how many browsers the peer enabled web push."""
    return len(push_subscriptions(peer.business_id, push_owner(peer)))


# --- reviews, suspensions and appeals ------------------------------------------------------------


def open_case(business, peer, *, for_update=False):
    """The peer's case under review or suspended, or None."""
    from .models import OPEN_CASE, PeerReview

    qs = PeerReview.objects.filter(business=business, peer=peer, status__in=OPEN_CASE)
    if for_update:
        qs = qs.select_for_update()
    return qs.first()


def cases_of_peer(business, peer):
    """Every case of the peer, newest first, each with its steps (`review.trail`) and the
    steps' members: the audit trail of the peer's page and of the console's."""
    from .models import PeerReview

    cases = list(
        PeerReview.objects.filter(business=business, peer=peer)
        .select_related("suspended_by", "appeal_decided_by")
        .prefetch_related("steps__actor")
    )
    for case in cases:
        case.trail = list(case.steps.all())
    return cases


def open_cases(business):
    """The business's peers under review or suspended, oldest case first, each with the
    reasons in words: the console's review queue."""
    from .models import OPEN_CASE, PeerReview

    cases = list(
        PeerReview.objects.filter(business=business, status__in=OPEN_CASE)
        .select_related("peer__user", "suspended_by")
        .order_by("opened_at", "pk")
    )
    return cases


def peers_under_review(business) -> set[int]:
    """Ids of the business's peers with an open case (the worker does not ask again)."""
    from .models import OPEN_CASE, PeerReview

    return set(
        PeerReview.objects.filter(business=business, status__in=OPEN_CASE).values_list(
            "peer_id", flat=True
        )
    )


def last_closed_cases(business, peer_ids) -> dict:
    """{peer id: (closed at, reliability at close)} of each peer's last closed case."""
    from .models import OPEN_CASE, PeerReview

    found = {}
    rows = (
        PeerReview.objects.filter(business=business, peer_id__in=peer_ids)
        .exclude(status__in=OPEN_CASE)
        .order_by("peer_id", "closed_at")
        .values_list("peer_id", "closed_at", "reliability_at_close")
    )
    for peer_id, closed_at, score in rows:
        found[peer_id] = (closed_at, score)  # the last one wins
    return found


def review_settings(business):
    """The business's review settings, or the defaults (unsaved) until first changed."""
    from .models import ReviewSettings

    found = ReviewSettings.objects.filter(business=business).first()
    return found or ReviewSettings(business=business)


# --- verification records ------------------------------------------------------------------------


def phone_codes_since(business, peer, since):
    """The peer's phone codes sent since `since`, newest first (the rate limits)."""
    from .models import PhoneCode

    return list(
        PhoneCode.objects.filter(business=business, peer=peer, created_at__gte=since).order_by(
            "-created_at", "-pk"
        )
    )


def latest_phone_code(business, peer, *, for_update=False):
    from .models import PhoneCode

    qs = PhoneCode.objects.filter(business=business, peer=peer).order_by("-created_at", "-pk")
    if for_update:
        qs = qs.select_for_update()
    return qs.first()


@dataclass(frozen=True)
class Badge:
    """One verification shown on a profile: its kind, in words, when, and (for staff) who
    and how."""

    kind: str
    label: str
    verified_at: object
    detail: str = ""
    by: object = None


def badges_of(business, peer) -> list[Badge]:
    """What is verified of the peer: the e-mail address (sign-up confirms it), a phone number
    confirmed by code, an identity checked in person."""
    from allauth.account.models import EmailAddress

    from .models import Verification, VerificationKind

    found = []
    email = (
        EmailAddress.objects.filter(
            user_id=peer.user_id, email__iexact=peer.user.email, verified=True
        )
        .only("pk")
        .first()
    )
    if email is not None:
        found.append(Badge("email", _("E-mail verified"), None, peer.user.email))
    for v in Verification.objects.filter(business=business, peer=peer).select_related(
        "verified_by"
    ):
        if v.kind == VerificationKind.PHONE:
            found.append(Badge("phone", _("Phone verified"), v.verified_at, v.phone))
        else:
            found.append(
                Badge("identity", _("Identity checked in person"), v.verified_at,
                      v.get_document_type_display(), v.verified_by)
            )  # fmt: skip
    return found
