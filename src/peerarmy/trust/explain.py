"""A reliability score in words: the sentence people read, the badge a visitor sees, the
table of components and, for the peer, how to improve it."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from .reliability import COMPONENTS

LABELS = {
    "stars": pgettext_lazy("reliability component", "Ratings"),
    "completion": pgettext_lazy("reliability component", "Completed"),
    "no_shows": pgettext_lazy("reliability component", "No-shows"),
    "late_releases": pgettext_lazy("reliability component", "Late releases"),
    "cancellations": pgettext_lazy("reliability component", "Cancelled meetings"),
    "tenure": pgettext_lazy("reliability component", "Time with us"),
}

TIPS = {
    "stars": gettext_lazy(
        "Ratings come from visitors and staff after each block or meeting: being on time, "
        "friendly and clear earns the best ones."
    ),
    "completion": gettext_lazy(
        "Claim only the blocks and accept only the meetings you are sure you can do: each one "
        "completed raises this share."
    ),
    "no_shows": gettext_lazy(
        "If you cannot make it, release the block in time instead of not showing up; a "
        "no-show weighs less and less as months go by."
    ),
    "late_releases": gettext_lazy(
        "Release a block you cannot do as early as you can, before the program's deadline."
    ),
    "cancellations": gettext_lazy(
        "Cancel an accepted meeting only when you really must: the visitor was counting on you."
    ),
    "tenure": gettext_lazy("This grows by itself as you keep completing work over the months."),
}

TAG_LABELS = {
    "punctual": pgettext_lazy("rating tag", "punctual"),
    "friendly": pgettext_lazy("rating tag", "friendly"),
    "knowledgeable": pgettext_lazy("rating tag", "knowledgeable"),
    "careful": pgettext_lazy("rating tag", "careful with the goods"),
    "helpful": pgettext_lazy("rating tag", "helpful"),
    "clear": pgettext_lazy("rating tag", "clear"),
    "respectful": pgettext_lazy("rating tag", "respectful"),
}


def tag_names(tags) -> list[str]:
    return [str(TAG_LABELS.get(tag, tag)) for tag in tags or ()]


def stars_text(value):
    return number_format(round(float(value), 1), decimal_pos=1, use_l10n=True)


def _by_key(score):
    found = {c.get("key"): c for c in (score.components or []) if isinstance(c, dict)}
    return [found.get(key, {"key": key}) for key in COMPONENTS]


def badge(summary) -> str:
    """What a visitor reads on a peer's card: "4.8 ★ from 23 ratings, 98% completed"."""
    parts = []
    if summary.get("ratings"):
        n = summary["ratings"]
        parts.append(
            ngettext("%(stars)s ★ from %(n)d rating", "%(stars)s ★ from %(n)d ratings", n)
            % {"stars": stars_text(summary["stars"]), "n": n}
        )
    if summary.get("completed_percent") is not None:
        parts.append(_("%(percent)d%% completed") % {"percent": summary["completed_percent"]})
    if not parts:
        return _("New here: no ratings yet")
    return ", ".join(parts)


def _value_text(key, component, score):
    value = component.get("value")
    if key == "stars":
        if not score.ratings:
            return _("no ratings yet (counted as %(stars)s ★)") % {"stars": stars_text(value or 0)}
        return ngettext(
            "%(stars)s ★ weighted, from %(n)d rating",
            "%(stars)s ★ weighted, from %(n)d ratings",
            score.ratings,
        ) % {"stars": stars_text(value or 0), "n": score.ratings}
    if key == "completion":
        if not score.taken_on:
            return _("nothing taken on yet")
        return _("%(done)d of %(taken)d") % {"done": score.completed, "taken": score.taken_on}
    if key == "no_shows":
        n = int(value or 0)
        return ngettext("%(n)d no-show", "%(n)d no-shows", n) % {"n": n}
    if key == "late_releases":
        n = int(value or 0)
        return ngettext("%(n)d late release", "%(n)d late releases", n) % {"n": n}
    if key == "cancellations":
        n = int(value or 0)
        return ngettext("%(n)d cancelled", "%(n)d cancelled", n) % {"n": n}
    days = int(value or 0)
    if not days:
        return _("nothing completed yet")
    return ngettext("first completed %(n)d day ago", "first completed %(n)d days ago", days) % {
        "n": days
    }


def component_rows(score):
    """The table: label, value in words, points of the maximum, and a tip when points are
    missing (the peer's page shows the tips)."""
    rows = []
    for component in _by_key(score):
        key = component["key"]
        points = float(component.get("points") or 0)
        maximum = float(component.get("max") or 0)
        rows.append(
            {
                "key": key,
                "label": str(LABELS[key]),
                "value": _value_text(key, component, score),
                "points": round(points, 1),
                "max": round(maximum),
                "tip": str(TIPS[key]) if maximum and points < maximum - 0.5 else "",
            }
        )
    return rows


def explanation(score) -> str:
    """One sentence: the score and only what is notable in it."""
    if not score.has_history:
        return _(
            "No track record yet: a new peer starts at %(score)d, the business's usual level."
        ) % {"score": round(score.score)}
    parts = []
    if score.ratings:
        parts.append(
            ngettext(
                "%(stars)s ★ from %(n)d rating",
                "%(stars)s ★ from %(n)d ratings",
                score.ratings,
            )
            % {"stars": stars_text(score.stars_avg or 0), "n": score.ratings}
        )
    if score.taken_on:
        parts.append(
            _("%(done)d of %(taken)d completed")
            % {"done": score.completed, "taken": score.taken_on}
        )
    components = {c["key"]: c for c in _by_key(score)}
    for key in ("no_shows", "late_releases", "cancellations"):
        n = int(components[key].get("value") or 0)
        if n:
            parts.append(_value_text(key, components[key], score))
    text = ", ".join(parts) if parts else _("history without ratings or completed work")
    return _("Reliability %(score)d of 100: %(parts)s.") % {
        "score": round(score.score),
        "parts": text,
    }


def how_to_improve(score) -> list[str]:
    """The tips of the components with the most points missing, biggest first."""
    missing = sorted(
        (
            (float(c.get("max") or 0) - float(c.get("points") or 0), c["key"])
            for c in _by_key(score)
        ),
        reverse=True,
    )
    return [str(TIPS[key]) for gap, key in missing if gap >= 0.5 and key != "tenure"][:3]
