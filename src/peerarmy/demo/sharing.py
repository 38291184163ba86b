"""The demo's sharing at Bici Gialla (issue 18), made through the services at the moment each
thing happened, so that the books add up as they would have:

- the terms of the program `cargo-bike-condivisa`, two stations (the shop in Via del Pratello
  and a point by the central station) and the shop's fleet: two electric cargo bikes that seat
  two children, three e-bikes (one in the workshop) and the yellow city bike, each with a
  picture (`sharing_pictures`), the shop's opening hours and its coming holidays and closure
  blocked;
- two peers' own things: Giulia's tandem, approved, whose rentals earned her money (her wallet
  shows them), and Chiara's bike trailer, waiting for the shop's approval;
- six weeks of rentals since the program opened, each booked, confirmed, picked up and brought
  back: one late (the fee came out of the deposit), one damaged (part of the deposit kept, and a
  support ticket), one cancelled by the shop, one ridden by a peer of the army at the peer price;
  an e-bike out now, one overdue since its last day, and the coming bookings: confirmed, one
  waiting for its e-mail confirmation, one paid ahead by bank transfer;
- Banca di Quartiere, a (made-up) local bank, sponsoring the whole program for a year: its fee
  in the books, and last month's report made (not sent: the demo sends no e-mail);
- how many times each asset's page was opened, day by day.

Everything is drawn from a fixed seed and from today's date: the same day gives the same demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.programs.models import Program
from peerarmy.sharing import reports, services
from peerarmy.sharing.inputs import (
    AssetInput,
    AssetStateInput,
    BookingInput,
    CancelInput,
    CheckInInput,
    CheckOutInput,
    ListingDecisionInput,
    SharingSettingsInput,
    SponsorInput,
    StationInput,
)
from peerarmy.sharing.models import Asset, Booking, BookingStatus, PageViews, Station
from peerarmy.tenancy.models import Closure, Membership, Role

from . import sharing_pictures as pictures

SEED = 18
PROGRAM_SLUG = "cargo-bike-condivisa"
GIULIA = "peer@bicigialla.example"
CHIARA = "chiara.miglietta@example.it"
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Italy's public holidays on fixed dates, and Bologna's patron saint (San Petronio, 4 October).
HOLIDAYS = {(1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (10, 4), (11, 1), (12, 8),
            (12, 25), (12, 26)}  # fmt: skip
PAST_RENTALS = 22  # besides the few told below

# (name, e-mail, language): customers of the shop and visitors of the town
RIDERS = [
    ("Martina Bassi", "martina.bassi@example.com", "it"),
    ("Francesco Zanetti", "francesco.zanetti@example.com", "it"),
    ("Silvia Mazzoni", "silvia.mazzoni@example.com", "it"),
    ("Andrea Gentili", "andrea.gentili@example.com", "it"),
    ("Paolo Cavazza", "paolo.cavazza@example.com", "it"),
    ("Elena Righi", "elena.righi@example.com", "it"),
    ("Giorgia Lolli", "giorgia.lolli@example.com", "it"),
    ("Matteo Guidi", "matteo.guidi@example.com", "it"),
    ("Laura Pizzirani", "laura.pizzirani@example.com", "it"),
    ("Valentina Cuppini", "valentina.cuppini@example.com", "it"),
    ("Stefano Monti", "stefano.monti@example.com", "it"),
    ("Emma Schulz", "emma.schulz@example.com", "en"),
    ("Tom Baker", "tom.baker@example.com", "en"),
    ("Sophie Dubois", "sophie.dubois@example.com", "en"),
    ("Lucas Martin", "lucas.martin@example.com", "en"),
    ("Hannah Lee", "hannah.lee@example.com", "en"),
]
CHECK_OUT_NOTES = ["", "", "", "Batteria carica, lucchetto consegnato.", "Caschi consegnati."]
CHECK_IN_NOTES = ["", "", "Tutto a posto.", "Riportata pulita.", "Gomme da gonfiare."]


# --- what the shop rents -----------------------------------------------------------------------


SHOP = {
    "name_it": "Bici Gialla – Via del Pratello",
    "name_en": "Bici Gialla – Via del Pratello",
    "address": "Via del Pratello 42, 40122 Bologna",
    "latitude": 44.494380,
    "longitude": 11.332650,
    "capacity": 8,
}
STATION = {
    "name_it": "Punto Stazione Centrale",
    "name_en": "Central Station point",
    "address": "Via dei Mille 21, 40121 Bologna",
    "latitude": 44.503360,
    "longitude": 11.345270,
    "capacity": 6,
}

CARGO = {"kind": "cargo_bike", "propulsion": "electric_assist", "seats": 2, "hour_minor": 800,
         "day_minor": 4000, "deposit_minor": 10_000, "min_minutes": 60, "max_minutes": 3 * 1440}  # fmt: skip
EBIKE = {"kind": "ebike", "propulsion": "electric_assist", "seats": 1, "hour_minor": 600,
         "day_minor": 2800, "deposit_minor": 8_000, "min_minutes": 60, "max_minutes": 7 * 1440}  # fmt: skip

FLEET = {
    "portici": (
        "shop",
        CARGO
        | {
            "name_it": "Cargo-bike elettrica «Portici»",
            "name_en": "Electric cargo bike “Portici”",
            "range_km": 70,
            "description_it": (
                "La nostra cargo-bike per le famiglie: cassone anteriore con panca, cinture a "
                "tre punti e capottina per la pioggia, per due bambini fino a 6 anni o 80 kg di "
                "spesa. Pedalata assistita, autonomia di circa 70 km: te la diamo carica.\n\n"
                "Lucchetto, due caschi per bimbi e un telo impermeabile sono compresi. Dopo "
                "cinque minuti di prova davanti al negozio si guida come una bici normale."
            ),
            "description_en": (
                "Our family cargo bike: a front box with a bench, three-point belts and a rain "
                "cover, for two children up to 6 years old or 80 kg of shopping. Pedal assist "
                "with a range of about 70 km: we hand it over fully charged.\n\n"
                "A lock, two children's helmets and a waterproof cover are included. After a "
                "five-minute try outside the shop it rides like a normal bike."
            ),
            "condition_notes": "Qualche graffio sul lato sinistro del cassone; capottina nuova.",
        },
        lambda: pictures.cargo_bike(),
    ),
    "due-torri": (
        "station",
        CARGO
        | {
            "name_it": "Cargo-bike elettrica «Due Torri»",
            "name_en": "Electric cargo bike “Due Torri”",
            "range_km": 60,
            "description_it": (
                "La nostra prima cargo-bike, con il cassone in legno: panca con cinture per due "
                "bambini e capottina. Pedalata assistita, autonomia di circa 60 km.\n\n"
                "Si ritira al punto Stazione Centrale: comoda per chi arriva in treno con "
                "bagagli o bambini. Lucchetto e caschi per bimbi compresi."
            ),
            "description_en": (
                "Our first cargo bike, with a wooden box: a bench with belts for two children "
                "and a rain cover. Pedal assist, with a range of about 60 km.\n\n"
                "Pick it up at the Central Station point: handy when you arrive by train with "
                "luggage or children. Lock and children's helmets included."
            ),
            "condition_notes": "Cassone in legno segnato dall'uso, freni revisionati a ottobre.",
        },
        lambda: pictures.cargo_bike(box_colour=(168, 112, 62)),
    ),
    "san-luca": (
        "shop",
        EBIKE
        | {
            "name_it": "E-bike da trekking «San Luca»",
            "name_en": "Trekking e-bike “San Luca”",
            "range_km": 100,
            "description_it": (
                "Motore centrale e rapporti agili: sali al Santuario di San Luca, arco dopo "
                "arco, senza arrivare in cima senza fiato. Autonomia fino a 100 km, portapacchi "
                "con borsa laterale, luci sempre accese. Casco e lucchetto compresi."
            ),
            "description_en": (
                "A mid-drive motor and easy gears: ride up to San Luca, arch after arch, "
                "without reaching the top out of breath. Up to 100 km of range, a rack with a "
                "pannier, lights always on. Helmet and lock included."
            ),
        },
        lambda: pictures.e_bike(),
    ),
    "saragozza": (
        "shop",
        EBIKE
        | {
            "name_it": "E-bike urbana «Saragozza»",
            "name_en": "City e-bike “Saragozza”",
            "range_km": 80,
            "description_it": (
                "Telaio basso, facile da salire anche con la gonna o lo zaino; autonomia di "
                "circa 80 km, cestino anteriore e cavalletto centrale. Per muoverti in centro e "
                "salire sui colli senza fatica."
            ),
            "description_en": (
                "A low frame, easy to get on even in a skirt or with a backpack; about 80 km of "
                "range, a front basket and a centre stand. For getting around the centre and up "
                "the hills without effort."
            ),
        },
        lambda: pictures.e_bike(colour=(240, 180, 0), wall=(190, 110, 70)),
    ),
    "bolognina": (
        "station",
        EBIKE
        | {
            "name_it": "E-bike urbana «Bolognina»",
            "name_en": "City e-bike “Bolognina”",
            "range_km": 80,
            "description_it": (
                "Al punto Stazione Centrale, per chi arriva in treno: autonomia di circa 80 km, "
                "portapacchi, luci e lucchetto a U. Ideale per scoprire Bologna in una giornata, "
                "dai portici ai Giardini Margherita."
            ),
            "description_en": (
                "At the Central Station point, for whoever arrives by train: about 80 km of "
                "range, a rack, lights and a U-lock. Just right for seeing Bologna in a day, "
                "from the porticoes to the Giardini Margherita."
            ),
        },
        lambda: pictures.e_bike(wall=(160, 96, 70)),
    ),
    "gialla": (
        "station",
        {
            "kind": "bike",
            "propulsion": "human",
            "seats": 1,
            "hour_minor": 300,
            "day_minor": 1200,
            "deposit_minor": 3_000,
            "min_minutes": 60,
            "max_minutes": 7 * 1440,
            "name_it": "Bici da città «Gialla»",
            "name_en": "City bike “Gialla”",
            "description_it": (
                "La bici gialla che ci dà il nome: telaio in acciaio, tre marce nel mozzo, "
                "cestino e parafanghi. Niente batteria, niente pensieri: per un giro in centro "
                "o per andare al lavoro."
            ),
            "description_en": (
                "The yellow bike we are named after: a steel frame, three hub gears, a basket "
                "and mudguards. No battery, no worries: for a ride around the centre or to work."
            ),
        },
        lambda: pictures.city_bike(),
    ),
}

TANDEM = {
    "kind": "bike",
    "propulsion": "human",
    "seats": 2,
    "hour_minor": 700,
    "day_minor": 3500,
    "deposit_minor": 8_000,
    "min_minutes": 120,
    "max_minutes": 3 * 1440,
    "name_it": "Il tandem rosso di Giulia",
    "name_en": "Giulia's red tandem",
    "description_it": (
        "Il mio tandem da viaggio, con cui ho fatto la ciclovia del Sole fino a Verona: 24 "
        "marce, portapacchi posteriore e una sella comoda per chi sta dietro. Perfetto per una "
        "gita in due sui colli o lungo il Reno.\n\n"
        "Lo lascio in negozio: Davide e Sara lo controllano prima di ogni uscita."
    ),
    "description_en": (
        "My touring tandem, which took me along the Ciclovia del Sole to Verona: 24 gears, a "
        "rear rack and a comfortable saddle for whoever sits behind. Just right for a ride for "
        "two in the hills or along the Reno.\n\n"
        "I leave it at the shop: Davide and Sara check it before every ride."
    ),
    "condition_notes": "Catena nuova, qualche segno sul parafango posteriore.",
}
TRAILER = {
    "kind": "other",
    "hour_minor": 200,
    "day_minor": 800,
    "deposit_minor": 2_000,
    "min_minutes": 60,
    "max_minutes": 3 * 1440,
    "name_it": "Rimorchio da carico per bici",
    "name_en": "Bike cargo trailer",
    "description_it": (
        "Un carrellino da traino che si aggancia a quasi tutte le bici (l'attacco al mozzo "
        "posteriore è compreso): porta fino a 40 kg e ha un telo impermeabile. L'ho usato per "
        "tutti i miei traslochi da studentessa; si ritira e si riconsegna in zona università."
    ),
    "description_en": (
        "A trailer that hitches to almost any bike (the rear hub coupling is included): it "
        "carries up to 40 kg and has a waterproof cover. It moved all my student flats; pick "
        "it up and bring it back in the university quarter."
    ),
    # Chiara's house, where she hands it over
    "latitude": 44.499100,
    "longitude": 11.350200,
    "position_note": "Via Mascarella, zona universitaria",
    # after her lectures on weekdays, and at weekends
    "weekly_hours": [{"weekday": day, "opens": "18:00", "closes": "21:00"} for day in range(5)]
    + [{"weekday": day, "opens": "10:00", "closes": "19:00"} for day in (5, 6)],
}

SPONSOR = {
    "name": "Banca di Quartiere",
    "url": "https://bancadiquartiere.example",
    "contact_name": "Elena Marchetti",
    "contact_email": "elena.marchetti@bancadiquartiere.example",
    "language": "it",
    "amount_minor": 240_000,
}


# --- the shop's week ---------------------------------------------------------------------------


def _hhmm(text: str) -> str:
    hours, minutes = text.split(":")
    return f"{int(hours):02d}:{minutes}"


class _Calendar:
    """When the shop is open (its weekly hours less holidays and closures), as moments in its
    time zone, and what each asset is already booked for."""

    def __init__(self, business, today: date):
        self.tz = business.tzinfo
        self.today = today
        week = business.opening_hours or {}
        self.hours = {
            i: [(_hhmm(a), _hhmm(b)) for a, b in week.get(name, [])] for i, name in enumerate(WEEK)
        }
        self.closures = set()
        for closure in Closure.objects.filter(business=business):
            day = closure.first
            while day <= closure.last:
                self.closures.add(day)
                day += timedelta(days=1)
        self.taken: dict[str, list[tuple[datetime, datetime]]] = {}

    def windows(self, day: date) -> list[tuple[str, str]]:
        if (day.month, day.day) in HOLIDAYS or day in self.closures:
            return []
        return self.hours[day.weekday()]

    def at(self, day: date, hhmm: str) -> datetime:
        hours, minutes = (int(part) for part in hhmm.split(":"))
        return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=self.tz)

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def open_day(self, offset: int, *, step: int, weekday: int | None = None) -> date:
        """The first open day from `offset` days from today, going `step` days at a time."""
        day = self.day(offset)
        for _tries in range(60):
            if self.windows(day) and (weekday is None or day.weekday() == weekday):
                return day
            day += timedelta(days=step)
        raise ValueError("the shop is never open")

    def opens(self, day: date) -> datetime:
        return self.at(day, self.windows(day)[0][0])

    def closes(self, day: date) -> datetime:
        return self.at(day, self.windows(day)[-1][1])

    def weekly_hours(self) -> list[dict]:
        return [
            {"weekday": i, "opens": opens, "closes": closes}
            for i, windows in self.hours.items()
            for opens, closes in windows
        ]

    def blocked(self) -> list[str]:
        """The holidays of the next three months on days the shop opens (the next week left
        free, for the bookings under way), and its closures to come."""
        days = set()
        for offset in range(7, 91):
            day = self.day(offset)
            if (day.month, day.day) in HOLIDAYS and self.hours[day.weekday()]:
                days.add(day)
        days |= {day for day in self.closures if day > self.today}
        return sorted(day.isoformat() for day in days)

    def free(self, key: str, start: datetime, end: datetime) -> bool:
        margin = timedelta(minutes=30)
        return all(end + margin <= s or start >= e + margin for s, e in self.taken.get(key, []))

    def take(self, key: str, start: datetime, end: datetime) -> None:
        self.taken.setdefault(key, []).append((start, end))


def _ranges(calendar: _Calendar, rng: random.Random, day: date, kind: str):
    """A rental on `day` as a customer of the shop would book it: a few hours in a window,
    across the lunch break, the whole day, or (cargo bikes) a weekend."""
    windows = calendar.windows(day)
    choice = rng.random()
    if kind == "cargo_bike" and day.weekday() == 5 and choice < 0.3:
        sunday = day + timedelta(days=1)
        if calendar.windows(sunday):
            return calendar.opens(day), calendar.closes(sunday)
    if choice < 0.55:
        opens, closes = rng.choice(windows)
        start = calendar.at(day, opens) + timedelta(minutes=rng.choice([0, 30, 60]))
        end = min(start + timedelta(hours=rng.choice([2, 2, 3, 4])), calendar.at(day, closes))
        if end - start < timedelta(hours=2):
            start = end - timedelta(hours=2)
        return start, end
    if choice < 0.75 and len(windows) > 1:
        return calendar.at(day, windows[0][0]) + timedelta(hours=1), calendar.at(
            day, windows[1][0]
        ) + timedelta(hours=2)
    return calendar.opens(day), calendar.closes(day)


# --- the steps, through the services -----------------------------------------------------------


@dataclass
class _Demo:
    business: object
    owner: object
    staff: object
    program: object
    calendar: _Calendar
    rng: random.Random
    now: datetime
    opened_at: datetime
    assets: dict = field(default_factory=dict)

    def book(self, key, start, end, rider, *, made, user=None, payment="till", confirm=True):
        name, email, language = rider
        made_it = services.book(
            self.business,
            self.assets[key],
            BookingInput(
                starts_at=start, ends_at=end, name=name, email=email, payment_method=payment
            ),
            user=user,
            language=language,
            now=made,
        ).value
        if confirm and made_it.booking.status == BookingStatus.UNCONFIRMED:
            later = made + timedelta(minutes=self.rng.randint(2, 40))
            services.confirm_booking(self.business, made_it.token, now=later)
        self.calendar.take(key, start, end)
        return Booking.objects.get(pk=made_it.booking.pk)

    def made_before(self, start: datetime) -> datetime:
        """When a rider booked a rental starting at `start`: hours to days before, and after
        the program opened."""
        made = start - timedelta(hours=self.rng.randint(3, 140), minutes=self.rng.randint(0, 59))
        local = timezone.localtime(made, self.calendar.tz)
        if local.hour < 7:  # few book in the small hours
            made = local.replace(hour=7, minute=self.rng.randint(0, 59))
        made = min(made, start - timedelta(hours=1, minutes=30))
        earliest = self.opened_at + timedelta(minutes=20)
        if made < earliest:
            made = max(earliest, start - timedelta(hours=2))
        return made

    def hand_over(self, booking, *, actor=None):
        at = booking.starts_at + timedelta(minutes=self.rng.randint(0, 12))
        services.check_out(
            self.business,
            actor or self.staff,
            booking,
            CheckOutInput(notes=self.rng.choice(CHECK_OUT_NOTES)),
            now=at,
        )

    def bring_back(self, booking, *, at=None, actor=None, damage="", damage_minor=0, km=None):
        at = at or booking.ends_at - timedelta(minutes=self.rng.randint(0, 40))
        services.check_in(
            self.business,
            actor or self.staff,
            booking,
            CheckInInput(
                notes=self.rng.choice(CHECK_IN_NOTES) if not damage else "",
                distance_km=km,
                damage=damage,
                damage_minor=damage_minor,
            ),
            now=at,
        )

    def distance(self, key, booking) -> int | None:
        asset = self.assets[key]
        hours = (booking.ends_at - booking.starts_at).total_seconds() / 3600
        if asset.propulsion == "electric_assist":
            return max(4, round(min(hours, 9) * self.rng.uniform(3.5, 8)))
        if self.rng.random() < 0.5:
            return max(2, round(min(hours, 9) * self.rng.uniform(2, 5)))
        return None  # the rider did not say

    def rent(self, key, start, end, rider, **back):
        booking = self.book(key, start, end, rider, made=self.made_before(start))
        actor = self.owner if self.rng.random() < 0.25 else self.staff
        self.hand_over(booking, actor=actor)
        back.setdefault("km", self.distance(key, booking))
        self.bring_back(booking, actor=actor, **back)
        return booking


def _team(business):
    members = Membership.objects.filter(business=business).select_related("user")
    owner = next(m.user for m in members if m.role == Role.OWNER)
    staff = next((m.user for m in members if m.role != Role.OWNER), owner)
    return owner, staff


def _peer(business, email):
    return Peer.objects.select_related("user").get(business=business, user__email=email)


def load_sharing(business, now) -> dict:
    """Write the demo's sharing; how many of each."""
    owner, staff = _team(business)
    program = Program.objects.get(business=business, slug=PROGRAM_SLUG)
    opened_at = program.published_at or now - timedelta(days=45)
    today = timezone.localdate(now, timezone=business.tzinfo)
    calendar = _Calendar(business, today)
    demo = _Demo(business, owner, staff, program, calendar, random.Random(SEED), now, opened_at)
    before_opening = opened_at - timedelta(days=3)

    services.save_settings(
        business,
        owner,
        program,
        SharingSettingsInput(
            peer_discount_percent=20,
            commission_percent=20,
            free_cancel_hours=24,
            late_fee_percent=150,
            late_grace_minutes=15,
            confirm_minutes=60,
            reminder_hours=24,
        ),
    )
    stations = {
        key: services.save_station(
            business, owner, StationInput(program_id=program.pk, **fields)
        ).value
        for key, fields in (("shop", SHOP), ("station", STATION))
    }
    hours = calendar.weekly_hours()
    blocked = calendar.blocked()
    for key, (at, fields, picture) in FLEET.items():
        data = AssetInput(
            program_id=program.pk,
            station_id=stations[at].pk,
            weekly_hours=hours,
            blocked_dates=blocked,
            **fields,
        )
        asset = services.save_asset(business, owner, data).value
        services.add_asset_photo(business, owner, asset, picture())
        demo.assets[key] = asset

    # Giulia lists her tandem (the shop keeps it) and the owner approves it; Chiara's trailer
    # came in two days ago and waits.
    giulia, chiara = _peer(business, GIULIA), _peer(business, CHIARA)
    tandem = services.list_peer_asset(
        giulia,
        AssetInput(
            program_id=program.pk,
            station_id=stations["shop"].pk,
            weekly_hours=hours,
            blocked_dates=blocked,
            **TANDEM,
        ),
    ).value
    services.add_asset_photo(business, giulia.user, tandem, pictures.tandem())
    services.decide_listing(business, owner, tandem, ListingDecisionInput(approve=True))
    demo.assets["tandem"] = Asset.objects.get(pk=tandem.pk)
    trailer = services.list_peer_asset(chiara, AssetInput(program_id=program.pk, **TRAILER)).value
    services.add_asset_photo(business, chiara.user, trailer, pictures.trailer())

    Station.objects.filter(business=business).update(created_at=before_opening)
    Asset.objects.filter(business=business).update(created_at=before_opening)
    Asset.objects.filter(pk=tandem.pk).update(created_at=opened_at + timedelta(days=2))
    Asset.objects.filter(pk=trailer.pk).update(created_at=now - timedelta(days=2, hours=3))

    _rentals(demo, giulia)
    services.set_asset_state(
        business, staff, demo.assets["saragozza"], AssetStateInput(state="maintenance")
    )
    Asset.objects.filter(pk=demo.assets["saragozza"].pk).update(
        condition_notes="In officina dopo una caduta: leva del freno nuova e controllo della "
        "batteria. Torna disponibile a fine settimana."
    )

    views = _page_views(demo)
    sponsor = _sponsor(demo)
    return {
        "stations": len(stations),
        "assets": Asset.objects.filter(business=business).count(),
        "bookings": Booking.objects.filter(business=business).count(),
        "sponsors": 1 if sponsor else 0,
        "page views": views,
    }


def _rentals(demo: _Demo, giulia) -> None:
    """The bookings of the six weeks since the program opened, the ones under way and the
    coming ones, in the order the story needs (each rental at the moments it happened)."""
    cal, rng, business = demo.calendar, demo.rng, demo.business
    riders = {email: (name, email, language) for name, email, language in RIDERS}
    opened = timezone.localdate(demo.opened_at, cal.tz)
    first_offset = max((opened - cal.today).days + 1, -44)

    # Under way: a visitor's e-bike out for a few days, and one that was due back on the
    # shop's last open day and is not back yet.
    start_day = cal.open_day(-1, step=-1)
    end_day = cal.open_day(2, step=1)
    if (end_day - start_day).days > 6:
        end_day = cal.open_day(1, step=1)
    out = demo.book(
        "san-luca",
        cal.opens(start_day) + timedelta(hours=1),
        cal.closes(end_day) - timedelta(hours=1),
        riders["emma.schulz@example.com"],
        made=demo.made_before(cal.opens(start_day)),
    )
    demo.hand_over(out)
    due_day = start_day
    from_day = cal.open_day((due_day - cal.today).days - 1, step=-1)
    overdue = demo.book(
        "bolognina",
        cal.opens(from_day) + timedelta(minutes=30),
        cal.closes(due_day),
        riders["lucas.martin@example.com"],
        made=demo.made_before(cal.opens(from_day)),
    )
    demo.hand_over(overdue)
    cal.take("bolognina", overdue.starts_at, demo.now)  # not back yet

    # Brought back 70 minutes late: the fee came out of the deposit.
    day = cal.open_day(-9, step=-1, weekday=5)
    start = cal.opens(day) + timedelta(hours=1)
    demo.rent("due-torri", start, start + timedelta(hours=3),
              riders["valentina.cuppini@example.com"],
              at=start + timedelta(hours=3, minutes=70), km=14)  # fmt: skip
    cal.take("due-torri", start, start + timedelta(hours=3, minutes=70))

    # Brought back after a fall: part of the deposit kept, a ticket for the staff, and the
    # e-bike in the workshop since.
    damaged_on = cal.open_day(-4, step=-1)
    start = cal.opens(damaged_on) + timedelta(hours=1)
    booking = demo.book("saragozza", start, start + timedelta(hours=3),
                        riders["andrea.gentili@example.com"], made=demo.made_before(start))  # fmt: skip
    demo.hand_over(booking, actor=demo.owner)
    demo.bring_back(
        booking,
        actor=demo.owner,
        km=11,
        damage="Caduta da ferma in Via Saragozza: leva del freno anteriore piegata e "
        "batteria graffiata. Il cliente ha visto i danni alla riconsegna ed è d'accordo.",
        damage_minor=3_500,
    )

    # Cancelled by the shop the evening before, at the rider's call (nothing was paid).
    day = cal.open_day(-12, step=-1)
    start = cal.opens(day) + timedelta(hours=1)
    made = max(start - timedelta(days=4, hours=2), demo.opened_at + timedelta(minutes=20))
    booking = demo.book("gialla", start, start + timedelta(hours=3),
                        riders["paolo.cavazza@example.com"], made=made)  # fmt: skip
    services.cancel_by_staff(
        business,
        demo.staff,
        booking,
        CancelInput(reason="Ha telefonato: rimanda per la pioggia."),
        now=max(start - timedelta(hours=15), made + timedelta(hours=1)),
    )

    # A peer of the army rides a cargo bike at the peer price.
    rider = (
        Peer.objects.filter(business=business, status=PeerStatus.ACTIVE)
        .exclude(user__email__in=[GIULIA, CHIARA])
        .select_related("user")
        .order_by("pk")
        .first()
    ) or _peer(business, CHIARA)
    user = rider.user
    day = cal.open_day(-6, step=-1, weekday=6)
    start, end = cal.opens(day), cal.closes(day)
    booking = demo.book("portici", start, end, (user.get_full_name() or str(rider), user.email,
                        (user.language or "it")[:2]), made=demo.made_before(start), user=user)  # fmt: skip
    demo.hand_over(booking)
    demo.bring_back(booking, km=18)

    # Giulia's tandem, out at weekends since she listed it: each rental earns her money.
    listed = timezone.localdate(demo.opened_at, cal.tz) + timedelta(days=4)
    weekends = [
        cal.day(offset)
        for offset in range(max(first_offset, (listed - cal.today).days), -2)
        if cal.day(offset).weekday() >= 5 and cal.windows(cal.day(offset))
    ]
    couples = ["sophie.dubois@example.com", "matteo.guidi@example.com",
               "hannah.lee@example.com", "elena.righi@example.com"]  # fmt: skip
    chosen = sorted(rng.sample(weekends, min(4, len(weekends))))
    for day, email in zip(chosen, couples[: len(chosen)], strict=True):
        start, end = _ranges(cal, rng, day, "bike")
        if cal.free("tandem", start, end):
            demo.rent("tandem", start, end, riders[email])

    # The rest of the six weeks: customers and visitors, a few hours or a day.
    keys = ["portici", "due-torri", "san-luca", "saragozza", "bolognina", "gialla"]
    weights = [4, 3, 3, 2, 3, 2]
    days = [cal.day(o) for o in range(first_offset, -2) if cal.windows(cal.day(o))]
    rented, tries = 0, 0
    while rented < PAST_RENTALS and tries < 500:
        tries += 1
        key = rng.choices(keys, weights)[0]
        day = rng.choice(days)
        if key == "saragozza" and day >= damaged_on:
            continue  # in the workshop since
        start, end = _ranges(cal, rng, day, demo.assets[key].kind)
        if end > demo.now - timedelta(days=1) or not cal.free(key, start, end):
            continue
        demo.rent(key, start, end, rng.choice(RIDERS))
        rented += 1

    # Coming: confirmed bookings, one waiting for its e-mail confirmation, one paid ahead.
    now = demo.now
    day = cal.open_day(2, step=1, weekday=5)
    start = cal.opens(day)
    demo.book("portici", start, start + timedelta(hours=4), riders["martina.bassi@example.com"],
              made=now - timedelta(days=2, hours=3))  # fmt: skip
    day = cal.open_day(1, step=1)
    opens, closes = cal.windows(day)[-1]
    start = cal.at(day, opens)
    demo.book("due-torri", start, min(start + timedelta(hours=3), cal.at(day, closes)),
              riders["hannah.lee@example.com"], made=now - timedelta(hours=5))  # fmt: skip
    day = cal.open_day(3, step=1, weekday=6)
    demo.book("tandem", cal.opens(day), cal.closes(day), riders["tom.baker@example.com"],
              made=now - timedelta(days=1, hours=2))  # fmt: skip
    day = cal.open_day(1, step=1)
    start = cal.opens(day) + timedelta(hours=1)
    demo.book("gialla", start, start + timedelta(hours=2), riders["giorgia.lolli@example.com"],
              made=now - timedelta(minutes=10), confirm=False)  # fmt: skip
    day = cal.open_day(9, step=1, weekday=5)
    sunday = day + timedelta(days=1)
    end = cal.closes(sunday) if cal.windows(sunday) else cal.closes(day)
    ahead = demo.book("portici", cal.opens(day), end, riders["francesco.zanetti@example.com"],
                      made=now - timedelta(days=3), payment="transfer")  # fmt: skip
    services.record_transfer(business, demo.staff, ahead, now=now - timedelta(days=1, hours=2))


def _sponsor(demo: _Demo):
    """A year of Banca di Quartiere from the month the program opened: the fee came in a few
    days in; last month's report is made (the worker would send it)."""
    business, owner, cal = demo.business, demo.owner, demo.calendar
    starts = timezone.localdate(demo.opened_at, cal.tz).replace(day=1)
    ends = date(starts.year + 1, starts.month, 1) - timedelta(days=1)
    sponsor = services.save_sponsor(
        business,
        owner,
        SponsorInput(program_id=demo.program.pk, starts_on=starts, ends_on=ends, **SPONSOR),
    ).value
    services.set_sponsor_logo(business, owner, sponsor, pictures.bank_logo())
    signed = cal.at(starts - timedelta(days=12), "11:00")
    type(sponsor).objects.filter(pk=sponsor.pk).update(created_at=signed)
    paid = min(cal.at(starts + timedelta(days=4), "10:30"), demo.now)
    services.record_sponsor_fee(business, owner, sponsor, now=paid)
    reports.make_report(business, sponsor, reports.previous_month(cal.today), now=demo.now)
    return sponsor


def _page_views(demo: _Demo) -> int:
    """Views of each public asset's page per day since the program opened: more for the cargo
    bikes, more at weekends."""
    cal, rng = demo.calendar, demo.rng
    popularity = {"cargo_bike": 14, "ebike": 9, "bike": 5}
    first = timezone.localdate(demo.opened_at, cal.tz)
    rows = []
    for asset in demo.assets.values():
        base = popularity.get(asset.kind, 6)
        day = first
        while day < cal.today:
            boost = 1.6 if day.weekday() >= 4 else 1.0
            count = round(base * boost * rng.uniform(0.3, 1.5))
            if count:
                rows.append(PageViews(business=demo.business, asset=asset, day=day, count=count))
            day += timedelta(days=1)
    PageViews.objects.bulk_create(rows)
    return sum(row.count for row in rows)
