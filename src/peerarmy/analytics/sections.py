"""What the dashboard says, in the reader's language: the key figures and the sections, each
with its chart (SVG), its table (for screen readers, the CSV download and the report) and a
name for its download. The page, the CSV downloads and the monthly report all read these."""

from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from peerarmy.money import format_money

from . import charts
from .selectors import DAY, MONTH, REWARD_FORMS

# Why a visitor's request found nobody (matching's reasons), in a word or two.
UNMATCHED_REASONS = {
    "no_language": lambda: _("Nobody spoke their language"),
    "too_far": lambda: _("Nobody near enough"),
    "no_time": lambda: _("Nobody free at that time"),
    "no_capacity": lambda: _("Everyone already busy"),
    "excluded": lambda: _("The peers who could were excluded"),
    "taken": lambda: _("Taken by another visitor"),
    "": lambda: _("No reason recorded"),
}


@dataclass
class Figure:
    label: str
    value: str
    note: str = ""


@dataclass
class Section:
    key: str  # the CSV's name, and the anchor on the page
    title: str
    svg: str
    headers: list[str]
    rows: list[list]  # the values (numbers stay numbers, for the CSV)
    shown: list[list[str]] = field(default_factory=list)  # the same, as the page shows them
    note: str = ""
    money: bool = False  # needs the rewards capability


def number(value) -> str:
    return formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def percent(share) -> str:
    if share is None:
        return "–"
    return formats.number_format(share * 100, decimal_pos=0, use_l10n=True) + " %"


def bucket_label(day, bucket) -> str:
    if bucket == DAY:
        return formats.date_format(day, "j M")
    if bucket == MONTH:
        return formats.date_format(day, "M y")
    return formats.date_format(day, "j M")


def hours(minutes) -> str:
    return formats.number_format(minutes / 60, decimal_pos=1, use_l10n=True, force_grouping=True)


def key_figures(board, *, money=True) -> list[Figure]:
    active = board.army_now.get("active", 0)
    figures = [
        Figure(_("Active peers"), number(active)),
        Figure(pgettext("dashboard", "Applications"), number(board.total("funnel.applied"))),
        Figure(_("Tasks completed"), number(board.total("tasks.completed"))),
        Figure(
            _("Seats filled"),
            percent(board.fill_rate),
            _("of the seats offered in blocks"),
        ),
    ]
    if money:
        cost = board.cost_per_task
        figures += [
            Figure(_("Rewards paid"), format_money(board.total("rewards.cost"))),
            Figure(
                _("Cost per completed task"),
                format_money(cost) if cost is not None else "–",
            ),
        ]
    gini = board.spread["gini"]
    figures.append(
        Figure(
            _("Spread of work"),
            formats.number_format(gini, decimal_pos=2, use_l10n=True) if gini is not None else "–",
            _("0 is perfectly even, 1 is one peer doing everything"),
        )
    )
    return figures


def sections(board, *, superfans=0, referrers=None, money=True) -> list[Section]:
    found = [
        _army(board),
        _funnel(board, superfans),
        _blocks(board),
        _matches(board),
        _unmatched(board),
    ]
    if money:
        found += [_rewards(board), _budgets(board)]
    found.append(_spread(board))
    if money:
        found += [s for s in (_money(board),) if s is not None]
    if referrers is not None:
        found.append(_referrers(referrers))
    return [s for s in found if s is not None]


def _labels(board):
    return [bucket_label(day, board.period.bucket) for day in board.buckets]


def _time_section(
    key,
    title,
    board,
    series,
    *,
    kind="bars",
    stacked=False,
    fmt=number,
    note="",
    money=False,
    cell=None,
):
    labels = _labels(board)
    chart = charts.Chart(
        title=title,
        labels=labels,
        series=[charts.Series(name, values) for name, values in series],
        kind=kind,
        stacked=stacked,
        fmt=fmt,
    )
    headers = [pgettext("dashboard", "Period"), *[name for name, _values in series]]
    rows, shown = [], []
    cell = cell or fmt
    for i, day in enumerate(board.buckets):
        values = [values[i] for _name, values in series]
        rows.append([day, *values])
        shown.append([labels[i], *[cell(v) for v in values]])
    return Section(key, title, charts.svg(chart, chart_id=key), headers, rows, shown, note, money)


def _army(board):
    return _time_section(
        "army",
        _("The army over time"),
        board,
        [
            (pgettext("peer status", "Active"), board.army["active"]),
            (pgettext("peer status", "Applicant"), board.army["applicant"]),
            (pgettext("peer status", "Suspended"), board.army["suspended"]),
        ],
        kind="lines",
        note=_("Peers at the end of each period, by status, for the whole business."),
    )


def _funnel(board, superfans):
    steps = [
        (_("Superfans found"), superfans),
        (pgettext("dashboard", "Invited"), board.total("funnel.invited")),
        (pgettext("dashboard", "Applied"), board.total("funnel.applied")),
        (pgettext("dashboard", "Approved"), board.total("funnel.approved")),
        (_("Active within 30 days"), board.total("funnel.active")),
    ]
    title = _("Recruiting")
    return Section(
        "recruiting",
        title,
        charts.hbars(title, [(label, n, number(n)) for label, n in steps], chart_id="recruiting"),
        [pgettext("dashboard", "Step"), pgettext("dashboard", "People")],
        [[label, n] for label, n in steps],
        [[label, number(n)] for label, n in steps],
        _(
            "Superfans are counted today; the other steps in the period. Active means a first "
            "task completed within 30 days of approval."
        ),
    )


def _blocks(board):
    return _time_section(
        "blocks",
        pgettext("dashboard", "Blocks"),
        board,
        [
            (pgettext("dashboard", "Offered"), board.values("blocks.offered")),
            (pgettext("dashboard", "Filled"), board.values("blocks.filled")),
            (_("Shifts completed"), board.values("claims.completed")),
            (_("No-shows"), board.values("claims.no_show")),
        ],
    )


def _matches(board):
    return _time_section(
        "matches",
        _("Visitors' requests"),
        board,
        [
            (pgettext("dashboard", "Requests"), board.values("requests.received")),
            (pgettext("dashboard", "Matched"), board.values("matches.made")),
            (pgettext("dashboard", "Declined"), board.values("matches.declined")),
            (pgettext("dashboard", "Nobody found"), board.values("requests.unmatched")),
        ],
    )


def _unmatched(board):
    reasons = board.totals.get("requests.unmatched", {})
    if not reasons:
        return None
    items = sorted(reasons.items(), key=lambda item: -item[1])
    named = [(UNMATCHED_REASONS.get(reason, UNMATCHED_REASONS[""])(), n) for reason, n in items]
    title = _("Why requests found nobody")
    return Section(
        "unmatched",
        title,
        charts.hbars(title, [(label, n, number(n)) for label, n in named], chart_id="unmatched"),
        [pgettext("dashboard", "Reason"), pgettext("dashboard", "Requests")],
        [[label, n] for label, n in named],
        [[label, number(n)] for label, n in named],
    )


def reward_form_names():
    return {
        "cash": pgettext("dashboard", "Cash"),
        "points": pgettext("dashboard", "Points"),
        "voucher": pgettext("dashboard", "Shop credit"),
        "donation": pgettext("dashboard", "Donations"),
    }


def _euros(minor):
    return format_money(round(minor))


def _whole_euros(minor):
    """An axis's money: whole units, so that the words fit beside the axis."""
    return format_money(round(minor / 100) * 100).replace(",00", "").replace(".00", "")


def _rewards(board):
    names = reward_form_names()
    return _time_section(
        "rewards",
        _("Rewards by form"),
        board,
        [(names[form], board.values("rewards.cost", form)) for form in REWARD_FORMS],
        stacked=True,
        fmt=_whole_euros,
        cell=_euros,
        note=_("What the rewards cost the business; points at what they cost as shop credit."),
        money=True,
    )


def _budgets(board):
    rows, shown = [], []
    for program, budget, spent in board.budgets:
        share = spent / budget if budget else None
        rows.append(
            [program.title, budget, spent, round(share * 100) if share is not None else None]
        )
        shown.append(
            [
                program.title,
                format_money(budget) if budget else _("no budget"),
                format_money(spent),
                percent(share) if share is not None else "–",
            ]
        )
    title = _("Budgets")
    items = [(program.title, spent, format_money(spent)) for program, _b, spent in board.budgets]
    return Section(
        "budgets",
        title,
        charts.hbars(title, items, chart_id="budgets") if items else "",
        [
            pgettext("dashboard", "Program"),
            _("Budget for the period"),
            pgettext("dashboard", "Spent"),
            _("Used (%)"),
        ],
        rows,
        shown,
        _("A monthly budget counts pro rata for the days of each month in the period."),
        money=True,
    )


def _spread(board):
    spread = board.spread
    title = _("Who does the work")
    items = [(name, minutes / 60, hours(minutes)) for name, _tasks, minutes in board.top_peers]
    note = _(
        "%(working)s of %(active)s active peers worked in the period; the busiest tenth did "
        "%(share)s of the hours."
    ) % {
        "working": number(spread["peers_working"]),
        "active": number(spread["active"]),
        "share": percent(spread["top_share"]),
    }
    return Section(
        "work",
        title,
        charts.hbars(title, items, chart_id="work") if items else "",
        [
            pgettext("dashboard", "Peer"),
            pgettext("dashboard", "Tasks"),
            pgettext("dashboard", "Hours"),
        ],
        [[name, tasks, round(minutes / 60, 1)] for name, tasks, minutes in board.top_peers],
        [[name, number(tasks), hours(minutes)] for name, tasks, minutes in board.top_peers],
        note,
    )


def _money(board):
    lines = [
        ("chipin.pledges", _("Chip-in pledges")),
        ("sharing.rentals", pgettext("dashboard", "Rentals")),
        ("resale.sales", _("Used items sold")),
    ]
    present = [(measure, name) for measure, name in lines if board.total(measure)]
    if not present:
        return None
    return _time_section(
        "money",
        _("Chip-in, sharing and resale"),
        board,
        [(name, board.values(measure + ".money")) for measure, name in present],
        fmt=_whole_euros,
        cell=_euros,
        note=", ".join(f"{name}: {number(board.total(measure))}" for measure, name in present),
        money=True,
    )


def _referrers(referrers):
    title = _("Top referrers")
    note = _(
        "Visits their share links brought; the table adds sign-ups, applications and first orders."
    )
    rows = [[r.name, r.visits, r.signups, r.applications, r.conversions] for r in referrers]
    return Section(
        "referrers",
        title,
        charts.hbars(
            title,
            [(r.name, r.visits, number(r.visits)) for r in referrers],
            chart_id="referrers",
        )
        if referrers
        else "",
        [
            pgettext("dashboard", "Peer"),
            pgettext("dashboard", "Visits"),
            pgettext("dashboard", "Sign-ups"),
            pgettext("dashboard", "Applications"),
            pgettext("dashboard", "First orders"),
        ],
        rows,
        [[row[0], *[number(v) for v in row[1:]]] for row in rows],
        note,
    )
