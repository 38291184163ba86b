"""Building blocks for matching tests: a program with settings, a peer who offers time, a
confirmed request. Times are aware datetimes; `monday_10` is next week's Monday at 10:00 in
the business's zone."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from peerarmy.matching import services
from peerarmy.matching.models import MatchRequest, RequestStatus
from peerarmy.peers.models import PeerLanguage
from peerarmy.programs.models import ProgramKind
from peerarmy.tenancy.models import Membership, Role
from peerarmy.tenancy.tests.factories import OwnerFactory, PeerFactory, ProgramFactory

BOLOGNA = (44.4949, 11.3426)
INTERESTS = [
    {"slug": "cycling", "name_it": "Ciclismo", "name_en": "cycling"},
    {"slug": "food", "name_it": "Cibo", "name_en": "food"},
    {"slug": "art", "name_it": "Arte", "name_en": "art"},
]
PERKS = [
    {"name_it": "Biglietto del treno", "name_en": "Train ticket", "amount_minor": 1100},
    {"name_it": "Primo drink", "name_en": "First drink", "amount_minor": 800},
]


def next_monday(business, hour=10, weeks=1):
    tz = business.tzinfo
    today = timezone.now().astimezone(tz).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)
    return datetime.combine(monday, time(hour), tzinfo=tz)


def owner_of(business):
    membership = Membership.objects.filter(business=business, role=Role.OWNER).first()
    return membership.user if membership else OwnerFactory(business=business).user


def matching_program(business, kind=ProgramKind.GUIDES, **settings):
    program = ProgramFactory(business=business, kind=kind)
    defaults = {
        "interests": INTERESTS,
        "meeting_minutes": 120,
        "answer_within_hours": 12,
        "airports": [{"code": "BLQ", "name": "Bologna", "lat": 44.5354, "lon": 11.2887}],
    }
    if kind == ProgramKind.LAYOVER:
        defaults["perks"] = PERKS
        defaults["min_free_minutes"] = 360
    defaults.update(settings)
    services.update_settings(business, owner_of(business), program, **defaults)
    program.refresh_from_db()
    return program


def offering_peer(
    business,
    *,
    languages=(("it", "native"), ("en", "fluent")),
    interests=("cycling",),
    slots=None,
    max_per_week=3,
    at=BOLOGNA,
    radius=10,
    **fields,
):
    """An active peer who offers every day 9:00–21:00 unless `slots` says otherwise."""
    peer = PeerFactory(
        business=business,
        latitude=f"{at[0]:.6f}",
        longitude=f"{at[1]:.6f}",
        travel_radius_km=radius,
        languages=[],
        **fields,
    )
    for code, level in languages:
        PeerLanguage.objects.create(business=business, peer=peer, language=code, level=level)
    services.profile_for(peer)
    services.update_profile(peer, accepting=True, max_per_week=max_per_week, interests=interests)
    if slots is None:
        slots = [(day, time(9), time(21)) for day in range(7)]
    services.set_weekly_availability(peer, slots)
    return peer


def request_data(business, **overrides):
    start = next_monday(business, 10)
    data = {
        "name": "Jane Traveller",
        "email": "jane@example.org",
        "starts_at": start,
        "ends_at": start + timedelta(hours=4),
        "meeting_address": "Piazza Maggiore",
        "latitude": "44.493700",
        "longitude": "11.343000",
        "group_size": 2,
        "languages": ["en"],
        "interests": ["cycling"],
    }
    data.update(overrides)
    return data


def confirmed_request(program, **overrides) -> MatchRequest:
    """A request submitted and confirmed (which runs an instant match)."""
    match_request = services.submit_request(
        program, request_data(program.business, **overrides), language="en"
    )
    return services.confirm_request(match_request)


def open_request(program, **overrides) -> MatchRequest:
    """A request submitted and opened without running the matcher."""
    match_request = services.submit_request(
        program, request_data(program.business, **overrides), language="en"
    )
    MatchRequest.objects.filter(pk=match_request.pk).update(
        status=RequestStatus.OPEN, confirmed_at=timezone.now()
    )
    match_request.refresh_from_db()
    return match_request
