"""`peerarmy schedule ical --business SLUG --peer EMAIL`: print a peer's calendar (the same
iCalendar as their private feed)."""

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from peerarmy.scheduling import ical, selectors
from peerarmy.tenancy.selectors import find_business


class Command(BaseCommand):
    help = "Scheduling tools: print a peer's calendar as iCalendar."
    requires_system_checks = []  # an operator's command: no need to check the whole API first

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        cal = sub.add_parser("ical", help="print a peer's blocks as an iCalendar file")
        cal.add_argument("--business", required=True, help="the business's slug")
        cal.add_argument("--peer", required=True, help="the peer's e-mail address")

    def handle(self, *args, action, **options):
        business = find_business(options["business"])
        if business is None:
            raise CommandError(f"No business with the slug {options['business']!r}.")
        with scope(business=business):
            peer = selectors.peer_by_email(business, options["peer"])
            if peer is None:
                raise CommandError(f"No peer of {business.slug} with that e-mail address.")
            self.stdout.write(ical.peer_calendar(peer).decode(), ending="")
