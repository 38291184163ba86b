"""Every read of sharing that the services and the adapters need: lookups by id or code raise
`NotFound` (another business's id answers like one never used), the availability search, the
lists of the console's and the peer's pages, and the sweeps' work lists."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock

from django.db.models import Exists, ExpressionWrapper, F, FloatField, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy.errors import NotFound

from . import pricing
from .models import (
    HOLDING,
    Asset,
    AssetState,
    Booking,
    BookingStatus,
    ListingStatus,
    SharingSettings,
    Sponsor,
    Station,
)

SEARCH_LIMIT = 60


def get_program(business, program_id):
    from peerarmy.programs.selectors import get_program as program

    return program(business, program_id)


def sharing_programs(business, *, published=True):
    from peerarmy.programs.models import Program, ProgramKind, ProgramStatus

    rows = Program.objects.filter(business=business, kind=ProgramKind.SHARING)
    if published:
        rows = rows.filter(status=ProgramStatus.PUBLISHED)
    return list(rows.order_by("id"))


def get_sharing_program(business, program, *, published=False):
    """A sharing program of the business, by id, slug or object; else `NotFound`."""
    from peerarmy.programs.models import Program, ProgramKind, ProgramStatus

    rows = Program.objects.filter(business=business, kind=ProgramKind.SHARING)
    if published:
        rows = rows.filter(status=ProgramStatus.PUBLISHED)
    if isinstance(program, str) and not program.isdigit():
        found = rows.filter(slug=program).first()
    else:
        found = rows.filter(pk=getattr(program, "pk", program)).first()
    if found is None:
        raise NotFound(_("No such sharing program."))
    return found


def sharing_settings(business, program) -> SharingSettings:
    """The program's terms; unsaved defaults when the owner never set them."""
    program_id = getattr(program, "pk", program)
    found = SharingSettings.objects.filter(business=business, program_id=program_id).first()
    return found or SharingSettings(business=business, program_id=program_id)


def tariff(asset, terms: SharingSettings) -> pricing.Tariff:
    return pricing.Tariff(
        hour_minor=asset.hour_minor,
        day_minor=asset.day_minor,
        peer_discount_percent=terms.peer_discount_percent,
        late_fee_percent=terms.late_fee_percent,
        late_grace_minutes=terms.late_grace_minutes,
    )


# --- stations and assets ---------------------------------------------------------------------


def stations(business, program=None, *, active_only=False):
    rows = Station.objects.filter(business=business)
    if program is not None:
        rows = rows.filter(program_id=getattr(program, "pk", program))
    if active_only:
        rows = rows.filter(active=True)
    return rows.order_by("name_it", "id")


def get_station(business, station, *, program=None) -> Station:
    rows = Station.objects.filter(business=business)
    if program is not None:
        rows = rows.filter(program_id=getattr(program, "pk", program))
    found = rows.filter(pk=getattr(station, "pk", station)).first()
    if found is None:
        raise NotFound(_("No such station."))
    return found


def assets(business, program=None, *, owner_peer=None, listing=None):
    rows = Asset.objects.filter(business=business).select_related("station", "owner_peer")
    if program is not None:
        rows = rows.filter(program_id=getattr(program, "pk", program))
    if owner_peer is not None:
        rows = rows.filter(owner_peer=owner_peer)
    if listing is not None:
        rows = rows.filter(listing=listing)
    return rows.order_by("name_it", "id")


def listings_to_review(business):
    return assets(business, listing=ListingStatus.PENDING).order_by("created_at", "id")


def get_asset(business, asset, *, for_update=False) -> Asset:
    rows = Asset.objects.filter(business=business)
    if for_update:
        rows = rows.select_for_update()
    found = rows.filter(pk=getattr(asset, "pk", asset)).first()
    if found is None:
        raise NotFound(_("No such asset."))
    return found


def public_asset(business, program, code) -> Asset:
    """An asset visitors may see: approved and not retired."""
    found = (
        Asset.objects.filter(
            business=business,
            program=program,
            code=code,
            listing=ListingStatus.APPROVED,
        )
        .exclude(state=AssetState.RETIRED)
        .select_related("station", "owner_peer")
        .first()
    )
    if found is None:
        raise NotFound(_("No such asset."))
    return found


def photos_of(asset):
    return list(asset.photos.all())


# --- availability ----------------------------------------------------------------------------


def _overlapping(starts_at, ends_at):
    return Booking.objects.filter(
        asset=OuterRef("pk"), held=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    )


def is_free(asset, starts_at, ends_at, *, ignore=None) -> bool:
    rows = Booking.objects.filter(
        business_id=asset.business_id,
        asset=asset,
        held=True,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    if ignore is not None:
        rows = rows.exclude(pk=ignore.pk)
    return not rows.exists()


def _open_at(windows, moment_local: datetime) -> bool:
    """Whether a local moment falls inside one of the weekly windows (closing time included:
    a bike due back at 19:00 can be returned at 19:00)."""
    if not windows:
        return True
    weekday = moment_local.weekday()
    at = moment_local.strftime("%H:%M")
    return any(w[0] == weekday and w[1] <= at <= w[2] for w in windows)


def opening_problem(asset, starts_at, ends_at, tz) -> str | None:
    """Why a range does not fit the asset's hours and blocked dates (a code), or None."""
    start_local = timezone.localtime(starts_at, tz)
    end_local = timezone.localtime(ends_at, tz)
    if not _open_at(asset.weekly_hours, start_local) or not _open_at(asset.weekly_hours, end_local):
        return "outside_opening_hours"
    if asset.blocked_dates:
        day = start_local.date()
        last = (end_local - timedelta(microseconds=1)).date()
        blocked = set(asset.blocked_dates)
        while day <= last:
            if day.isoformat() in blocked:
                return "asset_unavailable"
            day += timedelta(days=1)
    return None


def length_problem(asset, starts_at, ends_at) -> str | None:
    minutes = math.ceil((ends_at - starts_at).total_seconds() / 60)
    if minutes < asset.min_minutes:
        return "booking_too_short"
    if minutes > asset.max_minutes:
        return "booking_too_long"
    return None


@dataclass(frozen=True)
class Found:
    asset: Asset
    quote: pricing.Quote
    distance_km: float | None


def _distance_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance (haversine), enough to sort a town's stations."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def _position(asset):
    if asset.station_id is not None:
        return float(asset.station.latitude), float(asset.station.longitude)
    if asset.latitude is not None:
        return float(asset.latitude), float(asset.longitude)
    return None


def search(business, program, query, *, peer=False, limit=SEARCH_LIMIT) -> list[Found]:
    """The assets of a program free for the whole range, of the kind asked, that fit their
    hours, blocked dates and lengths; nearest first when a place is given, else by name;
    each with its price for this visitor.

    The database does what it can answer from indexes (the program, the kind, the length,
    no held booking overlapping) and sorts; Python then reads the candidates in that order
    and stops at `limit`, checking what is kept as JSON (weekly hours, blocked days). Near a
    place, the order is by an equirectangular distance (plain arithmetic, so SQLite needs no
    trigonometry), which sorts a town's assets as the great-circle distance does."""
    terms = sharing_settings(business, program)
    tariff_of = {}
    minutes = math.ceil((query.ends_at - query.starts_at).total_seconds() / 60)
    rows = (
        Asset.objects.filter(
            business=business,
            program=program,
            state=AssetState.ACTIVE,
            listing=ListingStatus.APPROVED,
            min_minutes__lte=minutes,
            max_minutes__gte=minutes,
        )
        .select_related("station")
        .exclude(Exists(_overlapping(query.starts_at, query.ends_at)))
    )
    if query.kind:
        rows = rows.filter(kind=query.kind)
    if query.station_id:
        rows = rows.filter(station_id=query.station_id)
    if query.latitude is not None:
        shrink = math.cos(math.radians(query.latitude))
        lat = Coalesce(F("station__latitude"), F("latitude"))
        lon = Coalesce(F("station__longitude"), F("longitude"))
        dlat = ExpressionWrapper(lat - query.latitude, output_field=FloatField())
        dlon = ExpressionWrapper((lon - query.longitude) * shrink, output_field=FloatField())
        rows = rows.annotate(nearness=dlat * dlat + dlon * dlon).order_by(
            F("nearness").asc(nulls_last=True), "name_it", "id"
        )
    else:
        rows = rows.order_by("name_it", "id")
    tz = business.tzinfo
    found = []
    for asset in rows.iterator(chunk_size=limit * 2):
        if opening_problem(asset, query.starts_at, query.ends_at, tz):
            continue
        distance = None
        if query.latitude is not None:
            where = _position(asset)
            if where is not None:
                distance = _distance_km(query.latitude, query.longitude, *where)
        key = (asset.hour_minor, asset.day_minor)
        if key not in tariff_of:
            tariff_of[key] = tariff(asset, terms)
        quote = pricing.quote(tariff_of[key], query.starts_at, query.ends_at, peer=peer)
        found.append(Found(asset, quote, distance))
        if len(found) >= limit:
            break
    return found


def day_bounds(business, day) -> tuple[datetime, datetime]:
    tz = business.tzinfo
    start = datetime.combine(day, clock.min, tzinfo=tz)
    return start, start + timedelta(days=1)


# --- bookings --------------------------------------------------------------------------------


def get_booking(business, booking, *, for_update=False) -> Booking:
    rows = Booking.objects.filter(business=business).select_related("asset", "asset__station")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.filter(pk=getattr(booking, "pk", booking)).first()
    if found is None:
        raise NotFound(_("No such booking."))
    return found


def booking_by_token(business, token_hash, *, for_update=False) -> Booking:
    rows = Booking.objects.filter(business=business, token_hash=token_hash).select_related(
        "asset", "asset__station"
    )
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.first()
    if found is None:
        raise NotFound(_("This link does not name a booking: check that it was copied whole."))
    return found


def booking_by_idempotency_key(business, key):
    return Booking.objects.filter(business=business, idempotency_key=key).first()


def bookings(business, *, program=None, asset=None, start=None, end=None, statuses=None):
    rows = Booking.objects.filter(business=business).select_related("asset", "asset__station")
    if program is not None:
        rows = rows.filter(program_id=getattr(program, "pk", program))
    if asset is not None:
        rows = rows.filter(asset_id=getattr(asset, "pk", asset))
    if start is not None:
        rows = rows.filter(ends_at__gt=start)
    if end is not None:
        rows = rows.filter(starts_at__lt=end)
    if statuses is not None:
        rows = rows.filter(status__in=statuses)
    return rows.order_by("starts_at", "id")


def bookings_of_user(business, user):
    return bookings(business).filter(user=user).order_by("-starts_at", "-id")


def bookings_of_owner(business, peer):
    return bookings(business).filter(asset__owner_peer=peer).order_by("-starts_at", "-id")


def to_hand_over(business, day):
    """The console's day: bookings to pick up, out, and due back that day, and the late."""
    start, end = day_bounds(business, day)
    pickups = bookings(business, start=start, end=end).filter(
        status=BookingStatus.CONFIRMED, starts_at__gte=start, starts_at__lt=end
    )
    returns = bookings(business).filter(status=BookingStatus.OUT, ends_at__lt=end)
    return list(pickups), list(returns)


def lapsing(now):
    """Unconfirmed bookings whose hold has run out (across businesses: the sweep's list)."""
    return Booking.objects.filter(
        status=BookingStatus.UNCONFIRMED, hold_until__lte=now
    ).values_list("business_id", "pk")


def to_remind(now, hours_max=168):
    return (
        Booking.objects.filter(
            status=BookingStatus.CONFIRMED,
            reminded_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(hours=hours_max),
        )
        .select_related("asset")
        .order_by("starts_at")
    )


def holding_count(asset) -> int:
    return Booking.objects.filter(
        business_id=asset.business_id, asset=asset, status__in=HOLDING
    ).count()


# --- sponsors --------------------------------------------------------------------------------


def sponsors(business, program=None):
    rows = Sponsor.objects.filter(business=business)
    if program is not None:
        rows = rows.filter(program_id=getattr(program, "pk", program))
    return rows.order_by("-starts_on", "id")


def get_sponsor(business, sponsor) -> Sponsor:
    found = Sponsor.objects.filter(business=business, pk=getattr(sponsor, "pk", sponsor)).first()
    if found is None:
        raise NotFound(_("No such sponsor."))
    return found


def current_sponsors(business, program, *, asset=None, day=None):
    """The sponsors shown now: of the whole program, or (for an asset's page) of that asset."""
    day = day or timezone.localdate(timezone=business.tzinfo)
    rows = Sponsor.objects.filter(
        business=business, program=program, starts_on__lte=day, ends_on__gte=day
    )
    if asset is None:
        return list(rows.filter(assets__isnull=True).order_by("starts_on", "id"))
    return list(
        rows.filter(Q(assets__isnull=True) | Q(assets=asset)).distinct().order_by("starts_on", "id")
    )


# --- for the API (api/sharing.py) ------------------------------------------------------------


def fleet(business, *, program=None, kind=None, state=None, listing=None):
    """The console's and the API's list of assets, narrowed by program, kind, state and
    listing."""
    rows = assets(business, program, listing=listing)
    if kind:
        rows = rows.filter(kind=kind)
    if state:
        rows = rows.filter(state=state)
    return rows


def sponsor_asset_ids(sponsor) -> list[int]:
    """The assets a sponsor's brand is on; empty: the whole program."""
    return sorted(sponsor.assets.values_list("pk", flat=True))


# --- what a peer's assets earned them --------------------------------------------------------


def earnings_of_owner(business, peer) -> dict[str, int]:
    """What a peer's assets earned them, by currency, as their wallet counts it: their share
    of the rentals and of the late fees, and what damage to their asset paid them."""
    from django.db.models import Sum

    from peerarmy.rewards.models import AccountKind, Entry

    rows = (
        Entry.objects.filter(
            business_id=business.pk,
            account__peer=peer,
            account__kind=AccountKind.PEER_PAYABLE,
            transaction__reason__in=("sharing.rental", "sharing.fees"),
        )
        .values("unit")
        .annotate(total=Sum("amount"))
        .order_by("unit")
    )
    return {row["unit"]: -row["total"] for row in rows}


# --- the public pages ------------------------------------------------------------------------


def public_station(business, program, code) -> Station:
    """An open station of the program, by its public code; else `NotFound`."""
    found = Station.objects.filter(
        business=business, program=program, code=code, active=True
    ).first()
    if found is None:
        raise NotFound(_("No such station."))
    return found


def _public_rows(business, program):
    return Asset.objects.filter(
        business=business, program=program, listing=ListingStatus.APPROVED
    ).exclude(state=AssetState.RETIRED)


def public_assets(business, program, *, station=None, limit=None) -> list[Asset]:
    """The assets visitors see in a program (approved, not retired), by name, each with
    `cover`: the URL of its first photo, or "". The first `limit` of them when given."""
    rows = (
        _public_rows(business, program)
        .select_related("station", "owner_peer")
        .order_by("name_it", "id")
    )
    if station is not None:
        rows = rows.filter(station=station)
    found = list(rows[:limit] if limit else rows)
    covers = cover_photos(business, [a.pk for a in found])
    for asset in found:
        asset.cover = covers.get(asset.pk, "")
    return found


def cover_photos(business, asset_ids) -> dict:
    """{asset id: the URL of its first photo} for the assets that have one, in one query."""
    from .models import AssetPhoto

    covers = {}
    rows = AssetPhoto.objects.filter(business=business, asset_id__in=list(asset_ids)).order_by(
        "asset_id", "position", "id"
    )
    for photo in rows:
        covers.setdefault(photo.asset_id, photo.url)
    return covers


def sponsor_reports(business, sponsor):
    """A sponsor's monthly reports, newest first."""
    from .models import SponsorReport

    return list(
        SponsorReport.objects.filter(business=business, sponsor_id=getattr(sponsor, "pk", sponsor))
        .select_related("sponsor")
        .order_by("-month", "-id")
    )


def get_sponsor_report(business, sponsor, report_id):
    """One report of the sponsor; `NotFound` for another sponsor's or business's."""
    from .models import SponsorReport

    found = (
        SponsorReport.objects.filter(
            business=business, sponsor_id=getattr(sponsor, "pk", sponsor), pk=report_id
        )
        .select_related("sponsor")
        .first()
    )
    if found is None:
        raise NotFound(_("No such report."))
    return found


def public_kinds(business, program) -> set[str]:
    """The kinds of asset visitors can find in a program (one query, however big the fleet)."""
    # no ordering: the model's (name, id) would be part of DISTINCT and return every asset
    rows = _public_rows(business, program).order_by().values_list("kind", flat=True)
    return set(rows.distinct())


def public_count(business, program) -> int:
    return _public_rows(business, program).count()


def till_refund(business, booking):
    """The deposit of a booking waiting to be given back at the till (its owning peer checked
    it in away from the shop), or None."""
    from peerarmy.rewards.models import Refund

    return Refund.objects.filter(
        business=business,
        key=f"sharing:{booking.code}:deposit",
        iban="",
        settled_at__isnull=True,
    ).first()


# --- a peer's impact (analytics.impact) ---------------------------------------------------------


def rentals_of_owner_count(business, peer, *, since=None, until=None) -> int:
    """How many times the peer's own assets were rented (picked up, and returned or still
    out) for a time starting in [since, until) (either end open when None)."""
    from .models import EARNED

    rows = Booking.objects.filter(business=business, asset__owner_peer=peer, status__in=EARNED)
    if since is not None:
        rows = rows.filter(starts_at__gte=since)
    if until is not None:
        rows = rows.filter(starts_at__lt=until)
    return rows.count()


def earnings_of_owner_between(business, peer, *, since=None, until=None) -> dict[str, int]:
    """`earnings_of_owner`, counting only what was credited in [since, until)."""
    from django.db.models import Sum

    from peerarmy.rewards.models import AccountKind, Entry

    rows = Entry.objects.filter(
        business_id=business.pk,
        account__peer=peer,
        account__kind=AccountKind.PEER_PAYABLE,
        transaction__reason__in=("sharing.rental", "sharing.fees"),
    )
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    totals = rows.values("unit").annotate(total=Sum("amount")).order_by("unit")
    return {row["unit"]: -row["total"] for row in totals}
