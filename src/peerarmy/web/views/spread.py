"""Share links on the web: the short address (`/<business>/s/<code>/`) that counts a visit and
opens its page; the peer's share page with a link, a QR code and share buttons for every page
they can share, and their figures; the console's top referrers and each link's figures; the
printable QR posters (the shop's counter poster, a peer's own).

The share buttons are plain links (WhatsApp, Telegram, e-mail), as on a chip-in campaign, and
a "Share" button for the phone's own share sheet (the Web Share API, `web/share.js`): no
third-party script on the page."""

import re
from datetime import timedelta

import segno
from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerarmy.errors import NotFound
from peerarmy.rewards.selectors import promised_rewards
from peerarmy.spread import cookies, poster, selectors, services
from peerarmy.spread.inputs import PeriodInput
from peerarmy.spread.models import TargetKind
from peerarmy.tenancy.roles import Capability
from peerarmy.web.forms.base import InputForm

from .base import business_page, console_page, page_url, peer_page, role_can
from .chipin_public import share_links

# Link-preview fetchers and crawlers: they open a link to draw its preview, which is no visit.
BOT = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|whatsapp|telegram|discord|skype|"
    r"embedly|quora|pinterest|vkshare|headless",
    re.I,
)
DEFAULT_DAYS = 30
SECTIONS = [
    (TargetKind.LANDING, gettext_lazy("The shop's page")),
    (TargetKind.PROGRAM, gettext_lazy("Programs")),
    (TargetKind.CAMPAIGN, gettext_lazy("Chip-in campaigns collecting now")),
    (TargetKind.RENTAL, gettext_lazy("To rent")),
    (TargetKind.LISTING, gettext_lazy("Used, on sale")),
]


def absolute(path: str) -> str:
    """A link's address as it is shared: the installation's public address (`SITE_URL`)."""
    return f"{settings.SITE_URL}{path}"


def short_url(business, link) -> str:
    return absolute(page_url(business, "spread_go", code=link.code))


def qr_svg(url: str, label: str):
    """The address as an inline SVG QR code, with its words for screen readers."""
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(
        scale=4, border=2, dark="#111111", title=label, omitsize=True, svgclass="share-qr-code"
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup; the title is escaped by segno


def _is_bot(request) -> bool:
    return bool(BOT.search(request.headers.get("User-Agent", "")))


# --- the short address -----------------------------------------------------------------------


@business_page()
def go(request, business, code):
    """Count the visit (once a day per browser; never the link's own peer nor a preview
    fetcher), keep the link in a first-party cookie for the credit, and open the page."""
    link = selectors.get_link(business, code)
    today = selectors.local_today(business)
    bot = _is_bot(request)
    first_today = request.method == "GET" and not bot and not cookies.already_seen(request, today)
    opened = services.open_link(business, link, user=request.user, first_today=first_today)
    response = redirect(opened.path)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    secure = request.is_secure()
    if opened.counted:
        cookies.set_seen(response, request.path, today, business.tzinfo, secure=secure)
    if opened.remember and not bot:
        cookies.set_ref(response, business.pk, link.pk, secure=secure)
    return response


# --- the peer's share page -------------------------------------------------------------------


def _share_text(business, target) -> str:
    if target.kind == TargetKind.LANDING:
        return _("Join me in the %(shop)s army") % {"shop": business.name}
    if target.kind == TargetKind.CAMPAIGN:
        return _("Help %(name)s: %(title)s") % {"name": target.detail, "title": target.title}
    return _("%(title)s at %(shop)s") % {"title": target.title, "shop": business.name}


def _link_card(business, target, link, figures):
    url = short_url(business, link)
    text = _share_text(business, target)
    return {
        "target": target,
        "link": link,
        "url": url,
        "text": text,
        "qr": qr_svg(url, _("QR code of the link to %(title)s") % {"title": target.title}),
        "share_links": share_links(url, text),
        "figures": figures.get(link.pk, selectors.Figures()),
        "poster_url": page_url(business, "me_share_poster") + f"?link={link.code}",
    }


@peer_page()
def share(request, business):
    peer = selectors.peer_of(business, request.user)
    if peer is None:
        return redirect("web:apply", business_slug=business.slug)
    context = {"peer": peer, "active": peer.status == "active"}
    if context["active"]:
        page = services.share_page(business, peer)
        figures = selectors.figures_by(business, "link", links=[link.pk for _t, link in page.rows])
        cards = [_link_card(business, target, link, figures) for target, link in page.rows]
        promised = promised_rewards(business, "referral.converted")
        context |= {
            "sections": [
                (title, [c for c in cards if c["target"].kind == kind]) for kind, title in SECTIONS
            ],
            "totals": selectors.peer_totals(business, peer),
            "earned": selectors.referral_rewards(business, peer),
            "promised": sorted({words for found in promised.values() for words in found}),
        }
    return render(request, "web/spread/share.html", context)


def _poster_response(business, link, title):
    data = poster.poster_pdf(
        poster.poster_for(business, link, short_url(business, link), title=title)
    )
    response = HttpResponse(data, content_type="application/pdf")
    name = slugify(f"{business.slug} {title}")[:60] or "poster"
    response["Content-Disposition"] = f'inline; filename="{name}-qr.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@peer_page()
def share_poster(request, business):
    """A peer's poster of one of their own links (`?link=<code>`; their shop's page without)."""
    peer = selectors.active_peer(business, request.user)
    if peer is None:
        raise NotFound(_("No such link."))
    code = request.GET.get("link", "")
    if code:
        link = selectors.get_link(business, code)
        if link.peer_id != peer.pk:
            raise NotFound(_("No such link."))
    else:
        link = services.link_for(business, peer)
    title = selectors.target_titles(business, [link])[link.pk]
    return _poster_response(business, link, business.name if not link.target_id else title)


# --- the console -----------------------------------------------------------------------------


class PeriodForm(InputForm):
    """The days the console's figures cover."""

    input_class = PeriodInput

    since = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _period(request, business):
    """The period asked for (the last 30 days unless said), its form, and whether it is fine."""
    today = selectors.local_today(business)
    asked = "since" in request.GET or "until" in request.GET
    data = (
        request.GET
        if asked
        else {
            "since": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
            "until": today.isoformat(),
        }
    )
    form = PeriodForm(data, business=business)
    if form.is_valid():
        return form, form.input.since, form.input.until
    return form, today - timedelta(days=DEFAULT_DAYS - 1), today


@console_page(needs=Capability.PEOPLE)
def console(request, business):
    form, since, until = _period(request, business)
    shop = services.shop_link(business)
    url = short_url(business, shop)
    return render(
        request,
        "web/spread/console.html",
        {
            "form": form,
            "since": since,
            "until": until,
            "referrers": selectors.top_referrers(business, since, until, limit=10),
            "rows": selectors.link_rows(business, since, until),
            "totals": selectors.totals(
                selectors.figures_by(business, "link", since=since, until=until)
            ),
            "shop_url": url,
            "shop_qr": qr_svg(url, _("QR code of the shop's page")),
            "can_reward": role_can(request, Capability.REWARDS),
            "has_rule": bool(promised_rewards(business, "referral.converted")),
        },
        status=400 if form.errors else 200,
    )


@console_page(needs=Capability.PEOPLE)
def console_poster(request, business):
    """The shop's counter poster: a QR code of the shop's own link to its page."""
    return _poster_response(business, services.shop_link(business), business.name)
