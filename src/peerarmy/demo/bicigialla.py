"""Bici Gialla, a bike shop in Bologna: its skills, its hand-written and generated peers, its
files to import and one program of every kind."""

import random
from decimal import Decimal
from pathlib import Path

from peerarmy.customers.models import ImportKind
from peerarmy.peers.models import PeerStatus
from peerarmy.programs.models import ProgramKind

from .people import (
    BOLOGNA_AREA_CITIES,
    BOLOGNA_AREAS,
    FOREIGN,
    TOWNS,
    _ascii,
    _coordinate,
    _display_name,
    _email,
    _person,
    make_customers,
)
from .specs import (
    BASIC,
    CONVERSATIONAL,
    FLUENT,
    NATIVE,
    BusinessSpec,
    PeerSpec,
    ProgramSpec,
    UserSpec,
)

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
    customers = make_customers(
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
        address="Via del Pratello 42",
        phone="+39 051 123 4567",
        hours={
            "tue": "9:00-13:00, 15:30-19:30",
            "wed": "9:00-13:00, 15:30-19:30",
            "thu": "9:00-13:00, 15:30-19:30",
            "fri": "9:00-13:00, 15:30-19:30",
            "sat": "9:00-19:00",
            "sun": "10:00-13:00",
        },
        closures=[(24, 3, "Chiuso per inventario")],
        logo="bicigialla_logo.png",
        cover="bicigialla_cover.jpg",
    )


# Bici Gialla's files, as its owner downloaded them (demo/make_demo_files.py writes them from
# the customers above): Shopify's customers and orders exports, the NPS answers kept in Excel
# in Italian, and reviews, referrals and social mentions in the generic format.
DEMO_DIR = Path(__file__).resolve().parents[3] / "demo"
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
        title_it="Bologna in bici con un bolognese",
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
        title_it="Scalo a Bologna con un bolognese",
        title_en="Layover in Bologna with a local",
        summary_it="Per chi fa scalo all'aeroporto Marconi (BLQ) con almeno 6 ore: un bolognese lo "
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
        title_it="L'usato di Bici Gialla",
        title_en="Bici Gialla used, vouched for",
        summary_it="Vendi tramite il negozio quello che non usi più: lo controlliamo, ti "
        "suggeriamo un prezzo e lo mettiamo in vetrina per te.",
        summary_en="Sell what you no longer use through the shop: we check it, suggest a price "
        "and put it on show for you.",
        description_it=(
            "Metti in vendita dal tuo profilo la bici, il seggiolino o la borsa che non usi più: "
            "se l'hai comprato da noi lo scegli dai tuoi ordini, garantiamo che è originale e ti "
            "suggeriamo un prezzo. Controlliamo ogni annuncio prima di pubblicarlo; chi compra "
            "lo prenota e lo ritira in negozio.\n\n"
            "Quando si vende, passati i 14 giorni per il reso, ricevi l'80% del prezzo in "
            "denaro, oppure il 100% in buono acquisto. Oppure dacci l'oggetto in permuta e "
            "ricevi subito un buono."
        ),
        description_en=(
            "List from your profile the bike, child seat or bag you no longer use: if you bought "
            "it here you pick it from your orders, we vouch that it is genuine and suggest a "
            "price. We check every listing before it goes on show; buyers reserve it and "
            "collect it at the shop.\n\n"
            "When it sells, once the 14 days for returns are over, you get 80% of the price in "
            "money, or 100% as a shop voucher. Or trade it in and get a voucher at once."
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
