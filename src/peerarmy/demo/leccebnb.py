"""Lecce B&B: a small bed and breakfast in Lecce with guests from Italy and abroad."""

import random
from decimal import Decimal

from peerarmy.peers.models import PeerStatus
from peerarmy.programs.models import ProgramKind

from .bicigialla import CHIARA
from .people import make_customers
from .specs import (
    BASIC,
    CONVERSATIONAL,
    FLUENT,
    NATIVE,
    BusinessSpec,
    CustomerSpec,
    PeerSpec,
    Person,
    ProgramSpec,
    UserSpec,
)

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
    customers = make_customers(
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
            title_it="Lecce barocca con un leccese",
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
        address="Via Palmieri 23",
        phone="+39 0832 123456",
        hours={
            day: "8:00-12:00, 16:00-21:00"
            for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
        logo="leccebnb_logo.png",
        cover="leccebnb_cover.jpg",
    )
