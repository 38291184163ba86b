"""Building blocks for matching tests: a program with settings, a peer who offers time, a
confirmed request. Times are aware datetimes; `monday_10` is next week's Monday at 10:00 in
the business's zone."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from peerarmy.matching import selectors, services
from peerarmy.matching.inputs import (
    DayOffInput,
    MatchingProfileInput,
    MatchingSettingsInput,
    request_input_class,
)
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
    set_settings(program, **defaults)
    program.refresh_from_db()
    return program


def set_settings(program, **changes):
    """Change some of a program's matching settings, as its owner (the rest stay)."""
    current = MatchingSettingsInput.of(selectors.settings_of(program))
    data = current.changed(**changes)
    return services.update_settings(program.business, owner_of(program.business), program, data)


def set_profile(peer, *, accepting=True, max_per_week=3, interests=(), slots=(), phone=""):
    """The peer's offer; `slots` as (weekday, starts, ends)."""
    data = MatchingProfileInput.parse(
        {
            "accepting": accepting,
            "max_per_week": max_per_week,
            "interests": list(interests),
            "slots": [{"weekday": d, "starts": s, "ends": e} for d, s, e in slots],
            "phone": phone,
        }
    )
    return services.update_profile(peer, data).value.profile


def days_off_for(peer, first, last=None, note=""):
    data = DayOffInput.parse({"first": first, "last": last or first, "note": note})
    return services.add_day_off(peer, data).value


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
    if slots is None:
        slots = [(day, time(9), time(21)) for day in range(7)]
    set_profile(peer, max_per_week=max_per_week, interests=interests, slots=slots)
    return peer


def request_data(business, **overrides):
    """A guides request's fields (next Monday, 10:00 to 14:00); with `airport`, `arrival` and
    `departure` a layover request's."""
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
    if "arrival" in data:
        data.pop("starts_at")
        data.pop("ends_at")
    return data


def request_input(program, **overrides):
    """The typed input of a request to `program` (its kind's variant)."""
    data = request_data(program.business, **overrides)
    return request_input_class(program.kind).parse(data, context={"business": program.business})


def submitted_request(program, *, language="en", **overrides) -> MatchRequest:
    """A request submitted, its e-mail not confirmed yet."""
    return services.submit_request(
        program, request_input(program, **overrides), language=language
    ).value


def confirmed_request(program, **overrides) -> MatchRequest:
    """A request submitted and confirmed (which runs an instant match)."""
    return services.confirm_request(submitted_request(program, **overrides)).value


def open_request(program, **overrides) -> MatchRequest:
    """A request submitted and opened without running the matcher."""
    match_request = submitted_request(program, **overrides)
    MatchRequest.objects.filter(pk=match_request.pk).update(
        status=RequestStatus.OPEN, confirmed_at=timezone.now()
    )
    match_request.refresh_from_db()
    return match_request
