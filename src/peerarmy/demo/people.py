"""Made-up people for the demo: Italian and foreign names, places around Bologna and Lecce,
addresses at example domains, drawn with fixed seeds so every load is the same."""

import unicodedata
from decimal import Decimal

from .specs import CustomerSpec, Person

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


def make_customers(rng, count, *, cities, foreign_share, prefix, used, foreign_cities=None):
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
