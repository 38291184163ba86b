"""The peer's impact page: what they gave and what came back, over a period they choose, with
the hours of the last twelve months as a chart (server-drawn SVG, and a table for everyone the
chart does not reach); and the choice of what their public page (`rewards.showcase`) shows of
it, with the link to share it.

The page is the signed-in peer's own (no id in its address): another peer, or someone of
another army, reaches only their own. An applicant or a rejected peer has no impact yet and is
sent to their overview."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from peerarmy.analytics import charts
from peerarmy.analytics import impact as figures
from peerarmy.peers.models import PeerStatus
from peerarmy.peers.selectors import peer_for_user
from peerarmy.rewards import selectors as rewards_selectors
from peerarmy.rewards import services as rewards_services
from peerarmy.web.forms.rewards import ShowcaseChoiceForm

from .base import page_url, peer_page, save_form

POST = ("POST",)
# A suspended peer still reads what they did (it may help their appeal); only an active peer
# changes their public page (`rewards.services.check_wallet_peer`).
READERS = (PeerStatus.ACTIVE, PeerStatus.SUSPENDED)


def _own_peer(request, business):
    peer = peer_for_user(business, request.user)
    if peer is None or peer.status not in READERS:
        return None
    peer.business = business  # the selectors read it; spare them the query
    return peer


def period_of(request) -> str:
    """The period the page shows (`?period=`): all time unless another known one is asked."""
    period = request.GET.get("period", figures.ALL)
    return period if period in figures.PERIODS else figures.ALL


def period_names() -> dict:
    return {
        figures.ALL: _("All time"),
        figures.YEAR: _("This year"),
        figures.LAST_12_MONTHS: _("Last 12 months"),
    }


def month_label(day) -> str:
    """A month under the chart, in the reader's language ("Mar" / "mar")."""
    return formats.date_format(day, pgettext("date format of a month under a chart", "M"))


def hours_chart(months) -> str:
    """The chart of the hours given per month, as an SVG element to inline."""
    chart = charts.Chart(
        title=_("Hours given per month, last 12 months"),
        labels=[month_label(m.month) for m in months],
        series=[charts.Series(_("Hours given"), [m.hours for m in months])],
        fmt=lambda value: floatformat(value, -2),
    )
    # charts.svg escapes every text it writes
    return mark_safe(charts.svg(chart, chart_id="hours-chart"))  # noqa: S308


def share_text(peer, showcase, found, period) -> str:
    """The figures the peer's public page shows, in a line to share with its link."""
    if showcase is None or not showcase.public:
        return ""
    all_time = found if period == figures.ALL else figures.impact_over(peer, figures.ALL)
    return figures.summary(figures.shown(all_time, showcase.shown))


def _page(request, business, peer, *, form=None, status=200):
    period = period_of(request)
    found = figures.impact_over(peer, period)
    months = figures.hours_by_month(peer)
    showcase = rewards_selectors.showcase_of(peer)
    public_path = page_url(business, "showcase", peer_id=peer.pk)
    here = page_url(business, "me_impact")
    context = {
        "peer": peer,
        "impact": found,
        "period": period,
        "periods": [
            {"key": key, "name": name, "url": f"{here}?period={key}", "current": key == period}
            for key, name in period_names().items()
        ],
        "months": months,
        "months_total": sum(m.minutes for m in months),
        "chart": hours_chart(months),
        "showcase": showcase,
        "showcase_form": form or ShowcaseChoiceForm.of(showcase, business=business),
        "can_change_showcase": peer.status == PeerStatus.ACTIVE,
        "public_path": public_path,
        "public_url": request.build_absolute_uri(public_path),
        "share_text": share_text(peer, showcase, found, period),
    }
    return render(request, "web/me/impact.html", context, status=status)


@peer_page()
def impact(request, business):
    peer = _own_peer(request, business)
    if peer is None:
        return redirect("web:me", business_slug=business.slug)
    return _page(request, business, peer)


@peer_page(POST)
def showcase_choice(request, business):
    """Whether the peer's public page is shown, its headline and what it shows."""
    peer = _own_peer(request, business)
    if peer is None:
        raise Http404
    form = ShowcaseChoiceForm(request.POST, business=business)
    outcome = None
    if form.is_valid():
        outcome = save_form(form, lambda data: rewards_services.update_showcase(peer, data))
    if outcome is None:
        return _page(request, business, peer, form=form, status=400)
    messages.success(
        request,
        _("Saved: your page is public, with what you chose to show.")
        if outcome.value.public
        else _("Saved: your page is private."),
    )
    return redirect(page_url(business, "me_impact") + "#showcase")
