"""The console's peers list as a CSV file for Italian Excel (`peerarmy.excel`)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy import excel

from . import selectors

MAX_ROWS = 100_000


def peers_csv(business, **filters) -> str:
    """Every peer the list's filters keep, in the list's order, with what the list shows and
    the rest of the application; headers in the reader's language."""
    header = [
        _("Name shown to others"),
        _("E-mail"),
        _("Status"),
        _("Languages"),
        _("Skills"),
        _("Home area"),
        _("Travel radius (km)"),
        _("Reliability"),
        _("Applied"),
        _("Decided"),
    ]
    tz = business.tzinfo
    page = selectors.peers_for_business(business, **filters)
    rows = []
    for peer in page[0 : min(page.count(), MAX_ROWS)]:
        rows.append(
            [
                peer.display_name,
                peer.user.email,
                peer.get_status_display(),
                ", ".join(
                    f"{pl.get_language_display()} ({pl.get_level_display()})"
                    for pl in peer.attached_languages
                ),
                ", ".join(str(skill.name) for skill in peer.attached_skills),
                peer.home_address,
                peer.travel_radius_km,
                peer.reliability,
                timezone.localtime(peer.applied_at, tz),
                timezone.localtime(peer.decided_at, tz) if peer.decided_at else None,
            ]
        )
    return excel.write(header, rows)


def filename(business) -> str:
    return f"{business.slug}-peers-{timezone.localdate().isoformat()}.csv"
