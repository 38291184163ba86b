"""The shapes of the demo: people, customers, peers, programs and businesses, and the
logins it prints."""

from dataclasses import dataclass, field
from decimal import Decimal

from peerarmy.peers.models import LanguageLevel

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
    # where and when to find the shop, and its pictures (files in demo/)
    address: str = ""
    phone: str = ""
    hours: dict = field(default_factory=dict)  # {"mon": "9-13, 15:30-19:30", ...}
    closures: list = field(default_factory=list)  # (days from now, days long, note)
    logo: str = ""
    cover: str = ""


# --- names and places -----------------------------------------------------------------------
