"""What spread reads: a link by its code, the pages a peer can share, where a link leads now,
and the figures (visits, sign-ups, applications, first orders) of links, peers and periods.

Periods are the business's days: `since` and `until` are dates (both included) or aware
datetimes (`since` included, `until` not); either may be None (open)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.errors import NotFound
from peerarmy.tenancy.selectors import storable

from .models import Attribution, AttributionKind, LinkDay, ShareLink, TargetKind, Touch

# How many campaigns, rentals and items on sale the share page offers, of each.
SHOWN = 8
# How long after a sign-up or an application a first order still counts as the link's doing.
CONVERSION_DAYS = 365


def get_link(business, code) -> ShareLink:
    """A link by its code (any case); another business's code is not found."""
    code = str(code or "").strip().lower()[:12]
    found = (
        ShareLink.objects.filter(business=business, code=code).select_related("peer").first()
        if code and storable(code)
        else None
    )
    if found is None:
        raise NotFound(_("No such link."))
    return found


def link_by_id(business, link_id) -> ShareLink | None:
    return ShareLink.objects.filter(business=business, pk=link_id).select_related("peer").first()


def links_of(business, *, peer=None, shop=False) -> dict[tuple[str, int], ShareLink]:
    """{(kind, target id): link} of one peer, or (`shop`) the shop's own."""
    rows = ShareLink.objects.filter(business=business)
    rows = rows.filter(peer__isnull=True) if shop else rows.filter(peer=peer)
    return {(link.kind, link.target_id): link for link in rows}


def code_taken(business, code) -> bool:
    return ShareLink.objects.filter(business=business, code=code).exists()


def active_peer(business, user):
    """The signed-in person's peer profile in the business, if they are an active peer."""
    from peerarmy.peers.models import PeerStatus
    from peerarmy.peers.selectors import peer_for_user

    if user is None or not user.is_authenticated:
        return None
    peer = peer_for_user(business, user)
    return peer if peer is not None and peer.status == PeerStatus.ACTIVE else None


def peer_of(business, user):
    """The person's peer profile in the business, whatever its status."""
    from peerarmy.peers.selectors import peer_for_user

    if user is None or not user.is_authenticated:
        return None
    return peer_for_user(business, user)


# --- what can be shared ----------------------------------------------------------------------


@dataclass
class Target:
    """A page a link can open: its kind and id, its title in the reader's language, a line
    about it, its photo (a URL, or "")."""

    kind: str
    target_id: int
    title: str
    detail: str = ""
    image: str = ""
    program_slug: str = ""
    code: str = ""  # a campaign's, asset's or listing's public code

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.target_id)


def share_targets(business, *, limit=SHOWN) -> list[Target]:
    """The pages a peer can share now: the shop's page, each published program, the open
    public chip-in campaigns, the rentals and the items on sale (the first `limit` of each)."""
    from peerarmy.programs.selectors import published_programs

    targets = [
        Target(TargetKind.LANDING, 0, business.name, business.tagline, _shop_image(business))
    ]
    programs = list(published_programs(business))
    for program in programs:
        targets.append(
            Target(TargetKind.PROGRAM, program.pk, program.title, program.summary, "", program.slug)
        )
    targets += _campaign_targets(business, limit)
    targets += _rental_targets(business, programs, limit)
    targets += _listing_targets(business, programs, limit)
    return targets


def _shop_image(business) -> str:
    if business.cover:
        return business.cover_url
    return business.logo_url if business.logo else ""


def _campaign_targets(business, limit):
    from peerarmy.chipin.selectors import public_campaigns

    return [
        Target(
            TargetKind.CAMPAIGN,
            c.pk,
            c.title,
            c.beneficiary_name,
            c.photo_url,
            code=c.code,
        )
        for c in public_campaigns(business, limit)
    ]


def _rental_targets(business, programs, limit):
    from peerarmy.programs.models import ProgramKind
    from peerarmy.sharing.selectors import public_assets

    found = []
    for program in programs:
        if program.kind != ProgramKind.SHARING or len(found) >= limit:
            continue
        for asset in public_assets(business, program, limit=limit - len(found)):
            found.append(
                Target(
                    TargetKind.RENTAL,
                    asset.pk,
                    asset.name,
                    program.title,
                    asset.cover,
                    program.slug,
                    asset.code,
                )
            )
    return found


def _listing_targets(business, programs, limit):
    from peerarmy.money import format_money
    from peerarmy.programs.models import ProgramKind
    from peerarmy.resale.selectors import ListingQuery, cover_photos, search

    found = []
    for program in programs:
        if program.kind != ProgramKind.RESALE or len(found) >= limit:
            continue
        items = search(business, program, ListingQuery(), limit=limit - len(found))
        items = items[: limit - len(found)]
        covers = cover_photos(business, [item.pk for item in items])
        for item in items:
            found.append(
                Target(
                    TargetKind.LISTING,
                    item.pk,
                    item.title,
                    format_money(item.price_minor, item.currency),
                    covers.get(item.pk, ""),
                    program.slug,
                    item.code,
                )
            )
    return found


def _url(business, name, **kwargs) -> str:
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def destination(business, link) -> str | None:
    """The page a link opens now (a path), or None when its page is no longer public (a
    program closed, an item sold and gone): then the shop's page is opened instead. A
    campaign's page is the chip-in page itself, which adds who shared it (`services`)."""
    from peerarmy.programs.models import Program, ProgramKind, ProgramStatus

    if link.kind == TargetKind.LANDING:
        return _url(business, "landing")
    if link.kind == TargetKind.PROGRAM:
        program = Program.objects.filter(
            business=business, pk=link.target_id, status=ProgramStatus.PUBLISHED
        ).first()
        if program is None:
            return None
        name = {ProgramKind.SHARING: "sharing_program", ProgramKind.RESALE: "resale_program"}
        return _url(business, name.get(program.kind, "program_detail"), program_slug=program.slug)
    if link.kind == TargetKind.RENTAL:
        return _rental_path(business, link.target_id)
    if link.kind == TargetKind.LISTING:
        return _listing_path(business, link.target_id)
    return None


def _rental_path(business, asset_id):
    from peerarmy.programs.models import ProgramStatus
    from peerarmy.sharing.models import Asset, AssetState, ListingStatus

    asset = (
        Asset.objects.filter(
            business=business,
            pk=asset_id,
            listing=ListingStatus.APPROVED,
            program__status=ProgramStatus.PUBLISHED,
        )
        .exclude(state=AssetState.RETIRED)
        .select_related("program")
        .first()
    )
    if asset is None:
        return None
    return _url(business, "sharing_asset", program_slug=asset.program.slug, code=asset.code)


def _listing_path(business, listing_id):
    from peerarmy.programs.models import ProgramStatus
    from peerarmy.resale.models import Listing, ListingStatus

    item = (
        Listing.objects.filter(
            business=business,
            pk=listing_id,
            status__in=[ListingStatus.PUBLIC, ListingStatus.RESERVED, ListingStatus.SOLD],
            program__status=ProgramStatus.PUBLISHED,
        )
        .select_related("program")
        .first()
    )
    if item is None:
        return None
    return _url(business, "resale_listing", program_slug=item.program.slug, code=item.code)


def campaign_of_link(business, link):
    """The chip-in campaign a campaign link is for, or None once it is gone."""
    from peerarmy.chipin.models import Campaign

    if link.kind != TargetKind.CAMPAIGN:
        return None
    return Campaign.objects.filter(business=business, pk=link.target_id).first()


def program_of_link(business, link) -> int | None:
    """The program a link's page belongs to (the program itself, or the campaign's, the
    rental's, the item's); None for the shop's page."""
    from peerarmy.chipin.models import Campaign
    from peerarmy.resale.models import Listing
    from peerarmy.sharing.models import Asset

    if link.kind == TargetKind.PROGRAM:
        return link.target_id
    model = {
        TargetKind.CAMPAIGN: Campaign,
        TargetKind.RENTAL: Asset,
        TargetKind.LISTING: Listing,
    }.get(link.kind)
    if model is None:
        return None
    return (
        model.objects.filter(business=business, pk=link.target_id)
        .values_list("program_id", flat=True)
        .first()
    )


def target_titles(business, links) -> dict[int, str]:
    """{link id: what it opens, in words}, in one query per kind of page."""
    from peerarmy.chipin.models import Campaign
    from peerarmy.programs.models import Program
    from peerarmy.resale.models import Listing
    from peerarmy.sharing.models import Asset

    ids: dict[str, set[int]] = {}
    for link in links:
        ids.setdefault(link.kind, set()).add(link.target_id)
    titles: dict[tuple[str, int], str] = {}
    for kind, model, attr in (
        (TargetKind.PROGRAM, Program, "title"),
        (TargetKind.CAMPAIGN, Campaign, "title"),
        (TargetKind.RENTAL, Asset, "name"),
        (TargetKind.LISTING, Listing, "title"),
    ):
        if ids.get(kind):
            for obj in model.objects.filter(business=business, pk__in=ids[kind]):
                titles[(kind, obj.pk)] = getattr(obj, attr)
    found = {}
    for link in links:
        if link.kind == TargetKind.LANDING:
            found[link.pk] = _("The shop's page")
        else:
            found[link.pk] = titles.get((link.kind, link.target_id)) or _("(no longer online)")
    return found


# --- figures ---------------------------------------------------------------------------------


@dataclass
class Figures:
    visits: int = 0
    signups: int = 0
    applications: int = 0
    conversions: int = 0

    def add(self, other: Figures) -> None:
        self.visits += other.visits
        self.signups += other.signups
        self.applications += other.applications
        self.conversions += other.conversions

    @property
    def any(self) -> bool:
        return bool(self.visits or self.signups or self.applications or self.conversions)


_KIND_FIELD = {
    AttributionKind.SIGNUP: "signups",
    AttributionKind.APPLICATION: "applications",
    AttributionKind.FIRST_ORDER: "conversions",
}


def _as_datetime(business, value, *, end: bool):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    moment = datetime.combine(value + timedelta(days=1) if end else value, time.min)
    return timezone.make_aware(moment, business.tzinfo)


def _as_day(business, value, *, end: bool):
    if value is None:
        return None
    if isinstance(value, datetime):
        day = timezone.localtime(value, business.tzinfo).date()
        # `until` as a moment is excluded: its day counts only if the moment is after midnight
        if end and timezone.localtime(value, business.tzinfo).time() == time.min:
            day -= timedelta(days=1)
        return day
    return value


def period_filters(business, since, until) -> tuple[Q, Q]:
    """The conditions of a period on the visit counters (days) and the attributions (moments)."""
    days, moments = Q(), Q()
    first, last = _as_day(business, since, end=False), _as_day(business, until, end=True)
    start, stop = _as_datetime(business, since, end=False), _as_datetime(business, until, end=True)
    if first is not None:
        days &= Q(day__gte=first)
    if last is not None:
        days &= Q(day__lte=last)
    if start is not None:
        moments &= Q(at__gte=start)
    if stop is not None:
        moments &= Q(at__lt=stop)
    return days, moments


def figures_by(business, group: str, *, since=None, until=None, links=None, peer=None) -> dict:
    """{group value: Figures} over the business's links, grouped by `group` ("link" or
    "link__peer"), for a period; only the given links when `links` (ids) is not None, only
    one peer's with `peer`."""
    days, moments = period_filters(business, since, until)
    visits = LinkDay.objects.filter(days, business=business)
    credited = Attribution.objects.filter(moments, business=business)
    if links is not None:
        visits = visits.filter(link_id__in=list(links))
        credited = credited.filter(link_id__in=list(links))
    if peer is not None:
        visits = visits.filter(link__peer=peer)
        credited = credited.filter(link__peer=peer)
    found: dict = {}
    for key, total in visits.values_list(group).annotate(total=Sum("visits")).order_by():
        found.setdefault(key, Figures()).visits = total or 0
    rows = credited.values_list(group, "kind").annotate(n=Count("id")).order_by()
    for key, kind, n in rows:
        setattr(found.setdefault(key, Figures()), _KIND_FIELD[kind], n)
    return found


@dataclass(frozen=True)
class ReferrerRow:
    """One peer's results as a referrer in a period (the dashboard's "top referrers")."""

    name: str
    peer_id: int
    visits: int
    signups: int
    applications: int
    conversions: int


def top_referrers(business, since=None, until=None, limit=10) -> list[ReferrerRow]:
    """The peers whose links brought the most in the period: first orders first, then
    applications, sign-ups and visits; peers whose links brought nothing are left out."""
    from peerarmy.peers.models import Peer

    by_peer = figures_by(business, "link__peer", since=since, until=until)
    by_peer.pop(None, None)  # the shop's own links
    names = dict(
        Peer.objects.filter(business=business, pk__in=list(by_peer)).values_list(
            "pk", "display_name"
        )
    )
    rows = [
        ReferrerRow(names.get(pk, ""), pk, f.visits, f.signups, f.applications, f.conversions)
        for pk, f in by_peer.items()
        if f.any and pk in names
    ]
    rows.sort(key=lambda r: (-r.conversions, -r.applications, -r.signups, -r.visits, r.name))
    return rows[:limit]


@dataclass
class LinkRow:
    link: ShareLink
    whose: str  # the peer's name, or "" for the shop's own
    title: str
    figures: Figures


def link_rows(business, since=None, until=None, *, limit=50) -> list[LinkRow]:
    """The links that did something in the period, most first, with what they open and
    whose they are; the shop's own landing link always."""
    by_link = figures_by(business, "link", since=since, until=until)
    busy = sorted(
        (pk for pk, f in by_link.items() if f.any),
        key=lambda pk: (
            -by_link[pk].conversions,
            -by_link[pk].applications,
            -by_link[pk].signups,
            -by_link[pk].visits,
            pk,
        ),
    )[:limit]
    links = list(
        ShareLink.objects.filter(Q(pk__in=busy) | Q(peer__isnull=True), business=business)
        .select_related("peer")
        .order_by("pk")
    )
    titles = target_titles(business, links)
    order = {pk: i for i, pk in enumerate(busy)}
    rows = [
        LinkRow(
            link,
            link.peer.display_name if link.peer_id else "",
            titles[link.pk],
            by_link.get(link.pk, Figures()),
        )
        for link in links
    ]
    rows.sort(key=lambda r: (order.get(r.link.pk, len(order)), r.link.pk))
    return rows


def totals(figures: dict) -> Figures:
    total = Figures()
    for f in figures.values():
        total.add(f)
    return total


def peer_totals(business, peer, *, since=None, until=None) -> Figures:
    """What all of one peer's links brought (in a period)."""
    return totals(figures_by(business, "link__peer", since=since, until=until, peer=peer))


@dataclass
class Earned:
    """What a peer's referrals earned them: a formatted amount per unit (money, points)."""

    amounts: list[str] = field(default_factory=list)
    rewards: int = 0


def referral_rewards(business, peer) -> Earned:
    """The rewards the rules gave the peer for friends' first orders, posted to their wallet."""
    from peerarmy.money import format_money
    from peerarmy.rewards.models import Event, Reward, RewardKind, RewardStatus

    rows = (
        Reward.objects.filter(
            business=business,
            peer=peer,
            event=Event.REFERRAL_CONVERTED,
            status=RewardStatus.POSTED,
        )
        .exclude(kind=RewardKind.BADGE)
        .values_list("unit")
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by("unit")
    )
    earned = Earned()
    for unit, total, n in rows:
        earned.amounts.append(format_money(total, unit))
        earned.rewards += n
    return earned


# --- what attribution reads ------------------------------------------------------------------


def recent_touch(business, user, since) -> Touch | None:
    return (
        Touch.objects.filter(business=business, user=user, at__gte=since)
        .select_related("link__peer")
        .first()
    )


def attribution_of(business, kind, user) -> Attribution | None:
    return Attribution.objects.filter(business=business, kind=kind, user=user).first()


def waiting_for_first_order(business, since) -> list[Attribution]:
    """Sign-ups and applications since `since` whose person has no first order credited yet,
    with their account and link (their peer too): the candidates of a conversion."""
    converted = Attribution.objects.filter(
        business=business, kind=AttributionKind.FIRST_ORDER, user__isnull=False
    ).values("user_id")
    return list(
        Attribution.objects.filter(
            business=business,
            kind__in=[AttributionKind.SIGNUP, AttributionKind.APPLICATION],
            user__isnull=False,
            at__gte=since,
        )
        .exclude(user_id__in=converted)
        .select_related("user", "link__peer__user")
        .order_by("at", "pk")
    )


@dataclass(frozen=True)
class FirstOrder:
    customer_id: int
    email: str
    placed_at: datetime
    total_minor: int
    currency: str


def first_orders(business, emails) -> dict[str, FirstOrder]:
    """{e-mail: the customer's first counted order} for the customers with these addresses
    (paid or partly refunded, not cancelled: the orders the shop kept money for)."""
    from peerarmy.customers.models import COUNTED_STATUSES, Order

    found: dict[str, FirstOrder] = {}
    emails = sorted({e.lower() for e in emails if e})
    for start in range(0, len(emails), 500):
        rows = (
            Order.objects.filter(
                business=business,
                customer__email__in=emails[start : start + 500],
                financial_status__in=COUNTED_STATUSES,
                cancelled_at__isnull=True,
            )
            .order_by("placed_at", "pk")
            .values_list("customer_id", "customer__email", "placed_at", "total_minor", "currency")
        )
        for customer_id, email, placed_at, total, currency in rows:
            if email not in found:
                found[email] = FirstOrder(customer_id, email, placed_at, total, currency)
    return found


# --- what a person's privacy request reads ---------------------------------------------------


def about_person(business, *, user=None, email_hashes=(), customer_ids=()) -> list[Attribution]:
    """The attributions about one person: by account, by e-mail hash, or by customer record."""
    who = Q(pk__in=[])
    if user is not None:
        who |= Q(user=user)
    if email_hashes:
        who |= Q(email_hash__in=list(email_hashes))
    if customer_ids:
        who |= Q(customer_id__in=list(customer_ids))
    return list(
        Attribution.objects.filter(who, business=business)
        .select_related("link")
        .order_by("at", "pk")
    )


def touches_of(business, user) -> list[Touch]:
    if user is None:
        return []
    return list(Touch.objects.filter(business=business, user=user).select_related("link"))


def links_of_peer_ids(business, peer_ids) -> list[ShareLink]:
    return list(
        ShareLink.objects.filter(business=business, peer_id__in=list(peer_ids)).order_by("pk")
    )


def customer_ids_by_email(business, emails) -> list[int]:
    from peerarmy.customers.models import Customer

    emails = [e.lower() for e in emails if e]
    if not emails:
        return []
    return list(
        Customer.objects.filter(business=business, email__in=emails).values_list("pk", flat=True)
    )


def peer_ids_of_user(business, user) -> list[int]:
    from peerarmy.peers.models import Peer

    if user is None:
        return []
    return list(Peer.objects.filter(business=business, user=user).values_list("pk", flat=True))


def local_today(business) -> date:
    return timezone.localdate(timezone=business.tzinfo)


def businesses_by_id(ids) -> list:
    from peerarmy.tenancy.models import Business

    return list(Business.objects.filter(pk__in=list(ids)).order_by("pk"))
