"""The demo's matching at Bici Gialla: the guides and layover programs' settings, the peers'
weekly hours, five weeks of completed tours and layovers (perks posted, rules paid), and the
coming two weeks' requests in every state: proposed, accepted, declined and matched again,
unmatched with a reason, and one waiting for its e-mail to be confirmed. Everything goes
through the services, so the runs, proposals and ledger are what the app itself would make."""

import random
import unicodedata
from datetime import datetime, time, timedelta

from peerarmy.matching import selectors, services
from peerarmy.matching.inputs import (
    DayOffInput,
    MatchingProfileInput,
    MatchingSettingsInput,
    MatchReasonInput,
    request_input_class,
)
from peerarmy.matching.models import Match, MatchRequest, MatchRun, MatchStatus, RequestStatus
from peerarmy.peers.models import Peer, PeerStatus, Skill
from peerarmy.programs.models import Program, ProgramKind
from peerarmy.rewards import services as rewards
from peerarmy.rewards.inputs import NewRuleInput
from peerarmy.rewards.models import Event, RewardKind
from peerarmy.tenancy.models import Membership, Role

SHOP = (44.4949, 11.3343)  # Via del Pratello
INTERESTS = [
    {"slug": "food", "name_it": "Cibo e osterie", "name_en": "food and osterie"},
    {"slug": "history", "name_it": "Storia", "name_en": "history"},
    {"slug": "art", "name_it": "Arte", "name_en": "art"},
    {"slug": "music", "name_it": "Musica", "name_en": "music"},
    {"slug": "cycling", "name_it": "Ciclismo", "name_en": "cycling"},
    {"slug": "architecture", "name_it": "Portici e architettura", "name_en": "architecture"},
    {"slug": "nightlife", "name_it": "Vita notturna", "name_en": "nightlife"},
    {"slug": "markets", "name_it": "Mercati", "name_en": "markets"},
]
AIRPORTS = [{"code": "BLQ", "name": "Bologna Guglielmo Marconi", "lat": 44.5354, "lon": 11.2887}]
PERKS = [
    {
        "name_it": "Marconi Express andata e ritorno",
        "name_en": "Marconi Express return ticket",
        "amount_minor": 2200,
    },
    {
        "name_it": "Il primo caffè o aperitivo",
        "name_en": "The first coffee or drink",
        "amount_minor": 600,
    },
]
PLACES = [
    ("Piazza Maggiore, sotto il Nettuno", 44.4939, 11.3428),
    ("Due Torri", 44.4942, 11.3465),
    ("Stazione Centrale, uscita Piazza Medaglie d'Oro", 44.5058, 11.3430),
    ("Bici Gialla, Via del Pratello 10", 44.4949, 11.3343),
    ("Porta Saragozza", 44.4915, 11.3276),
]
VISITORS = [
    ("Emily Clarke", "en"),
    ("Lukas Brandt", "de"),
    ("Sophie Martin", "fr"),
    ("Lucía Romero", "es"),
    ("Daan de Vries", "nl"),
    ("Oliver Hughes", "en"),
    ("Chloé Bernard", "fr"),
    ("Marta Rossi", "it"),
    ("James O'Neill", "en"),
    ("Ana Costa", "pt"),
    ("Hannah Weber", "de"),
    ("Grace Miller", "en"),
]
HOURS = [
    [(d, time(18), time(22)) for d in range(5)] + [(5, time(9), time(19)), (6, time(9), time(19))],
    [(d, time(9), time(13)) for d in (0, 2, 4)] + [(5, time(10), time(18))],
    [(d, time(9), time(20)) for d in range(7)],
    [(d, time(9), time(20)) for d in range(7)],
    [(5, time(8), time(20)), (6, time(8), time(20))],
    [(d, time(14), time(21)) for d in range(1, 6)],
]


def _at(day, hour, tz, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def _visitor_email(name, n):
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    handle = "".join(c for c in ascii_name.lower() if c.isalpha())
    return f"{handle}.{n}@example.org"


def _offer(business, rng, today):
    """Every active peer offers weekly hours, a weekly limit and interests; some take days off."""
    peers = list(
        Peer.objects.filter(business=business, status=PeerStatus.ACTIVE, latitude__isnull=False)
        .prefetch_related("languages")
        .order_by("pk")
    )
    # Most peers who speak English signed up to guide visitors too.
    guiding = Skill.objects.get(business=business, slug="city-guiding")
    for peer in peers[:24]:
        if "en" in _languages(peer):
            peer.skills.add(guiding)
    slugs = [i["slug"] for i in INTERESTS]
    for n, peer in enumerate(peers):
        accepting = n % 11 != 10
        max_per_week = rng.choice([1, 2, 2, 3, 3, 4]) if n else 4
        interests = rng.sample(slugs, rng.randint(2, 4))
        hours = HOURS[2] if n == 0 else rng.choice(HOURS)
        profile = {
            "accepting": accepting,
            "max_per_week": max_per_week,
            "interests": interests,
            "slots": [{"weekday": d, "starts": s, "ends": e} for d, s, e in hours],
        }
        services.update_profile(peer, MatchingProfileInput.parse(profile))
        if n % 7 == 3:
            first = today + timedelta(days=rng.randint(2, 9))
            last = first + timedelta(days=rng.randint(0, 3))
            days = {"first": first, "last": last, "note": "Ferie"}
            services.add_day_off(peer, DayOffInput.parse(days))
    return peers


def _languages(peer):
    return {pl.language for pl in peer.languages.all()}


def _history(business, program, owner, peers, rng, now, count):
    """`count` past requests, each met by a peer who speaks the visitor's language and was
    marked completed by the owner: perks are posted, `match.completed` pays the rules."""
    tz = business.tzinfo
    eligible = selectors.eligible_peers(program)
    done = 0
    for n in range(count):
        name, language = VISITORS[n % len(VISITORS)]
        spoken = {language, "en"} if language != "it" else {"it"}
        able = [p for p in eligible if _languages(p) & spoken]
        if not able:
            continue
        peer = rng.choice(able)
        day = (now - timedelta(days=3 + n * 2)).astimezone(tz).date()
        start = _at(day, rng.choice([10, 14, 17]), tz)
        place, lat, lon = rng.choice(PLACES)
        kind = program.kind
        match_request = MatchRequest.objects.create(
            business=business,
            program=program,
            status=RequestStatus.MATCHED,
            name=name,
            email=_visitor_email(name, n),
            language="it" if language == "it" else "en",
            starts_at=start,
            ends_at=start + timedelta(hours=4 if kind == ProgramKind.GUIDES else 6),
            airport="BLQ" if kind == ProgramKind.LAYOVER else "",
            meeting_address=place,
            latitude=f"{lat:.6f}",
            longitude=f"{lon:.6f}",
            group_size=rng.choice([1, 1, 2, 2, 3]),
            languages=sorted(spoken & _languages(peer)) or ["en"],
            interests=rng.sample([i["slug"] for i in INTERESTS], 2),
            confirmed_at=start - timedelta(days=4),
        )
        settings = selectors.settings_of(program)
        match = Match.objects.create(
            business=business,
            program=program,
            request=match_request,
            peer=peer,
            status=MatchStatus.ACCEPTED,
            meets_at=start,
            ends_at=start + timedelta(minutes=settings.meeting_minutes),
            respond_by=start - timedelta(days=3),
            responded_at=start - timedelta(days=3, hours=2),
            reasons={
                "languages": [[code, 3] for code in sorted(spoken & _languages(peer))],
                "distance_km": round(rng.uniform(0.5, 6), 1),
                "interests": [],
            },
            perks=list(settings.perks) if kind == ProgramKind.LAYOVER else [],
        )
        # asked and proposed days before the meeting, not when the demo was loaded
        MatchRequest.objects.filter(pk=match_request.pk).update(
            created_at=start - timedelta(days=4)
        )
        Match.objects.filter(pk=match.pk).update(created_at=start - timedelta(days=3, hours=6))
        services.complete_match(business, owner, match, now=match.ends_at + timedelta(hours=3))
        done += 1
    return done


def _request(program, rng, n, day, hour, *, languages, hours=4, interests=None):
    business = program.business
    tz = business.tzinfo
    name, _language = VISITORS[n % len(VISITORS)]
    place, lat, lon = rng.choice(PLACES)
    data = {
        "name": name,
        "email": _visitor_email(name, 100 + n),
        "meeting_address": place,
        "latitude": f"{lat:.6f}",
        "longitude": f"{lon:.6f}",
        "group_size": rng.choice([1, 2, 2, 4]),
        "languages": languages,
        "interests": interests
        if interests is not None
        else rng.sample([i["slug"] for i in INTERESTS], 2),
        "note": "",
    }
    start = _at(day, hour, tz)
    if program.kind == ProgramKind.LAYOVER:
        data.update(airport="BLQ", arrival=start, departure=start + timedelta(hours=hours + 3))
        data.pop("meeting_address")
        data.pop("latitude")
        data.pop("longitude")
    else:
        data.update(starts_at=start, ends_at=start + timedelta(hours=hours))
    data = request_input_class(program.kind).parse(data, context={"business": business})
    language = "en" if "it" not in languages else "it"
    return services.submit_request(program, data, language=language).value


def _coming(business, program, rng, now, count):
    """Requests over the coming two weeks, confirmed (each runs the matcher at once); then the
    peers answer: most accept, one declines (the request goes to the next peer), some have not
    answered yet."""
    tz = business.tzinfo
    today = now.astimezone(tz).date()
    made = []
    for n in range(count):
        day = today + timedelta(days=2 + (n * 3) % 13)
        language = VISITORS[n % len(VISITORS)][1]
        languages = sorted({language, "en"}) if language != "it" else ["it"]
        made.append(
            _request(program, rng, n, day, rng.choice([9, 10, 14, 15]), languages=languages)
        )
    confirmed = [services.confirm_request(r, now=now).value for r in made]
    declined = False
    for n, match_request in enumerate(confirmed):
        match = match_request.matches.filter(status=MatchStatus.PROPOSED).first()
        if match is None:
            continue
        if not declined:
            reason = MatchReasonInput(reason="Quel giorno lavoro fino a tardi.")
            services.decline(match.peer, match, reason, now=now)
            declined = True
        elif n % 3 != 2:
            services.accept(match.peer, match, now=now)
    return len(confirmed)


def load_matching(business, now):
    """The demo's matching at `business`; returns counts for the loader's summary."""
    rng = random.Random(20261205)  # noqa: S311 - demo data, not security
    owner = Membership.objects.get(business=business, role=Role.OWNER).user
    guides = Program.objects.get(business=business, kind=ProgramKind.GUIDES)
    layover = Program.objects.get(business=business, kind=ProgramKind.LAYOVER)
    for program in (guides, layover):
        settings = MatchingSettingsInput.of(selectors.settings_of(program)).changed(
            interests=INTERESTS,
            airports=AIRPORTS,
            latitude=SHOP[0],
            longitude=SHOP[1],
            meeting_minutes=150 if program == guides else 180,
            min_free_minutes=360,
            max_distance_km=15,
            answer_within_hours=12,
            perks=PERKS if program == layover else [],
        )
        services.update_settings(business, owner, program, settings)
        rewards.create_rule(
            business,
            owner,
            NewRuleInput(
                program_id=program.pk,
                event=Event.MATCH_COMPLETED,
                reward=RewardKind.CASH,
                amount=2000 if program == guides else 1500,
            ),
        )
    peers = _offer(business, rng, now.astimezone(business.tzinfo).date())
    done = _history(business, guides, owner, peers, rng, now, 10)
    done += _history(business, layover, owner, peers, rng, now, 6)
    coming = _coming(business, guides, rng, now, 9) + _coming(business, layover, rng, now, 5)
    tz = business.tzinfo
    day = now.astimezone(tz).date() + timedelta(days=4)
    # Nobody at the shop speaks Japanese: the request stays open, and says why.
    lonely = _request(guides, rng, 50, day, 15, languages=["ja"])
    services.confirm_request(lonely, now=now)
    # One visitor has not clicked the link yet.
    _request(guides, rng, 51, day + timedelta(days=2), 10, languages=["en"])
    services.run_matching(guides, trigger=MatchRun.Trigger.STAFF, actor=owner, now=now)
    return {"completed": done, "requests": coming + 2}
