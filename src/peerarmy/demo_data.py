"""The demo: Bici Gialla (a bike shop in Bologna) and Lecce B&B, with customers, peers, programs.

The data is built by plain, deterministic functions (fixed seeds, hand-written name lists) and
written by `load_demo`, which `peerarmy demo` and the tests call. Nothing here sends e-mail or
leaves anything in the outbox: the demo people are made up, at `.example`, `example.org` and
`example.it`. (The delivery schedule is claimed through the scheduling services, which write
e-mails to the outbox; the load deletes them before it commits.)
"""

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from peerarmy.customers.importers.readers import UnreadableFile
from peerarmy.customers.models import Customer, ImportKind
from peerarmy.customers.services import import_file
from peerarmy.demo_matching import load_matching
from peerarmy.notifications.models import OutboxMessage
from peerarmy.peers.models import LanguageLevel, Peer, PeerLanguage, PeerStatus, Skill
from peerarmy.programs.models import Program, ProgramKind, ProgramStatus
from peerarmy.rewards.ledger import purge_business
from peerarmy.scheduling.errors import SchedulingError
from peerarmy.scheduling.models import FairnessLimits
from peerarmy.scheduling.services import (
    claim_block,
    create_blocks_from_template,
    join_waitlist,
)
from peerarmy.superfans.services import score_business
from peerarmy.tenancy.models import Business, Membership, Role
from peerarmy.tenancy.services import add_member, create_business

DEMO_PASSWORD = "peerarmy-demo"
DEMO_SLUGS = ("bicigialla", "lecce-bnb")
# Every account in these domains belongs to the demo, so `--reset` may delete it.
DEMO_DOMAINS = ("bicigialla.example", "leccebnb.example", "peerarmy.example")
ADMIN_EMAIL = "admin@peerarmy.example"

# (who, e-mail, where they start) for the summary `peerarmy demo` prints.
DEMO_LOGINS = [
    ("Bici Gialla owner", "owner@bicigialla.example", "/bicigialla/manage/"),
    ("Bici Gialla staff", "staff@bicigialla.example", "/bicigialla/manage/"),
    ("Bici Gialla peer (active)", "peer@bicigialla.example", "/bicigialla/me/"),
    ("Bici Gialla applicant", "applicant@bicigialla.example", "/bicigialla/me/"),
    ("Lecce B&B owner", "owner@leccebnb.example", "/lecce-bnb/manage/"),
    ("superuser", ADMIN_EMAIL, "/admin/"),
]

NATIVE, FLUENT, CONVERSATIONAL, BASIC = (
    LanguageLevel.NATIVE,
    LanguageLevel.FLUENT,
    LanguageLevel.CONVERSATIONAL,
    LanguageLevel.BASIC,
)


class DemoConflict(Exception):
    """Part of the demo is in the database but not all of it: only `--reset` can mend that."""


# --- the shape of the data ------------------------------------------------------------------


@dataclass
class Person:
    first_name: str
    last_name: str
    gender: str  # "f" or "m": only to agree Italian adjectives in the bios
    origin: str  # native language code

    @property
    def language(self):
        """The interface language (it or en) this person would pick."""
        return "it" if self.origin == "it" else "en"


@dataclass
class UserSpec:
    email: str
    first_name: str = ""
    last_name: str = ""
    language: str = "it"
    is_superuser: bool = False


@dataclass
class CustomerSpec:
    person: Person
    email: str
    city: str
    language: str
    accepts_marketing: bool
    external_id: str
    since_days: int


@dataclass
class PeerSpec:
    user: UserSpec
    display_name: str
    status: str
    languages: dict
    skills: list
    home_address: str
    latitude: Decimal
    longitude: Decimal
    travel_radius_km: int
    bio: str
    applied_days_ago: int
    decided_days_ago: int | None = None
    reliability: int | None = None
    showcase_links: list = field(default_factory=list)
    customer_email: str | None = None
    rejection_reason: str = ""


@dataclass
class ProgramSpec:
    kind: str
    slug: str
    title_it: str
    title_en: str
    summary_it: str
    summary_en: str
    description_it: str
    description_en: str
    required_skills: list = field(default_factory=list)
    required_languages: list = field(default_factory=list)
    min_reliability: int = 0
    published_days_ago: int | None = None  # None: a draft


@dataclass
class BusinessSpec:
    slug: str
    name: str
    city: str
    brand_color: str
    contact_email: str
    tagline_it: str
    tagline_en: str
    about_it: str
    about_en: str
    owner: UserSpec
    staff: list
    skills: list  # (slug, name_it, name_en)
    customers: list
    peers: list
    programs: list
    # (kind, file in demo/): files the customers and their history are imported from, through
    # the real importers, instead of being written from `customers`.
    imports: list = field(default_factory=list)


# --- names and places -----------------------------------------------------------------------

FEMALE_NAMES = [
    "Giulia",
    "Chiara",
    "Francesca",
    "Sara",
    "Martina",
    "Alessia",
    "Valentina",
    "Elena",
    "Federica",
    "Silvia",
    "Laura",
    "Anna",
    "Giorgia",
    "Elisa",
    "Beatrice",
    "Camilla",
    "Alice",
    "Sofia",
    "Aurora",
    "Ilaria",
    "Roberta",
    "Paola",
    "Marta",
    "Veronica",
    "Cristina",
    "Serena",
    "Lucia",
    "Benedetta",
    "Caterina",
    "Noemi",
    "Irene",
    "Arianna",
    "Margherita",
    "Greta",
    "Ludovica",
    "Rebecca",
    "Nicoletta",
    "Daniela",
    "Monica",
    "Barbara",
]
MALE_NAMES = [
    "Marco",
    "Luca",
    "Andrea",
    "Matteo",
    "Alessandro",
    "Lorenzo",
    "Francesco",
    "Davide",
    "Simone",
    "Federico",
    "Riccardo",
    "Stefano",
    "Giovanni",
    "Tommaso",
    "Filippo",
    "Nicola",
    "Pietro",
    "Gabriele",
    "Michele",
    "Emanuele",
    "Paolo",
    "Roberto",
    "Giacomo",
    "Edoardo",
    "Enrico",
    "Massimo",
    "Alberto",
    "Claudio",
    "Daniele",
    "Fabio",
    "Leonardo",
    "Mattia",
    "Samuele",
    "Jacopo",
    "Carlo",
    "Giorgio",
    "Vittorio",
    "Luigi",
    "Antonio",
    "Sergio",
]
SURNAMES = [
    "Rossi",
    "Bianchi",
    "Ferrari",
    "Russo",
    "Esposito",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Costa",
    "Giordano",
    "Mancini",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Serra",
    "Zanetti",
    "Benassi",
    "Malaguti",
    "Zanardi",
    "Tugnoli",
    "Cavazza",
    "Brighenti",
    "Righi",
    "Venturi",
    "Pedrini",
    "Bergonzoni",
    "Fabbri",
    "Guidi",
    "Monari",
    "Bonfiglioli",
    "Degli Esposti",
    "Dall'Olio",
    "Sabattini",
    "Nanni",
    "Zucchini",
    "Parmeggiani",
    "Mazzoni",
    "Marchi",
    "Orsi",
    "Baraldi",
    "Neri",
    "Poggi",
    "Grandi",
    "Tassinari",
    "Gamberini",
    "Bernardi",
    "Stanzani",
    "Fini",
    "Pancaldi",
    "Vignoli",
    "Cocchi",
]
# origin → (female names, male names, surnames, home towns as an Italian would write them)
FOREIGN = {
    "en": (
        ["Emily", "Olivia", "Hannah", "Charlotte", "Grace"],
        ["James", "Thomas", "Jack", "Oliver", "Daniel"],
        ["Clarke", "Walker", "Bennett", "Hughes", "Wright", "Evans", "O'Brien"],
        ["Manchester", "Leeds", "Dublino", "Bristol"],
    ),
    "de": (
        ["Anna", "Lena", "Katharina", "Julia"],
        ["Lukas", "Felix", "Jonas", "Maximilian"],
        ["Müller", "Schmidt", "Wagner", "Becker", "Hoffmann"],
        ["Monaco di Baviera", "Amburgo", "Friburgo"],
    ),
    "fr": (
        ["Camille", "Chloé", "Manon", "Léa"],
        ["Louis", "Hugo", "Théo", "Antoine"],
        ["Dubois", "Martin", "Lefèvre", "Moreau", "Girard"],
        ["Lione", "Marsiglia", "Nantes"],
    ),
    "es": (
        ["Lucía", "Carmen", "Paula", "Marta"],
        ["Javier", "Pablo", "Álvaro", "Diego"],
        ["García", "Fernández", "López", "Sánchez", "Navarro"],
        ["Valencia", "Siviglia", "Saragozza (quella spagnola)"],
    ),
    "nl": (["Sanne", "Fleur"], ["Daan", "Bram"], ["de Vries", "Jansen", "Visser"], ["Utrecht"]),
    "pt": (["Inês", "Beatriz"], ["João", "Tiago"], ["Costa", "Ferreira", "Almeida"], ["Porto"]),
}
FOREIGN_ORIGINS = ["en", "en", "en", "de", "de", "fr", "fr", "es", "es", "nl", "pt"]

BOLOGNA_AREA_CITIES = [
    ("Bologna", 64),
    ("Casalecchio di Reno", 6),
    ("San Lazzaro di Savena", 6),
    ("Zola Predosa", 3),
    ("Castel Maggiore", 3),
    ("Granarolo dell'Emilia", 2),
    ("Pianoro", 2),
    ("Sasso Marconi", 2),
    ("Calderara di Reno", 2),
    ("Anzola dell'Emilia", 2),
    ("Castenaso", 2),
    ("Budrio", 2),
    ("Ozzano dell'Emilia", 2),
    ("Imola", 1),
    ("Monte San Pietro", 1),
]

# (area, streets, latitude, longitude): Bologna neighbourhoods and two towns next door,
# all within about 6 km of Piazza Maggiore (44.4949, 11.3426).
BOLOGNA_AREAS = [
    (
        "Centro storico",
        ["Via dell'Indipendenza", "Via Galliera", "Via delle Moline"],
        44.4970,
        11.3440,
    ),
    (
        "Università",
        ["Via Mascarella", "Via Belle Arti", "Via Petroni", "Via del Guasto"],
        44.4968,
        11.3520,
    ),
    ("Santo Stefano", ["Via Santo Stefano", "Strada Maggiore", "Via Guerrazzi"], 44.4900, 11.3520),
    (
        "Saragozza",
        ["Via Saragozza", "Via del Pratello", "Via Andrea Costa", "Via Sant'Isaia"],
        44.4905,
        11.3290,
    ),
    ("Porto", ["Via del Porto", "Via Lame", "Via Marco Polo"], 44.5000, 11.3300),
    (
        "Bolognina",
        ["Via Ferrarese", "Via di Corticella", "Via Tibaldi", "Via Nicolò dall'Arca"],
        44.5120,
        11.3470,
    ),
    ("San Donato", ["Via San Donato", "Via del Lavoro", "Via Garavaglia"], 44.5060, 11.3760),
    (
        "Cirenaica",
        ["Via Libia", "Via Cirenaica", "Via Bengasi", "Via Massarenti"],
        44.4985,
        11.3730,
    ),
    ("Murri", ["Via Murri", "Via Toscana", "Via Dagnini"], 44.4800, 11.3700),
    ("Savena", ["Via Emilia Levante", "Via Populonia", "Via Arno"], 44.4760, 11.3880),
    ("Colli", ["Via di San Mamolo", "Via dell'Osservanza", "Via Codivilla"], 44.4790, 11.3400),
    ("Barca", ["Via Battindarno", "Via della Barca", "Via Pertini"], 44.4930, 11.2960),
    (
        "Borgo Panigale",
        ["Via Marco Emilio Lepido", "Via Normandia", "Via Bastia"],
        44.5150,
        11.2880,
    ),
    ("Navile", ["Via dell'Arcoveggio", "Via Shakespeare", "Via Byron"], 44.5280, 11.3550),
    ("Casalecchio di Reno", ["Via Porrettana", "Via Marconi", "Via Garibaldi"], 44.4780, 11.2780),
    ("San Lazzaro di Savena", ["Via Emilia", "Via Jussi", "Via Kennedy"], 44.4715, 11.4080),
]
TOWNS = {"Casalecchio di Reno", "San Lazzaro di Savena"}

EMAIL_DOMAINS = ["example.org", "example.it"]


def _ascii(text):
    """'Dall'Olio' → 'dallolio': letters and digits only, for e-mail addresses and handles."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _person(rng, foreign_share):
    if rng.random() < foreign_share:
        origin = rng.choice(FOREIGN_ORIGINS)
        female, male, surnames, _towns = FOREIGN[origin]
    else:
        origin, female, male, surnames = "it", FEMALE_NAMES, MALE_NAMES, SURNAMES
    gender = rng.choice("fm")
    first = rng.choice(female if gender == "f" else male)
    return Person(first, rng.choice(surnames), gender, origin)


def _email(rng, person, used):
    first, last = _ascii(person.first_name), _ascii(person.last_name)
    local = rng.choice(
        [
            f"{first}.{last}",
            f"{first}.{last}",
            f"{first}{last}",
            f"{first[0]}.{last}",
            f"{last}.{first}",
            f"{first}.{last}{rng.randint(60, 99)}",
        ]
    )
    domain = rng.choice(EMAIL_DOMAINS)
    email, n = f"{local}@{domain}", 2
    while email in used:
        email, n = f"{local}{n}@{domain}", n + 1
    used.add(email)
    return email


def _customers(rng, count, *, cities, foreign_share, prefix, used, foreign_cities=None):
    names, weights = zip(*cities, strict=True)
    customers = []
    for n in range(1, count + 1):
        person = _person(rng, foreign_share)
        if person.origin != "it" and foreign_cities:
            city = rng.choice(foreign_cities[person.origin])
        else:
            city = rng.choices(names, weights)[0]
        language = person.language if rng.random() > 0.04 else "en"
        customers.append(
            CustomerSpec(
                person=person,
                email=_email(rng, person, used),
                city=city,
                language=language,
                accepts_marketing=rng.random() < 0.6,
                external_id=f"{prefix}-{n:05d}",
                since_days=rng.randint(3, 2200),
            )
        )
    return customers


def _coordinate(value):
    return Decimal(value).quantize(Decimal("0.000001"))


def _display_name(person):
    return f"{person.first_name} {person.last_name[0].upper()}."


# --- Bici Gialla ----------------------------------------------------------------------------

BICI_GIALLA_SKILLS = [
    ("bike-repair", "Riparazione bici", "Bike repair"),
    ("city-guiding", "Guida in città", "City guiding"),
    ("cargo-bike-delivery", "Consegne in cargo-bike", "Cargo-bike delivery"),
    ("photography", "Fotografia", "Photography"),
    ("social-media", "Social media", "Social media"),
    ("event-help", "Aiuto agli eventi", "Event help"),
    ("bike-touring", "Cicloturismo", "Bike touring"),
    ("riding-lessons", "Lezioni di bici", "Riding lessons"),
    ("translation", "Traduzione", "Translation"),
]
# How often each skill is someone's main one: the shop needs mechanics, guides and riders most.
PRIMARY_SKILL_WEIGHTS = {
    "bike-repair": 6,
    "city-guiding": 7,
    "cargo-bike-delivery": 6,
    "photography": 3,
    "social-media": 3,
    "event-help": 3,
    "bike-touring": 3,
    "riding-lessons": 2,
    "translation": 1,
}

# Bio openings by main skill; {o} agrees with the peer ("appassionato" / "appassionata").
BIOS = {
    "bike-repair": [
        "Smonto e rimonto biciclette da quando avevo dodici anni; il sabato mattina do una mano "
        "in una ciclofficina popolare.",
        "Meccanic{o} per passione: cambi, freni e ruote storte sono il mio pane quotidiano.",
        "Restauro bici d'epoca in garage e adoro rimettere in strada quelle che tutti davano "
        "per perse.",
    ],
    "city-guiding": [
        "Bolognese da tre generazioni, conosco ogni portico e ogni osteria del centro.",
        "Studio storia dell'arte all'Alma Mater e mi piace raccontare Bologna a chi la vede per "
        "la prima volta.",
        "Ho fatto la guida volontaria al Museo della Musica: ora racconto la città in sella.",
    ],
    "cargo-bike-delivery": [
        "Pedalo ogni giorno, con qualsiasi tempo: trenta chili di carico non mi spaventano.",
        "Ex rider, ora consegno solo in cargo-bike: più lento, ma molto più bello.",
        "Ho una cargo-bike per portare i bambini a scuola e nel tempo libero faccio consegne "
        "in centro.",
    ],
    "photography": [
        "Fotografo la città in bicicletta all'alba, quando i portici sono vuoti.",
        "Fotografia analogica e digitale; ho raccontato per immagini diverse pedalate sui colli.",
    ],
    "social-media": [
        "Gestisco i social di un'associazione di quartiere e mi piace raccontare storie brevi.",
        "Creo contenuti per Instagram e TikTok: le bici gialle vengono benissimo in foto.",
    ],
    "event-help": [
        "Volontari{o} in molte feste di strada: montare gazebo e accogliere la gente è il mio forte.",
        "Organizzo biciclettate in compagnia e non dico mai di no a una festa di quartiere.",
    ],
    "bike-touring": [
        "Ho pedalato la Ciclovia del Sole fino a Verona e conosco bene gli sterrati dei colli.",
        "Cicloturista: appena posso parto per l'Appennino con tenda e borse.",
    ],
    "riding-lessons": [
        "Insegno ad andare in bici a bambini e adulti, con una pazienza infinita.",
        "Istruttore di ciclismo urbano: insegno a muoversi sicuri nel traffico.",
    ],
    "translation": [
        "Traduco dall'inglese e dal francese; mi piace far sentire a casa chi arriva da lontano.",
    ],
}
BIO_ENDINGS = [
    "Vivo in zona {area} e mi sposto solo in bici.",
    "Nel tempo libero: musica dal vivo, tortellini e lunghe pedalate.",
    "Disponibile soprattutto la sera e nei fine settimana.",
    "Sono sempre in giro per {area}: se serve una mano, ci sono.",
    "",
    "Cliente di Bici Gialla da anni, mi farebbe piacere restituire qualcosa.",  # customers only
]
FOREIGN_BIO_OPENINGS = [
    "Vengo da {town} e vivo a Bologna da {years} anni.",
    "Sono arrivat{o} da {town} per l'Erasmus e non me ne sono più andat{o}.",
]
REJECTION_REASONS = [
    "Per ora cerchiamo persone che possano garantire almeno due turni al mese: ci farà piacere "
    "risentirti quando avrai più tempo.",
    "Le consegne e le uscite con i visitatori richiedono la maggiore età: ricandidati quando "
    "avrai compiuto 18 anni.",
]

BICI_GIALLA_OWNER = UserSpec("owner@bicigialla.example", "Davide", "Gualandi", "it")
BICI_GIALLA_STAFF = UserSpec("staff@bicigialla.example", "Sara", "Lambertini", "it")

# A Bologna student from Lecce, a peer of both businesses: one account, two separate profiles.
CHIARA = UserSpec("chiara.miglietta@example.it", "Chiara", "Miglietta", "it")


def _bici_gialla_hand_written_peers():
    return [
        PeerSpec(
            user=UserSpec("peer@bicigialla.example", "Giulia", "Rinaldi", "it"),
            display_name="Giulia R.",
            status=PeerStatus.ACTIVE,
            languages={"it": NATIVE, "en": FLUENT, "fr": CONVERSATIONAL},
            skills=["city-guiding", "photography", "bike-touring", "cargo-bike-delivery"],
            home_address="Via Santo Stefano, Santo Stefano, Bologna",
            latitude=Decimal("44.491200"),
            longitude=Decimal("11.350800"),
            travel_radius_km=12,
            bio="Guida turistica abilitata e ciclista urbana: porto i visitatori sotto i portici, "
            "dal Pratello a San Luca, con una sosta per il caffè e molti aneddoti. Fotografo i "
            "giri e regalo le foto a chi pedala con me.",
            showcase_links=[
                "https://example.org/giulia-in-bici",
                "https://example.org/@giulia.fotografa",
            ],
            reliability=92,
            applied_days_ago=420,
            decided_days_ago=416,
        ),
        PeerSpec(
            user=UserSpec("applicant@bicigialla.example", "Luca", "Ferri", "it"),
            display_name="Luca F.",
            status=PeerStatus.APPLICANT,
            languages={"it": NATIVE, "en": BASIC},
            skills=["cargo-bike-delivery", "bike-repair"],
            home_address="Via Ferrarese, Bolognina, Bologna",
            latitude=Decimal("44.515300"),
            longitude=Decimal("11.349100"),
            travel_radius_km=8,
            bio="Studente di ingegneria, pedalo ogni giorno dalla Bolognina all'università. "
            "Vorrei fare qualche consegna in cargo-bike nei fine settimana e imparare a "
            "sistemare le bici.",
            applied_days_ago=3,
        ),
        PeerSpec(
            user=CHIARA,
            display_name="Chiara M.",
            status=PeerStatus.ACTIVE,
            languages={"it": NATIVE, "en": FLUENT},
            skills=["photography", "social-media"],
            home_address="Via Mascarella, Università, Bologna",
            latitude=Decimal("44.499100"),
            longitude=Decimal("11.350200"),
            travel_radius_km=6,
            bio="Leccese, studio al DAMS: racconto Bologna in foto e in storie brevi, e per Bici "
            "Gialla curo le storie dei ciclisti del quartiere.",
            showcase_links=["https://example.org/@chiara.m"],
            reliability=88,
            applied_days_ago=250,
            decided_days_ago=247,
        ),
    ]


def _generated_peer(rng, person, email, status, *, customer_email=None):
    skill_slugs = list(PRIMARY_SKILL_WEIGHTS)
    primary = rng.choices(skill_slugs, [PRIMARY_SKILL_WEIGHTS[s] for s in skill_slugs])[0]
    others = [s for s in skill_slugs if s != primary]
    skills = [primary, *rng.sample(others, rng.choice([0, 1, 1, 2]))]

    if person.origin == "it":
        languages = {"it": NATIVE}
        if rng.random() < 0.7:
            languages["en"] = rng.choice([BASIC, CONVERSATIONAL, CONVERSATIONAL, FLUENT, FLUENT])
    else:
        languages = {person.origin: NATIVE, "it": rng.choice([CONVERSATIONAL, FLUENT, FLUENT])}
        languages.setdefault("en", rng.choice([FLUENT, CONVERSATIONAL]))
    for code, chance in (("fr", 0.15), ("es", 0.15), ("de", 0.08)):
        if code not in languages and rng.random() < chance:
            languages[code] = rng.choice([BASIC, CONVERSATIONAL, FLUENT])
    if "translation" in skills and len(languages) < 3:
        languages.setdefault("fr", FLUENT)
        languages.setdefault("en", FLUENT)

    area, streets, lat, lon = rng.choice(BOLOGNA_AREAS)
    street = rng.choice(streets)
    home = f"{street}, {area}" if area in TOWNS else f"{street}, {area}, Bologna"
    latitude = _coordinate(lat + rng.uniform(-0.004, 0.004))
    longitude = _coordinate(lon + rng.uniform(-0.005, 0.005))

    o = "a" if person.gender == "f" else "o"
    parts = []
    if person.origin != "it":
        town = rng.choice(FOREIGN[person.origin][3])
        parts.append(
            rng.choice(FOREIGN_BIO_OPENINGS).format(town=town, years=rng.randint(2, 9), o=o)
        )
    parts.append(rng.choice(BIOS[primary]).format(o=o))
    endings = BIO_ENDINGS if customer_email else BIO_ENDINGS[:-1]
    parts.append(rng.choice(endings).format(area=area))
    bio = " ".join(p for p in parts if p)

    handle = f"{_ascii(person.first_name)}{_ascii(person.last_name)}"
    links = []
    if {"photography", "social-media"} & set(skills):
        links.append(f"https://example.org/@{handle}")
        if rng.random() < 0.5:
            links.append(f"https://example.org/{handle}/portfolio")
    elif rng.random() < 0.15:
        links.append(f"https://example.org/{handle}/blog")

    spec = PeerSpec(
        user=UserSpec(email, person.first_name, person.last_name, person.language),
        display_name=_display_name(person),
        status=status,
        languages=languages,
        skills=skills,
        home_address=home,
        latitude=latitude,
        longitude=longitude,
        travel_radius_km=rng.choice([3, 5, 5, 8, 10, 10, 12, 15, 20, 25]),
        bio=bio,
        showcase_links=links,
        customer_email=customer_email,
        applied_days_ago=0,
    )
    if status == PeerStatus.APPLICANT:
        spec.applied_days_ago = rng.randint(0, 21)
    elif status == PeerStatus.ACTIVE:
        spec.applied_days_ago = rng.randint(30, 540)
        spec.decided_days_ago = spec.applied_days_ago - rng.randint(1, 6)
        spec.reliability = rng.randint(60, 100)
    elif status == PeerStatus.REJECTED:
        spec.applied_days_ago = rng.randint(25, 200)
        spec.decided_days_ago = spec.applied_days_ago - rng.randint(2, 5)
    else:  # suspended: approved long ago, then missed too many deliveries
        spec.applied_days_ago = rng.randint(200, 400)
        spec.decided_days_ago = rng.randint(5, 15)
        spec.reliability = 41
    return spec


def bici_gialla():
    """Bici Gialla, a bike shop in Bologna: 300 customers, 40 peers, a program of every kind."""
    rng = random.Random(1987)
    hand_written = _bici_gialla_hand_written_peers()
    used = {p.user.email for p in hand_written}
    customers = _customers(
        rng,
        300,
        cities=BOLOGNA_AREA_CITIES,
        foreign_share=0.1,
        prefix="BG",
        used=used,
    )

    # 37 more peers: 30 of them customers of the shop, 7 brought along by friends.
    statuses = (
        [PeerStatus.ACTIVE] * 26
        + [PeerStatus.APPLICANT] * 8
        + [PeerStatus.REJECTED] * 2
        + [PeerStatus.SUSPENDED]
    )
    rng.shuffle(statuses)
    peer_customers = rng.sample(customers, 30)
    peers = list(hand_written)
    reasons = iter(REJECTION_REASONS)
    for i, status in enumerate(statuses):
        if i < len(peer_customers):
            customer = peer_customers[i]
            person, email = customer.person, customer.email
        else:
            customer = None
            person = _person(rng, 0.1)
            email = _email(rng, person, used)
        peer = _generated_peer(
            rng, person, email, status, customer_email=customer.email if customer else None
        )
        if status == PeerStatus.REJECTED:
            peer.rejection_reason = next(reasons)
        if customer is not None:
            # They were customers well before they joined the army.
            customer.since_days = max(
                customer.since_days, peer.applied_days_ago + rng.randint(30, 900)
            )
        peers.append(peer)

    return BusinessSpec(
        slug="bicigialla",
        name="Bici Gialla",
        city="Bologna",
        brand_color="#946c00",
        contact_email="ciao@bicigialla.example",
        tagline_it="La bottega delle bici gialle sotto i portici di Bologna",
        tagline_en="The yellow-bike workshop under the porticoes of Bologna",
        about_it=(
            "Dal 1987 ripariamo, noleggiamo e vendiamo biciclette in Via del Pratello. Oggi i "
            "nostri clienti più affezionati ci aiutano a far conoscere Bologna su due ruote: "
            "accompagnano i visitatori, consegnano in cargo-bike e danno una seconda vita alle "
            "bici usate. Ogni peer sa sempre cosa ha guadagnato e perché."
        ),
        about_en=(
            "Since 1987 we have repaired, rented and sold bicycles in Via del Pratello. Today our "
            "most loyal customers help us show Bologna on two wheels: they take visitors around, "
            "deliver by cargo bike and give used bikes a second life. Every peer always knows "
            "what they earned and why."
        ),
        owner=BICI_GIALLA_OWNER,
        staff=[BICI_GIALLA_STAFF],
        skills=BICI_GIALLA_SKILLS,
        customers=customers,
        peers=peers,
        programs=BICI_GIALLA_PROGRAMS,
        imports=BICI_GIALLA_IMPORTS,
    )


# Bici Gialla's files, as its owner downloaded them (demo/make_demo_files.py writes them from
# the customers above): Shopify's customers and orders exports, the NPS answers kept in Excel
# in Italian, and reviews, referrals and social mentions in the generic format.
DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
BICI_GIALLA_IMPORTS = [
    (ImportKind.CUSTOMERS, "bicigialla_customers_export.csv"),
    (ImportKind.ORDERS, "bicigialla_orders_export.csv"),
    (ImportKind.NPS, "bicigialla_nps.csv"),
    (ImportKind.REVIEWS, "bicigialla_reviews.csv"),
    (ImportKind.REFERRALS, "bicigialla_referrals.csv"),
    (ImportKind.MENTIONS, "bicigialla_mentions.csv"),
]


BICI_GIALLA_PROGRAMS = [
    ProgramSpec(
        kind=ProgramKind.GUIDES,
        slug="bologna-in-bici",
        title_it="Bologna in bici con un local",
        title_en="Bologna by bike with a local",
        summary_it="Chi visita Bologna chiede una guida: un nostro peer lo accompagna in bici tra "
        "portici, torri e osterie.",
        summary_en="Visitors ask for a guide, and one of our peers takes them by bike through "
        "porticoes, towers and osterie.",
        description_it=(
            "Due o tre ore in sella, al ritmo di chi visita: Piazza Maggiore, le Due Torri, il "
            "Pratello e, per chi ha gambe, la salita di San Luca. La bici la mettiamo noi, gialla "
            "e appena controllata in officina.\n\n"
            "Il peer sceglie il percorso e le soste, racconta la città che conosce e viene "
            "ricompensato per ogni giro, più un buono da spendere in negozio. Cerchiamo persone "
            "che conoscano bene la città e amino raccontarla, in italiano o in inglese."
        ),
        description_en=(
            "Two or three hours in the saddle, at the visitor's pace: Piazza Maggiore, the Two "
            "Towers, the Pratello and, for strong legs, the climb to San Luca. We provide the "
            "bike, yellow and freshly checked in our workshop.\n\n"
            "The peer chooses the route and the stops, tells the story of the city they know, "
            "and is rewarded for every tour, plus a voucher to spend in the shop. We are looking "
            "for people who know the city well and love to show it, in Italian or English."
        ),
        required_skills=["city-guiding"],
        required_languages=["it", "en"],
        min_reliability=0,
        published_days_ago=180,
    ),
    ProgramSpec(
        kind=ProgramKind.LAYOVER,
        slug="scalo-a-bologna",
        title_it="Scalo a Bologna con un local",
        title_en="Layover in Bologna with a local",
        summary_it="Per chi fa scalo all'aeroporto Marconi (BLQ) con almeno 6 ore: un local lo "
        "porta in centro, gli offre il primo caffè e lo riaccompagna in tempo.",
        summary_en="For travellers with a layover of at least 6 hours at Bologna Marconi airport "
        "(BLQ): a local takes them into town, buys the first coffee and gets them back in time.",
        description_it=(
            "Il viaggiatore ci scrive con l'orario dello scalo e noi cerchiamo il peer giusto per "
            "lingua e disponibilità. Il peer lo accoglie agli arrivi, prende con lui il Marconi "
            "Express fino alla stazione e gli fa scoprire il centro a piedi o in bici.\n\n"
            "Bici Gialla paga la navetta e il primo caffè o aperitivo; il peer riceve un compenso "
            "per ogni incontro. Solo scali di almeno 6 ore, per tornare in aeroporto senza fretta."
        ),
        description_en=(
            "The traveller writes to us with the times of the layover and we find the right peer "
            "by language and availability. The peer meets them at arrivals, rides the Marconi "
            "Express with them to the station and shows them the centre on foot or by bike.\n\n"
            "Bici Gialla pays for the shuttle and the first coffee or aperitivo; the peer is paid "
            "for every meeting. Layovers of at least 6 hours only, so nobody rushes back."
        ),
        required_skills=["city-guiding"],
        required_languages=["en"],
        min_reliability=70,
        published_days_ago=95,
    ),
    ProgramSpec(
        kind=ProgramKind.DELIVERY,
        slug="consegne-cargo-bike",
        title_it="Consegne in cargo-bike",
        title_en="Cargo-bike deliveries",
        summary_it="Prenota un turno, prendi una cargo-bike in negozio e consegna gli ordini delle "
        "botteghe del centro. Pagato a turno.",
        summary_en="Book a block, pick up a cargo bike at the shop and deliver orders for the "
        "shops in the centre. Paid per block.",
        description_it=(
            "Lavoriamo con botteghe e librerie del centro che consegnano con noi, senza furgoni "
            "nella zona a traffico limitato. Pubblichiamo turni di due o quattro ore e i peer li "
            "prenotano da soli, fino a esaurimento posti.\n\n"
            "La cargo-bike elettrica, il casco e la borsa termica li mettiamo noi. Ogni turno ha "
            "un compenso fisso, più un extra per ogni consegna oltre la decima."
        ),
        description_en=(
            "We work with shops and bookshops in the centre that deliver with us, with no vans "
            "in the limited-traffic zone. We publish blocks of two or four hours and peers book "
            "them themselves, while places last.\n\n"
            "We provide the electric cargo bike, the helmet and the insulated bag. Every block "
            "pays a fixed amount, plus an extra for each delivery beyond the tenth."
        ),
        required_skills=["cargo-bike-delivery"],
        required_languages=[],
        min_reliability=60,
        published_days_ago=240,
    ),
    ProgramSpec(
        kind=ProgramKind.CHIP_IN,
        slug="regala-una-bici",
        title_it="Regala una bici, insieme",
        title_en="Give a bike, together",
        summary_it="Amici e parenti fanno una colletta per regalare una bici; Bici Gialla aggiunge "
        "il 10% e la prepara con un fiocco giallo.",
        summary_en="Friends and family club together to give someone a bike; Bici Gialla adds 10% "
        "and gets it ready with a yellow bow.",
        description_it=(
            "Una laurea, un compleanno, la prima bici di una bambina: chi organizza apre una "
            "colletta per una bici del negozio e condivide il link con amici e parenti.\n\n"
            "Quando la colletta raggiunge la cifra, Bici Gialla aggiunge la sua parte, il 10% del "
            "prezzo, e prepara la bici per la consegna. I peer che fanno girare una colletta "
            "ricevono punti per ogni persona che partecipa."
        ),
        description_en=(
            "A graduation, a birthday, a little girl's first bike: the organiser opens a "
            "collection for a bike from the shop and shares the link with friends and family.\n\n"
            "When the collection reaches the price, Bici Gialla adds its share, 10% of the price, "
            "and gets the bike ready to hand over. Peers who spread a collection earn points for "
            "every person who chips in."
        ),
        published_days_ago=60,
    ),
    ProgramSpec(
        kind=ProgramKind.RESALE,
        slug="usato-garantito",
        title_it="Usato garantito Bici Gialla",
        title_en="Bici Gialla certified used bikes",
        summary_it="Vendi la bici che non usi più: la controlliamo in officina, la garantiamo sei "
        "mesi e la mettiamo in vetrina per te.",
        summary_en="Sell the bike you no longer ride: we check it in our workshop, guarantee it "
        "for six months and put it on show for you.",
        description_it=(
            "Porti la bici in negozio, i nostri meccanici la controllano e ti propongono un "
            "prezzo. La bici va in vetrina, in negozio e online, con sei mesi di garanzia Bici "
            "Gialla.\n\n"
            "Quando si vende ricevi l'80% del prezzo in denaro, oppure il 100% in buono acquisto. "
            "Chi porta un amico a vendere o a comprare riceve punti."
        ),
        description_en=(
            "You bring the bike to the shop, our mechanics check it and suggest a price. The "
            "bike goes on show, in the shop and online, with a six-month Bici Gialla "
            "guarantee.\n\n"
            "When it sells you get 80% of the price in money, or 100% as a shop voucher. Bring "
            "a friend to sell or buy and you earn points."
        ),
        published_days_ago=130,
    ),
    ProgramSpec(
        kind=ProgramKind.SHARING,
        slug="cargo-bike-condivisa",
        title_it="Cargo-bike condivisa",
        title_en="Shared cargo bike",
        summary_it="Due cargo-bike del negozio, prenotabili a ore per piccoli traslochi, la spesa "
        "grande e le gite con i bambini.",
        summary_en="Two of the shop's cargo bikes, bookable by the hour for small moves, the big "
        "weekly shop and outings with the kids.",
        description_it=(
            "Le cargo-bike stanno in negozio e si prenotano a ore o per la giornata, da peer e "
            "clienti.\n\n"
            "I peer con affidabilità di almeno 50 le usano gratis fino a quattro ore al mese e ne "
            "diventano custodi: le consegnano e le ritirano dai clienti del loro quartiere, con un "
            "compenso per ogni passaggio."
        ),
        description_en=(
            "The cargo bikes live at the shop and can be booked by the hour or for the day, by "
            "peers and customers alike.\n\n"
            "Peers with a reliability of at least 50 ride them for free up to four hours a month "
            "and look after them: they drop them off and pick them up for customers in their "
            "neighbourhood, and are paid for every hand-over."
        ),
        min_reliability=50,
        published_days_ago=45,
    ),
    ProgramSpec(
        kind=ProgramKind.CUSTOM,
        slug="ambasciatori-del-quartiere",
        title_it="Ambasciatori del quartiere",
        title_en="Neighbourhood ambassadors",
        summary_it="Racconta Bici Gialla nel tuo quartiere: foto, storie e piccoli eventi, con un "
        "budget mensile e una vetrina per il tuo lavoro.",
        summary_en="Tell your neighbourhood about Bici Gialla: photos, stories and small events, "
        "with a monthly budget and a showcase for your work.",
        description_it=(
            "Ogni mese scegliamo un ambasciatore per quartiere: Bolognina, Saragozza, San Donato, "
            "Santo Stefano e gli altri. L'ambasciatore organizza una biciclettata o una piccola "
            "ciclofficina all'aperto, racconta sui social le storie dei ciclisti del quartiere e "
            "ci segnala dove mancano le rastrelliere.\n\n"
            "Foto e testi migliori finiscono sul nostro sito con il nome di chi li ha fatti; ogni "
            "ambasciatore riceve un compenso e un buono per la manutenzione della sua bici."
        ),
        description_en=(
            "Every month we pick one ambassador per neighbourhood: Bolognina, Saragozza, San "
            "Donato, Santo Stefano and the rest. The ambassador organises a group ride or a small "
            "open-air repair corner, tells the stories of the neighbourhood's cyclists on social "
            "media and tells us where bike racks are missing.\n\n"
            "The best photos and texts go on our website with their author's name; every "
            "ambassador is paid and gets a voucher for their own bike's servicing."
        ),
        required_skills=["social-media"],
        required_languages=["it"],
        min_reliability=0,
        published_days_ago=20,
    ),
    ProgramSpec(
        kind=ProgramKind.CUSTOM,
        slug="ciclofficina-del-sabato",
        title_it="Ciclofficina del sabato",
        title_en="Saturday repair workshop",
        summary_it="Il sabato mattina, in negozio, insegniamo a riparare la propria bici: "
        "cerchiamo peer meccanici che facciano da tutor.",
        summary_en="On Saturday mornings, in the shop, we teach people to fix their own bikes: "
        "we are looking for peer mechanics to tutor them.",
        description_it=(
            "Bozza: orari, numero di posti e compenso da definire con lo staff dell'officina."
        ),
        description_en="Draft: times, places and pay to be agreed with the workshop staff.",
        required_skills=["bike-repair"],
        min_reliability=70,
        published_days_ago=None,
    ),
]


# --- Lecce B&B ------------------------------------------------------------------------------

LECCE_SKILLS = [
    ("city-guiding", "Guida in città", "City guiding"),
    ("salento-cooking", "Cucina salentina", "Salento cooking"),
    ("guest-welcome", "Accoglienza ospiti", "Guest welcome"),
    ("photography", "Fotografia", "Photography"),
    ("folk-music", "Pizzica e musica popolare", "Pizzica and folk music"),
]
LECCE_GUEST_CITIES = [
    ("Milano", 6),
    ("Roma", 5),
    ("Torino", 3),
    ("Bologna", 3),
    ("Napoli", 2),
    ("Bari", 2),
    ("Firenze", 2),
    ("Lecce", 1),
    ("Verona", 1),
]
LECCE_FOREIGN_CITIES = {
    "en": ["London", "Manchester", "Dublin"],
    "de": ["München", "Berlin"],
    "fr": ["Paris", "Lyon"],
    "es": ["Madrid", "Barcelona"],
    "nl": ["Amsterdam"],
    "pt": ["Lisboa"],
}
LECCE_OWNER = UserSpec("owner@leccebnb.example", "Antonella", "De Giorgi", "it")


def lecce_bnb():
    """Lecce B&B, a smaller second business, so that one cannot see the other's rows."""
    rng = random.Random(73100)
    salvatore = Person("Salvatore", "Quarta", "m", "it")
    rosaria = Person("Rosaria", "Perrone", "f", "it")
    used = {
        CHIARA.email,
        "pino.stefanizzi@example.it",
        "emma.collins@example.org",
        "luigi.carluccio@example.it",
    }
    customers = _customers(
        rng,
        28,
        cities=LECCE_GUEST_CITIES,
        foreign_share=0.45,
        prefix="LB",
        used=used,
        foreign_cities=LECCE_FOREIGN_CITIES,
    )
    for person, email in (
        (salvatore, "salvatore.quarta@example.it"),
        (rosaria, "rosaria.perrone@example.it"),
    ):
        used.add(email)
        customers.append(
            CustomerSpec(
                person=person,
                email=email,
                city="Lecce",
                language="it",
                accepts_marketing=True,
                external_id=f"LB-{len(customers) + 1:05d}",
                since_days=rng.randint(400, 900),
            )
        )

    def lecce_peer(user, display_name, status, languages, skills, home, lat, lon, bio, **extra):
        return PeerSpec(
            user=user,
            display_name=display_name,
            status=status,
            languages=languages,
            skills=skills,
            home_address=home,
            latitude=Decimal(lat),
            longitude=Decimal(lon),
            travel_radius_km=extra.pop("travel_radius_km", 10),
            bio=bio,
            **extra,
        )

    peers = [
        lecce_peer(
            CHIARA,
            "Chiara M.",
            PeerStatus.ACTIVE,
            {"it": NATIVE, "en": FLUENT},
            ["photography", "city-guiding"],
            "Via Libertini, Centro storico, Lecce",
            "40.353900",
            "18.168600",
            "D'estate torno a casa e porto gli ospiti a scoprire la Lecce che non sta sulle "
            "guide: cortili, botteghe e tramonti sulle mura.",
            reliability=90,
            applied_days_ago=300,
            decided_days_ago=298,
            showcase_links=["https://example.org/@chiara.m"],
        ),
        lecce_peer(
            UserSpec("salvatore.quarta@example.it", "Salvatore", "Quarta", "it"),
            "Salvatore Q.",
            PeerStatus.ACTIVE,
            {"it": NATIVE, "en": CONVERSATIONAL},
            ["city-guiding", "folk-music"],
            "Viale Lo Re, Rudiae, Lecce",
            "40.346200",
            "18.159800",
            "Suono il tamburello in un gruppo di pizzica e conosco ogni chiesa barocca della "
            "città, con le sue leggende.",
            reliability=84,
            applied_days_ago=380,
            decided_days_ago=377,
            travel_radius_km=20,
            customer_email="salvatore.quarta@example.it",
        ),
        lecce_peer(
            UserSpec("rosaria.perrone@example.it", "Rosaria", "Perrone", "it"),
            "Rosaria P.",
            PeerStatus.ACTIVE,
            {"it": NATIVE},
            ["salento-cooking", "guest-welcome"],
            "Via Taranto, Santa Rosa, Lecce",
            "40.360400",
            "18.164900",
            "Orecchiette, pasticciotti e ciceri e tria: insegno agli ospiti a cucinare come mia "
            "nonna.",
            reliability=97,
            applied_days_ago=410,
            decided_days_ago=405,
            travel_radius_km=5,
            customer_email="rosaria.perrone@example.it",
        ),
        lecce_peer(
            UserSpec("pino.stefanizzi@example.it", "Giuseppe", "Stefanizzi", "it"),
            "Pino S.",
            PeerStatus.ACTIVE,
            {"it": NATIVE, "en": FLUENT, "de": CONVERSATIONAL},
            ["city-guiding", "guest-welcome"],
            "Viale Marche, Mazzini, Lecce",
            "40.355800",
            "18.180200",
            "Ho lavorato vent'anni in Germania come cameriere: accolgo gli ospiti in tre lingue "
            "e li porto al mare di San Cataldo in bici.",
            reliability=76,
            applied_days_ago=150,
            decided_days_ago=149,
            travel_radius_km=15,
        ),
        lecce_peer(
            UserSpec("emma.collins@example.org", "Emma", "Collins", "en"),
            "Emma C.",
            PeerStatus.ACTIVE,
            {"en": NATIVE, "it": FLUENT},
            ["guest-welcome", "photography"],
            "Via Palmieri, Centro storico, Lecce",
            "40.352400",
            "18.167100",
            "Inglese, a Lecce da sei anni: aiuto gli ospiti stranieri a sentirsi a casa e "
            "fotografo la pietra leccese a ogni ora del giorno.",
            reliability=81,
            applied_days_ago=200,
            decided_days_ago=196,
            showcase_links=["https://example.org/emmacollins/portfolio"],
        ),
        lecce_peer(
            UserSpec("luigi.carluccio@example.it", "Luigi", "Carluccio", "it"),
            "Luigi C.",
            PeerStatus.APPLICANT,
            {"it": NATIVE, "en": BASIC},
            ["photography"],
            "Via Merine, Salesiani, Lecce",
            "40.346900",
            "18.181500",
            "Fotografo di matrimoni, vorrei raccontare il Salento anche agli ospiti del B&B.",
            applied_days_ago=5,
        ),
    ]
    programs = [
        ProgramSpec(
            kind=ProgramKind.GUIDES,
            slug="lecce-barocca",
            title_it="Lecce barocca con un local",
            title_en="Baroque Lecce with a local",
            summary_it="Gli ospiti del B&B scoprono Lecce con chi ci è nato: Santa Croce, piazza "
            "Sant'Oronzo e le botteghe della cartapesta.",
            summary_en="Our guests discover Lecce with someone born here: Santa Croce, Piazza "
            "Sant'Oronzo and the papier-mâché workshops.",
            description_it=(
                "Una passeggiata di due ore che parte dalla colazione del B&B: le facciate "
                "barocche, l'anfiteatro romano, un caffè in ghiaccio con latte di mandorla. Il "
                "peer racconta la sua città e riceve un compenso per ogni visita."
            ),
            description_en=(
                "A two-hour walk that starts after breakfast at the B&B: the Baroque façades, "
                "the Roman amphitheatre, an iced coffee with almond milk. The peer shows their "
                "own city and is paid for every tour."
            ),
            required_skills=["city-guiding"],
            required_languages=["it", "en"],
            published_days_ago=120,
        ),
        ProgramSpec(
            kind=ProgramKind.CUSTOM,
            slug="racconta-il-salento",
            title_it="Racconta il Salento",
            title_en="Tell the story of Salento",
            summary_it="Foto e storie del Salento per il nostro sito e i social, firmate da chi "
            "le ha fatte.",
            summary_en="Photos and stories of Salento for our website and social media, signed "
            "by their authors.",
            description_it=(
                "Ogni mese chiediamo ai peer foto e brevi racconti su un tema: le masserie, il "
                "mare d'inverno, le feste patronali. I lavori scelti vanno sul sito del B&B con "
                "il nome dell'autore e una ricompensa."
            ),
            description_en=(
                "Every month we ask peers for photos and short stories on a theme: the "
                "masserie, the sea in winter, the patron saints' festivals. The chosen works go "
                "on the B&B's website with the author's name and a reward."
            ),
            required_skills=["photography"],
            published_days_ago=40,
        ),
    ]
    return BusinessSpec(
        slug="lecce-bnb",
        name="Lecce B&B",
        city="Lecce",
        brand_color="#a0522d",
        contact_email="ciao@leccebnb.example",
        tagline_it="Dormire nel barocco, con chi il Salento lo conosce",
        tagline_en="Sleep in the Baroque, hosted by people who know Salento",
        about_it=(
            "Sei camere in un palazzo del Seicento a due passi da Porta Rudiae. I nostri ospiti "
            "più affezionati e i nostri amici leccesi fanno scoprire la città e il Salento a "
            "chi arriva."
        ),
        about_en=(
            "Six rooms in a 17th-century palazzo a short walk from Porta Rudiae. Our most loyal "
            "guests and our friends in Lecce show the city and Salento to new arrivals."
        ),
        owner=LECCE_OWNER,
        staff=[],
        skills=LECCE_SKILLS,
        customers=customers,
        peers=peers,
        programs=programs,
    )


def demo_specs():
    return [bici_gialla(), lecce_bnb()]


def demo_user_emails(specs=None):
    """Every account the demo creates (the admin, members and peers of both businesses)."""
    emails = {ADMIN_EMAIL}
    for spec in specs or demo_specs():
        emails.add(spec.owner.email)
        emails.update(user.email for user in spec.staff)
        emails.update(peer.user.email for peer in spec.peers)
    return emails


# --- writing it to the database -------------------------------------------------------------


def is_loaded():
    with scopes_disabled():
        return Business.objects.filter(slug=DEMO_SLUGS[0]).exists()


def delete_demo():
    """Delete both demo businesses (with everything they own) and every demo account."""
    with scopes_disabled(), transaction.atomic():
        for business_id in Business.objects.filter(slug__in=DEMO_SLUGS).values_list(
            "pk", flat=True
        ):
            purge_business(business_id)
        Business.objects.filter(slug__in=DEMO_SLUGS).delete()
        accounts = Q(email__in=demo_user_emails())
        for domain in DEMO_DOMAINS:
            accounts |= Q(email__iendswith=f"@{domain}")
        get_user_model().objects.filter(accounts).delete()


def load_demo(*, reset=False):
    """Load the demo; return {slug: counts}, or None if it was already there (and unchanged)."""
    with scopes_disabled(), transaction.atomic():
        if reset:
            delete_demo()
        elif is_loaded():
            return None
        left_over = list(
            Business.objects.filter(slug__in=DEMO_SLUGS).values_list("slug", flat=True)
        )
        if left_over:
            raise DemoConflict(
                f"The business {left_over[0]!r} exists but the demo is not loaded; run "
                "`peerarmy demo --reset` to delete it and start over."
            )
        specs = demo_specs()
        now = timezone.now()
        users = _ensure_users(specs, now)
        counts = {spec.slug: _load_business(spec, users, now) for spec in specs}
        # Score at once, so the console shows ranked superfans the moment the demo opens.
        for business in Business.objects.filter(slug__in=DEMO_SLUGS):
            with scope(business=business):
                score_business(business)
        shop = Business.objects.get(slug=DEMO_SLUGS[0])
        counts[shop.slug]["blocks"] = _load_delivery_schedule(shop, now)
        counts[shop.slug]["rewards"] = _load_rewards_history(shop, now)
        counts[shop.slug]["matching"] = load_matching(shop, now)
        # The services wrote confirmation e-mails to made-up people: none of them leaves.
        OutboxMessage.objects.filter(business__slug__in=DEMO_SLUGS).delete()
        return counts


def _ensure_users(specs, now):
    """Create the demo accounts that do not exist yet, with verified e-mail; return them all."""
    wanted = {ADMIN_EMAIL: UserSpec(ADMIN_EMAIL, is_superuser=True)}
    for spec in specs:
        for user in [spec.owner, *spec.staff, *(peer.user for peer in spec.peers)]:
            wanted.setdefault(user.email, user)
    User = get_user_model()
    existing = set(User.objects.filter(email__in=wanted).values_list("email", flat=True))
    # One hash for every demo account: they share the password, and hashing it forty times
    # with the production hasher would take longer than loading everything else.
    password = make_password(DEMO_PASSWORD)
    User.objects.bulk_create(
        [
            User(
                email=u.email,
                first_name=u.first_name,
                last_name=u.last_name,
                language=u.language,
                password=password,
                is_staff=u.is_superuser,
                is_superuser=u.is_superuser,
                date_joined=now,
            )
            for email, u in wanted.items()
            if email not in existing
        ]
    )
    users = {u.email: u for u in User.objects.filter(email__in=wanted)}
    addresses = EmailAddress.objects.filter(email__in=wanted)
    addresses.filter(verified=False).update(verified=True)
    have_address = set(addresses.values_list("email", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=users[email], email=email, verified=True, primary=True)
            for email in wanted
            if email not in have_address
        ]
    )
    return users


def _import_files(business, imports):
    """Import the demo's files with the real importers; return the business's customers."""
    for kind, name in imports:
        path = DEMO_DIR / name
        if not path.exists():
            raise DemoConflict(
                f"The demo file {path} is missing; `python demo/make_demo_files.py` writes it."
            )
        try:
            import_file(business, kind, path, language="it", filename=name, rescore=False)
        except UnreadableFile as exc:
            raise DemoConflict(f"The demo file {path} cannot be imported: {exc.message}") from exc
    return list(Customer.objects.filter(business=business))


def _load_business(spec, users, now):
    def ago(days):
        return now - timedelta(days=days, minutes=17 * (days % 50))

    business, owner, _created = create_business(
        slug=spec.slug,
        name=spec.name,
        owner_email=spec.owner.email,
        city=spec.city,
        default_language="it",
        timezone="Europe/Rome",
        currency="EUR",
        brand_color=spec.brand_color,
        contact_email=spec.contact_email,
        tagline_it=spec.tagline_it,
        tagline_en=spec.tagline_en,
        about_it=spec.about_it,
        about_en=spec.about_en,
    )
    for member in spec.staff:
        add_member(business=business, actor=owner, email=member.email)

    skills = {
        s.slug: s
        for s in Skill.objects.bulk_create(
            [
                Skill(business=business, slug=slug, name_it=name_it, name_en=name_en)
                for slug, name_it, name_en in spec.skills
            ]
        )
    }

    if spec.imports:
        customers = _import_files(business, spec.imports)
    else:
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    business=business,
                    email=c.email,
                    first_name=c.person.first_name,
                    last_name=c.person.last_name,
                    city=c.city,
                    language=c.language,
                    accepts_marketing=c.accepts_marketing,
                    external_id=c.external_id,
                )
                for c in spec.customers
            ]
        )
    # created_at is auto_now_add, so the history is written afterwards.
    since = {c.email: c.since_days for c in spec.customers}
    for customer in customers:
        customer.created_at = ago(since.get(customer.email, 0))
    Customer.objects.bulk_update(customers, ["created_at"])
    customers_by_email = {c.email: c for c in customers}

    peers = Peer.objects.bulk_create(
        [
            Peer(
                business=business,
                user=users[p.user.email],
                customer=customers_by_email.get(p.customer_email),
                status=p.status,
                display_name=p.display_name,
                bio=p.bio,
                home_address=p.home_address,
                latitude=p.latitude,
                longitude=p.longitude,
                travel_radius_km=p.travel_radius_km,
                showcase_links=p.showcase_links,
                reliability=p.reliability,
                decided_at=ago(p.decided_days_ago) if p.decided_days_ago is not None else None,
                decided_by=owner if p.decided_days_ago is not None else None,
                rejection_reason=p.rejection_reason,
            )
            for p in spec.peers
        ]
    )
    for peer, p in zip(peers, spec.peers, strict=True):
        peer.applied_at = ago(p.applied_days_ago)
    Peer.objects.bulk_update(peers, ["applied_at"])
    PeerLanguage.objects.bulk_create(
        [
            PeerLanguage(business=business, peer=peer, language=code, level=level)
            for peer, p in zip(peers, spec.peers, strict=True)
            for code, level in p.languages.items()
        ]
    )
    Peer.skills.through.objects.bulk_create(
        [
            Peer.skills.through(peer_id=peer.pk, skill_id=skills[slug].pk)
            for peer, p in zip(peers, spec.peers, strict=True)
            for slug in p.skills
        ]
    )

    for p in spec.programs:
        published = p.published_days_ago is not None
        program = Program.objects.create(
            business=business,
            kind=p.kind,
            slug=p.slug,
            status=ProgramStatus.PUBLISHED if published else ProgramStatus.DRAFT,
            title_it=p.title_it,
            title_en=p.title_en,
            summary_it=p.summary_it,
            summary_en=p.summary_en,
            description_it=p.description_it,
            description_en=p.description_en,
            required_languages=p.required_languages,
            min_reliability=p.min_reliability,
            published_at=ago(p.published_days_ago) if published else None,
        )
        program.required_skills.set([skills[slug] for slug in p.required_skills])

    return {"customers": len(customers), "peers": len(peers), "programs": len(spec.programs)}


# --- the delivery schedule ------------------------------------------------------------------

DELIVERY_PLACE = {
    "place_name": "Bici Gialla",
    "address": "Via del Pratello 10, 40122 Bologna",
    "latitude": Decimal("44.493700"),
    "longitude": Decimal("11.333500"),
}
# (days, local start hour, minutes, capacity, reward in cents, points)
DELIVERY_SHIFTS = [
    ("MO,TU,WE,TH,FR", 9, 180, 3, 2400, 10),
    ("MO,TU,WE,TH,FR", 15, 180, 4, 3000, 15),
    ("SA", 10, 180, 2, 1800, 20),
]
SCHEDULE_DAYS = 30
# Blocks after the first three weeks open for claims two weeks ahead, i.e. from next week on.
OPEN_NOW_DAYS = 21
RELEASE_AHEAD_MINUTES = 14 * 24 * 60
# How full each released block ends up, in turn: most full blocks also get a waitlist.
FILL_PATTERN = ["full", "some", "full", "none", "some", "full", "some", "none"]


def _load_delivery_schedule(business, now):
    """A month of cargo-bike blocks from tomorrow, claimed through the services by the active
    riders so that some are partly filled, several full with a waitlist, and the demo peer
    holds two. Deterministic but for the date it starts from."""
    program = Program.objects.get(business=business, kind=ProgramKind.DELIVERY)
    owner = Membership.objects.get(business=business, role=Role.OWNER).user
    FairnessLimits.objects.create(
        business=business,
        program=program,
        max_hours_per_week=16,
        min_rest_minutes=60,
        max_future_blocks=6,
    )
    first_day = timezone.localtime(now, business.tzinfo).date() + timedelta(days=1)
    later_from = first_day + timedelta(days=OPEN_NOW_DAYS)
    last_day = first_day + timedelta(days=SCHEDULE_DAYS - 1)
    blocks = []
    for days, hour, minutes, capacity, reward, points in DELIVERY_SHIFTS:
        for start, until, release in (
            (first_day, later_from - timedelta(days=1), None),
            (later_from, last_day, RELEASE_AHEAD_MINUTES),
        ):
            blocks += create_blocks_from_template(
                business,
                owner,
                program,
                rrule=f"FREQ=WEEKLY;BYDAY={days};UNTIL={until:%Y%m%d}T235959",
                start_local=datetime.combine(start, time(hour)),
                duration_minutes=minutes,
                release_minutes_before=release,
                capacity=capacity,
                reward_minor=reward,
                reward_points=points,
                **DELIVERY_PLACE,
            )
    blocks.sort(key=lambda b: (b.starts_at, b.pk))
    now = timezone.now()  # the blocks were released "now" by the service, a moment ago
    released = [b for b in blocks if b.released_at <= now]

    riders = list(
        Peer.objects.filter(
            business=business, status=PeerStatus.ACTIVE, skills__slug="cargo-bike-delivery"
        )
        .select_related("user")
        .order_by("pk")
    )
    demo_peer = next(p for p in riders if p.user.email == "peer@bicigialla.example")
    others = [p for p in riders if p.pk != demo_peer.pk]

    seats = dict.fromkeys((b.pk for b in blocks), 0)

    def attempt(action, peer, block):
        try:
            action(peer, block, now=now)
        except SchedulingError:  # a fairness limit or an overlap: as it would be for real
            return False
        if action is claim_block:
            seats[block.pk] += 1
        return True

    def local(block):
        return timezone.localtime(block.starts_at, business.tzinfo)

    # The demo peer holds the first Saturday and a weekday afternoon the week after.
    saturdays = [b for b in released if local(b).weekday() == 5]
    afternoons = [b for b in released if local(b).hour == 15]
    for block in (saturdays[0], afternoons[min(6, len(afternoons) - 1)]):
        attempt(claim_block, demo_peer, block)

    rng = random.Random(2025)
    for i, block in enumerate(released):
        fill = FILL_PATTERN[i % len(FILL_PATTERN)]
        if fill == "none":
            continue
        wanted = block.capacity if fill == "full" else rng.randint(1, block.capacity - 1)
        candidates = rng.sample(others, len(others))
        for peer in candidates:
            if seats[block.pk] >= wanted:
                break
            attempt(claim_block, peer, block)
        if seats[block.pk] >= block.capacity:
            queue, waiting = rng.randint(1, 3), 0
            for peer in candidates:
                if waiting >= queue:
                    break
                waiting += attempt(join_waitlist, peer, block)
    return len(blocks)


# --- rewards: a month of completed blocks, paid through the rules --------------------------


def _demo_iban(number):
    from schwifty import IBAN

    return str(IBAN.generate("IT", bank_code="0306909606", account_code=f"{number:012d}"))


def _load_rewards_history(business, now):
    """The past five weeks of delivery blocks, claimed and completed: the reward rules paid
    them (cash, points on weekends, badges at ten), some riders gave theirs to a cause, one
    took shop credit and spent part of it, last month's payouts were approved and paid, this
    month's run waits for the owner's approval, and the month's budget held the last rewards."""
    from peerarmy.rewards import payouts
    from peerarmy.rewards import services as rewards
    from peerarmy.rewards.models import Condition, Event, RewardKind
    from peerarmy.scheduling.models import Block, BlockStatus, Claim, ClaimStatus
    from peerarmy.scheduling.services import complete_claim

    program = Program.objects.get(business=business, kind=ProgramKind.DELIVERY)
    owner = Membership.objects.get(business=business, role=Role.OWNER).user
    staff = Membership.objects.filter(business=business, role=Role.STAFF).first().user
    rewards.update_settings(
        business,
        owner,
        debtor_name="Bici Gialla Srl",
        debtor_iban="IT60 X054 2811 1010 0000 0123 456",
        debtor_bic="BLOPIT22",
        payout_minimum_minor=2000,
        points_per_euro=100,
        yearly_ceiling_minor=500000,
    )
    food_bank = rewards.create_cause(
        business,
        owner,
        name_it="Banco alimentare di Bologna",
        name_en="Bologna food bank",
        account_holder="Banco Alimentare Bologna ODV",
        iban=_demo_iban(900001),
        description_it="Pasti per chi ne ha bisogno, consegnati in bici.",
        description_en="Meals for people in need, delivered by bike.",
    )
    rewards.create_cause(
        business,
        owner,
        name_it="Ciclofficina popolare",
        name_en="Community bike workshop",
        account_holder="Ciclofficina Popolare APS",
        iban=_demo_iban(900002),
    )
    ten = rewards.create_badge(
        business,
        owner,
        slug="ten-deliveries",
        name_it="10 consegne",
        name_en="10 deliveries",
        description_it="Dieci turni di consegna completati.",
        description_en="Ten delivery blocks completed.",
    )
    rewards.create_rule(
        business,
        owner,
        program,
        event=Event.BLOCK_COMPLETED,
        reward=RewardKind.CASH,
        from_event=True,
    )
    rewards.create_rule(
        business,
        owner,
        program,
        event=Event.BLOCK_COMPLETED,
        condition=Condition.WEEKEND,
        reward=RewardKind.POINTS,
        amount=50,
    )
    rewards.create_rule(
        business,
        owner,
        program,
        event=Event.BLOCK_COMPLETED,
        condition=Condition.NTH,
        threshold=10,
        reward=RewardKind.BADGE,
        badge=ten,
    )
    rewards.update_program_rewards(
        business, owner, program, monthly_budget_minor=None, peer_chooses=True
    )

    riders = list(
        Peer.objects.filter(
            business=business, status=PeerStatus.ACTIVE, skills__slug="cargo-bike-delivery"
        )
        .select_related("user")
        .order_by("pk")
    )
    for i, peer in enumerate(riders):
        if i % 7 != 6:  # most riders gave their bank details; one in seven has not yet
            rewards.set_payout_details(
                peer, account_holder=peer.display_name, iban=_demo_iban(100000 + peer.pk)
            )
    donors, credit = riders[1:4:2], riders[5]
    for peer in donors:
        rewards.choose_reward_form(peer, form="donation", cause=food_bank)
    rewards.choose_reward_form(credit, form="credit")

    # Five weeks of blocks before today, each claimed by one or two riders.
    today = timezone.localtime(now, business.tzinfo).date()
    rng = random.Random(1989)
    history = []
    for days_ago in range(35, 0, -1):
        day = today - timedelta(days=days_ago)
        for hour, minutes, reward in ((8, 240, 4800), (15, 120, 2400)):
            starts = datetime.combine(day, time(hour), tzinfo=business.tzinfo)
            block = Block.objects.create(
                business=business,
                program=program,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=minutes),
                capacity=2,
                seats_taken=0,
                status=BlockStatus.OPEN,
                reward_minor=reward,
                reward_currency="EUR",
                released_at=starts - timedelta(days=7),
                **DELIVERY_PLACE,
            )
            for peer in rng.sample(riders, 2 if rng.random() < 0.5 else 1):
                block.seats_taken += 1
                history.append(
                    Claim.objects.create(
                        business=business,
                        block=block,
                        peer=peer,
                        status=ClaimStatus.ACTIVE,
                        starts_at=block.starts_at,
                        ends_at=block.ends_at,
                        claimed_at=block.starts_at - timedelta(days=3),
                        checked_in_at=block.starts_at,
                        checked_out_at=block.ends_at,
                    )
                )
            block.save(update_fields=["seats_taken"])
    history.sort(key=lambda c: c.starts_at)
    month_start = today.replace(day=1)
    earlier = [c for c in history if timezone.localtime(c.starts_at).date() < month_start]
    this_month = [c for c in history if c not in earlier]
    if len(earlier) < 10:  # early in the month: pay the first half as "last month"
        earlier, this_month = history[: len(history) // 2], history[len(history) // 2 :]

    def complete(claim):
        complete_claim(business, owner, claim, now=claim.ends_at + timedelta(minutes=20))

    for claim in earlier:
        complete(claim)
    paid_batch, _skipped = payouts.prepare_batch(business, staff)
    payouts.approve_batch(business, owner, paid_batch)
    payouts.mark_sent(business, staff, paid_batch)
    payouts.mark_paid(business, staff, paid_batch)

    # This month the owner set a budget; the last rewards of the month went over it.
    last = this_month[-2:]
    for claim in this_month[:-2]:
        complete(claim)
    spent = rewards.program_rewards(program)
    from peerarmy.rewards.ledger import budget_spent

    used = budget_spent(program.pk, rewards.local_month(business, now))
    spent.monthly_budget_minor = used + 3000
    spent.save()
    for claim in last:
        complete(claim)
    payouts.prepare_batch(business, staff)  # waits for the owner's approval

    # The rider who took shop credit spent part of a voucher at the till.
    from peerarmy.rewards.models import Voucher

    voucher = Voucher.objects.filter(business=business, peer=credit).order_by("pk").first()
    if voucher is not None:
        rewards.redeem_voucher(business, staff, voucher.code, voucher.value_minor // 2)
    return len(history)
