"""The engine's reasons in words: why this peer ("speaks Italian and English, 2 km away, also
loves cycling and food") and why nobody ("nobody who speaks Japanese lives within reach").

The engine hands over data (`engine.MatchReasons`, `engine.Unmatched`); the words are made
here, in the active language, so a stored match can be explained again in another language.
Reasons may also be given as the plain dictionaries stored on a match.

A run explains thousands of matches with the same dozen phrases, so each phrase is looked up
in the catalogue once per language and process (as Django keeps the catalogue itself) and
the rest is string formatting.
"""

from collections.abc import Mapping

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.formats import number_format
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

_PHRASES: dict[str, dict[str, str]] = {}
_PLURALS: dict[tuple, str] = {}
_LANGUAGES: dict[str, dict[str, str]] = {}


@receiver(setting_changed)
def _forget_phrases(setting, **kwargs):
    """Tests that change the languages or catalogues get fresh phrases (as Django's own
    translations are reloaded then)."""
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"):
        _PHRASES.clear()
        _PLURALS.clear()
        _LANGUAGES.clear()


def _phrases(language: str) -> dict[str, str]:
    found = _PHRASES.get(language)
    if found is None:
        found = _PHRASES[language] = {
            "and": pgettext("list of words", "%(items)s and %(last)s"),
            "or": pgettext("list of words", "%(items)s or %(last)s"),
            "speaks": _("speaks %(languages)s"),
            "close": _("less than a km away"),
            "loves": _("also loves %(interests)s"),
            "no_language": _("none of our locals speaks %(languages)s"),
            "too_far": _("nobody who speaks %(languages)s lives within reach"),
            "no_time_when": _("nobody within reach is free %(when)s for long enough"),
            "no_time": _("nobody within reach is free for long enough then"),
            "no_capacity_when": _(
                "everyone free %(when)s already has as many matches as they allow"
            ),
            "no_capacity": _("everyone free then already has as many matches as they allow"),
            "unknown": _("no local could be found"),
        }
    return found


def _plural(language: str, key: str, count: int) -> str:
    """The form of a counted phrase for `count`, in the active language (cached)."""
    cache_key = (language, key, count)
    found = _PLURALS.get(cache_key)
    if found is None:
        if key == "km":
            found = ngettext("%(km)s km away", "%(km)s km away", count)
        elif key == "excluded":
            found = ngettext(
                "the only local who could go declined this request or cannot take it",
                "the only %(count)d locals who could go declined this request or cannot take it",
                count,
            )
        else:
            found = ngettext(
                "the local who could go was needed for another request",
                "the %(count)d locals who could go were all needed for other requests",
                count,
            )
        _PLURALS[cache_key] = found
    return found


def _language_names(language: str, language_names):
    if language_names is not None:
        return language_names
    found = _LANGUAGES.get(language)
    if found is None:
        from peerarmy.peers.models import LANGUAGE_NAMES  # explain may use models; the engine not

        # Inside a sentence Italian writes language names in lower case ("parla inglese").
        lower = language.startswith("it")
        found = _LANGUAGES[language] = {
            code: str(name).lower() if lower else str(name) for code, name in LANGUAGE_NAMES.items()
        }
    return found


def join_words(words, *, alternative=False, language=None) -> str:
    """ "A", "A and B", "A, B and C" (or "A, B or C" with `alternative`)."""
    words = [str(w) for w in words]
    if len(words) <= 1:
        return "".join(words)
    template = _phrases(language or get_language() or "")["or" if alternative else "and"]
    return template % {"items": ", ".join(words[:-1]), "last": words[-1]}


def _field(reasons, name, default=None):
    if isinstance(reasons, dict):
        return reasons.get(name, default)
    return getattr(reasons, name, default)


def _distance(language: str, km: float) -> str:
    if km < 1:
        return _phrases(language)["close"]
    whole = round(km)
    # Under a thousand no language groups digits: the number as it is.
    text = str(whole) if whole < 1000 else number_format(whole)
    return _plural(language, "km", whole) % {"km": text}


def _in_sentence(name: str) -> str:
    """An interest's name inside a sentence: "Cibo e osterie" reads "cibo e osterie"; an
    acronym ("BBQ") stays as it is."""
    if name[:2].isupper():
        return name
    return name[:1].lower() + name[1:]


def describe_match(
    reasons,
    interest_names: Mapping[str, str] = {},  # noqa: B006 - read only
    *,
    language_names: Mapping[str, str] | None = None,
) -> str:
    """One line on why this peer: the languages they share with the consumer (best first),
    how far they live, the interests they share."""
    language = get_language() or ""
    phrases = _phrases(language)
    parts = []
    languages = [pair[0] for pair in _field(reasons, "languages", ()) or ()]
    if languages:
        names = _language_names(language, language_names)
        spoken = join_words((names.get(code, code) for code in languages), language=language)
        parts.append(phrases["speaks"] % {"languages": spoken})
    km = _field(reasons, "distance_km")
    if km is not None:
        parts.append(_distance(language, float(km)))
    interests = _field(reasons, "interests", ()) or ()
    if interests:
        loved = join_words(
            (_in_sentence(interest_names.get(s, s)) for s in interests), language=language
        )
        parts.append(phrases["loves"] % {"interests": loved})
    return ", ".join(parts)


def describe_unmatched(
    unmatched, *, when: str = "", language_names: Mapping[str, str] | None = None
) -> str:
    """Why nobody was proposed, from the engine's reason code and its detail; `when` is the
    caller's phrase for the request's time ("on Saturday afternoon")."""
    reason, detail = unmatched.reason, unmatched.detail or {}
    language = get_language() or ""
    phrases = _phrases(language)
    if reason in ("excluded", "taken"):
        count = int(detail.get("excluded" if reason == "excluded" else "candidates", 1))
        return _plural(language, reason, count) % {"count": count}
    if reason in ("no_time", "no_capacity"):
        return phrases[f"{reason}_when" if when else reason] % {"when": when}
    if reason in ("no_language", "too_far"):
        names = _language_names(language, language_names)
        codes = detail.get("languages") or []
        languages = join_words(
            (names.get(c, c) for c in codes), alternative=True, language=language
        )
        return phrases[reason] % {"languages": languages}
    return phrases["unknown"]
