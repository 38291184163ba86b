"""iCalendar feeds: a peer's private feed (a secret URL) and a published program's feed of
open blocks. Both are public URLs: calendar apps fetch them without a session."""

from django.http import HttpResponse

from peerarmy.errors import NotFound
from peerarmy.programs.selectors import get_published_program
from peerarmy.scheduling import feeds, ical

from .base import business_page

CACHE_SECONDS = 300


def _ics(content, filename):
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Robots-Tag"] = "noindex"
    return response


@business_page()
def peer_calendar(request, business, token):
    peer = feeds.peer_for_feed_token(business, token)
    if peer is None:
        raise NotFound()
    return _ics(ical.peer_calendar(peer), f"{business.slug}-my-blocks.ics")


@business_page()
def program_calendar(request, business, program_slug):
    program = get_published_program(business, program_slug)
    return _ics(ical.program_calendar(program), f"{business.slug}-{program.slug}.ics")
