"""Where a peer lives, from what they wrote: "Via Zamboni 33, Bologna", "40126", "Lecce (LE)".

By default an offline gazetteer of Italy's 7,899 municipalities, shipped with peerarmy
(`data/comuni.csv`, built by `scripts/build_gazetteer.py` from ISTAT's boundaries and the
postcodes): a postcode or a town's name places the peer at the centre of the municipality,
which is what matching needs (distances of a few kilometres). Nothing leaves the machine.

With `GEOCODER_URL` set (a Nominatim-compatible service: OpenStreetMap's own under its usage
policy, or one's own), the address is asked there first, through geopy, within
`GEOCODER_TIMEOUT` seconds; when the service fails or finds nothing, the gazetteer answers.

A street named after a town ("Via Roma", "Corso Torino") is not taken for the town.
"""

from __future__ import annotations

import csv
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent / "data" / "comuni.csv"
# Words that start a street's name: the town right after one is the street, not the town.
STREET_WORDS = {
    "via", "viale", "vicolo", "vico", "corso", "piazza", "piazzale", "piazzetta", "largo",
    "strada", "stradone", "borgo", "contrada", "lungomare", "lungarno", "lungotevere",
    "salita", "calle", "campo", "fondamenta", "rione", "localita", "loc", "frazione", "fraz",
    "str", "p", "pza", "v", "c", "so", "le",
}  # fmt: skip


# What people write for a town whose official name differs.
ALIASES = {
    "reggio emilia": "reggio nell emilia",
    "reggio calabria": "reggio di calabria",
    "reggio": "reggio nell emilia",
}


@dataclass(frozen=True)
class Place:
    """A place found for an address: its name, its province (two letters, for the
    gazetteer), where it is, and how it was found ("postcode", "town" or "service")."""

    name: str
    province: str
    latitude: float
    longitude: float
    found_by: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.province})" if self.province else self.name


def _plain(text: str) -> str:
    """Lower case, no accents, words separated by single spaces ("Sant'Agata" → "sant agata")."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


@dataclass(frozen=True)
class _Row:
    name: str
    province: str
    latitude: float
    longitude: float


@lru_cache(maxsize=1)
def _gazetteer():
    """({postcode: [rows]}, {plain name: [rows]}, the longest name in words)."""
    by_cap, by_name = {}, {}
    with DATA.open(encoding="utf-8", newline="") as source:
        for record in csv.DictReader(source, delimiter=";"):
            row = _Row(
                record["name"], record["province"], float(record["lat"]), float(record["lon"])
            )
            for cap in record["caps"].split():
                by_cap.setdefault(cap, []).append(row)
            for name in record["name"].split("/"):  # "Bolzano/Bozen"
                by_name.setdefault(_plain(name), []).append(row)
    for alias, name in ALIASES.items():
        by_name.setdefault(alias, by_name[name])
    longest = max(len(name.split()) for name in by_name)
    return by_cap, by_name, longest


def _provinces(text: str) -> set[str]:
    """The province codes written in an address: "(BO)", ", BO" or "BO" at its end."""
    return set(re.findall(r"(?:\(|,\s*|\s)([A-Z]{2})\)?\s*(?:,|$)", text))


def _pick(rows, provinces, plain_text):
    """The row of `rows` the address means: in a province it names, or whose name it
    holds; else the first (its label, shown to the peer, says which one it is)."""
    in_province = [r for r in rows if r.province in provinces]
    named = [r for r in (in_province or rows) if f" {_plain(r.name)} " in f" {plain_text} "]
    return (named or in_province or rows)[0]


def _from_postcode(text, provinces, plain_text):
    for cap in re.findall(r"(?<!\d)(\d{5})(?!\d)", text):
        rows = _gazetteer()[0].get(cap)
        if rows:
            return _pick(rows, provinces, plain_text)
    return None


def _from_name(text, provinces):
    """The town the address names, preferring the last part (an address ends with its
    town), the longest name, and a town in a province the address names."""
    _caps, by_name, longest = _gazetteer()
    parts = [_plain(part) for part in text.split(",")]
    for part in reversed([p for p in parts if p]):
        words = part.split()
        found = []
        for size in range(min(longest, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                if start > 0 and words[start - 1] in STREET_WORDS:
                    continue  # "via roma": a street, not Rome
                rows = by_name.get(" ".join(words[start : start + size]))
                if rows:
                    found.append((size, start, rows))
            if found:
                break
        if found:
            size, start, rows = max(found, key=lambda f: (f[0], f[1]))
            return _pick(rows, provinces, part)
    return None


def from_gazetteer(text: str) -> Place | None:
    """The municipality an Italian address names, by postcode first, then by name."""
    if not text or not text.strip():
        return None
    provinces = _provinces(text)
    plain_text = _plain(text)
    row = _from_postcode(text, provinces, plain_text)
    found_by = "postcode"
    if row is None:
        row = _from_name(text, provinces)
        found_by = "town"
    if row is None:
        return None
    return Place(row.name, row.province, row.latitude, row.longitude, found_by)


def from_service(text: str) -> Place | None:
    """The address asked of the Nominatim-compatible service at GEOCODER_URL (None if none
    is configured, if it fails or if it finds nothing; a failure is logged, the address is
    not)."""
    url = getattr(settings, "GEOCODER_URL", "")
    if not url or not text.strip():
        return None
    from urllib.parse import urlsplit

    from geopy.exc import GeopyError
    from geopy.geocoders import Nominatim

    parts = urlsplit(url)
    service = Nominatim(
        domain=parts.netloc + parts.path.rstrip("/"),
        scheme=parts.scheme or "https",
        user_agent=getattr(settings, "GEOCODER_USER_AGENT", "peerarmy"),
        timeout=getattr(settings, "GEOCODER_TIMEOUT", 5),
    )
    try:
        found = service.geocode(text, country_codes="it", language="it")
    except (GeopyError, OSError, ValueError) as exc:
        logger.warning("geocoding service failed: %s", type(exc).__name__)
        return None
    if found is None:
        return None
    name = found.address.split(",")[0].strip() if found.address else text.strip()
    return Place(name[:80], "", float(found.latitude), float(found.longitude), "service")


def locate(text: str) -> Place | None:
    """Where `text` (a peer's home area) is: the service if configured, else the gazetteer."""
    return from_service(text) or from_gazetteer(text)
