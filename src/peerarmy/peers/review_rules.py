"""When a peer goes to review: a pure rule on plain facts (no Django), so that the worker's
sweep, the no-show hook and the tests ask the same question.

A peer goes to review (never straight to a suspension: a person decides that) when
- their reliability is under the minimum of an open program of the business (a peer with no
  track record yet, reliability None, is not judged on it), or
- they have at least `no_show_limit` no-shows within the last `window_days` days.
After a case closed (cleared, or a suspension lifted), the same facts do not open another:
only no-shows after it count, and the reliability must fall below what it was when it closed.
The answer is a list of facts, one per trigger, that the peers app puts into words."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Threshold:
    minimum: int  # 0..100
    program_it: str  # the program's titles, as the reasons name it in either language
    program_en: str = ""


def review_triggers(
    *,
    reliability: int | None,
    thresholds: Iterable[Threshold],
    no_shows: Iterable[datetime],
    no_show_limit: int,
    window_days: int,
    now: datetime,
    last_closed_at: datetime | None = None,
    reliability_at_close: int | None = None,
) -> list[dict]:
    """The facts that send the peer to review; empty when none does. `last_closed_at` and
    `reliability_at_close` describe the peer's last closed case, if any."""
    found = []
    judged = reliability is not None and (
        last_closed_at is None or reliability_at_close is None or reliability < reliability_at_close
    )
    if judged:
        under = [t for t in thresholds if t.minimum > 0 and reliability < t.minimum]
        if under:
            worst = max(under, key=lambda t: (t.minimum, t.program_it))
            found.append(
                {
                    "kind": "reliability",
                    "score": reliability,
                    "minimum": worst.minimum,
                    "program_it": worst.program_it,
                    "program_en": worst.program_en or worst.program_it,
                }
            )
    since = now - timedelta(days=window_days)
    recent = sum(
        1
        for moment in no_shows
        if since <= moment <= now and (last_closed_at is None or moment > last_closed_at)
    )
    if no_show_limit > 0 and recent >= no_show_limit:
        found.append({"kind": "no_shows", "count": recent, "days": window_days})
    return found
