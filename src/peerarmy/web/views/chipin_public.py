"""Chip-in for everyone: a campaign's public page (no account needed; it travels by WhatsApp,
so it has a proper link preview), the friend's pledge and its own page from the e-mailed link
(how to pay: the IBAN, the amount, the RF reference and an EPC QR code a banking app scans),
and the beneficiary's side: starting a campaign and "my chip-ins" with the voucher.

Every share link carries who shared it (`?da=<token>`): a pledge made from it is credited to
them. The share buttons are plain links (WhatsApp, Telegram, e-mail), no third-party script.
"""

import io
from urllib.parse import quote, urlencode

import segno
import segno.helpers
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from peerarmy.chipin import references, selectors, services
from peerarmy.errors import DomainError
from peerarmy.money import format_money
from peerarmy.photos import MAX_UPLOAD_BYTES as MAX_PHOTO
from peerarmy.rewards.selectors import vouchers_of_user
from peerarmy.web.forms.chipin_public import PledgeForm, StartCampaignForm

from .base import business_page, epc_qr
from .matching_public import private_page

GET_POST = ("GET", "HEAD", "POST")
PLEDGES_SHOWN = 30


def _save(form, call):
    try:
        return call(form.input)
    except DomainError as exc:
        form.add_domain_error(exc)
    return None


def share_links(url: str, text: str) -> list[dict]:
    """Plain links that open each app's own share screen: no script of theirs on the page."""
    message = f"{text} {url}"
    return [
        {
            "name": "WhatsApp",
            "icon": "brand-whatsapp",
            "href": f"https://wa.me/?{urlencode({'text': message})}",
        },
        {
            "name": "Telegram",
            "icon": "brand-telegram",
            "href": f"https://t.me/share/url?{urlencode({'url': url, 'text': text})}",
        },
        {
            "name": _("E-mail"),
            "icon": "mail",
            "href": f"mailto:?subject={quote(text)}&body={quote(message)}",
        },
    ]


def _time_left(campaign, now):
    left = campaign.deadline - now
    if left.total_seconds() <= 0:
        return ""
    days = left.days
    if days >= 2:
        return ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
    hours = int(left.total_seconds() // 3600)
    if hours >= 1:
        return ngettext("%(n)d hour left", "%(n)d hours left", hours) % {"n": hours}
    return _("less than an hour left")


def _sharer_link(request, business, campaign):
    """The link this visitor shares: their own when signed in, else the one they came by."""
    if request.user.is_authenticated:
        return services.share_link_for(business, campaign, request.user)
    token = request.GET.get("da", "")[:12]
    return selectors.share_link_by_token(business, campaign, token) if token else None


@business_page()
def campaign_page(request, business, code):
    campaign = selectors.campaign_by_code(business, code)
    now = timezone.now()
    came_by = request.GET.get("da", "")[:12]
    brought_by = selectors.share_link_by_token(business, campaign, came_by) if came_by else None
    own = _sharer_link(request, business, campaign)
    url = services.public_url(campaign, own or brought_by)
    share_text = _("Help %(name)s: %(title)s") % {
        "name": campaign.beneficiary_name,
        "title": campaign.title,
    }
    progress = selectors.progress(campaign)
    form = PledgeForm(initial={"via": brought_by.token if brought_by else ""}, business=business)
    context = {
        "campaign": campaign,
        "progress": progress,
        "still_needed": selectors.still_needed(campaign),
        "pledges": selectors.public_pledges(campaign, PLEDGES_SHOWN),
        "sharers": [s for s in selectors.sharers(campaign) if s.pledges][:5],
        "brought_by": brought_by,
        "time_left": _time_left(campaign, now),
        "share_url": url,
        "share_links": share_links(url, share_text),
        "form": form,
        "is_beneficiary": request.user.is_authenticated
        and request.user.pk == campaign.beneficiary_id,
        "image": campaign.photo_url
        or (business.cover_url if business.cover else "")
        or (business.logo_url if business.logo else ""),
    }
    response = render(request, "web/chipin/campaign.html", context)
    if not campaign.public:
        response["X-Robots-Tag"] = "noindex"
    return response


@business_page()
def campaign_qr(request, business, code):
    """The campaign's address as a QR code, to print and put on the shop's counter."""
    campaign = selectors.campaign_by_code(business, code)
    url = services.public_url(campaign, selectors.beneficiary_link(campaign))
    out = io.BytesIO()
    # a whole SVG document (with its namespace), as an <img> needs
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, dark="#111111")
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@business_page(GET_POST)
def pledge_new(request, business, code):
    campaign = selectors.campaign_by_code(business, code)
    form = PledgeForm(
        request.POST or None,
        initial={"via": request.GET.get("da", "")[:12]},
        business=business,
    )
    if request.method == "POST":
        if form.is_bot:
            return redirect("web:chipin_pledge_sent", business_slug=business.slug, code=code)
        if _too_many_pledges(request):
            form.add_error(None, _("Too many pledges from here in the last hour: try again later."))
        elif form.is_valid():
            made = _save(
                form,
                lambda data: services.make_pledge(
                    business, campaign, data, user=request.user, language=get_language()
                ),
            )
            if made is not None:
                request.session["chipin_pledge_email"] = made.value.pledge.email
                return redirect("web:chipin_pledge_sent", business_slug=business.slug, code=code)
    context = {
        "campaign": campaign,
        "progress": selectors.progress(campaign),
        "still_needed": selectors.still_needed(campaign),
        "form": form,
    }
    return render(request, "web/chipin/pledge_new.html", context)


# Pledges one address on the internet may make in an hour (each sends an e-mail and holds a
# part of a campaign until it is confirmed): in the cache every web process shares.
PLEDGES_PER_HOUR = 20


def _too_many_pledges(request) -> bool:
    from django.core.cache import cache

    key = f"chipin:pledges:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) > PLEDGES_PER_HOUR
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        return False


@business_page()
def pledge_sent(request, business, code):
    campaign = selectors.campaign_by_code(business, code)
    email = request.session.get("chipin_pledge_email", "")
    return render(request, "web/chipin/pledge_sent.html", {"campaign": campaign, "email": email})


@private_page
@business_page()
def pledge_confirm(request, business, token):
    try:
        services.confirm_pledge(business, token)
    except services.CampaignClosed as exc:
        messages.warning(request, str(exc.message))
    return redirect("web:chipin_pledge", business_slug=business.slug, token=token)


def epc_qr_svg(bank, pledge, campaign) -> str:
    """The EPC QR code ("GiroCode", EPC069-12) of a pledge's transfer: the business's IBAN,
    the amount still to pay and the RF reference, which Italian and European banking apps
    read."""
    qr = epc_qr(bank, pledge.left_minor, pledge.reference)
    return qr.svg_inline(scale=4, border=2, dark="#111111")


@private_page
@business_page()
def pledge_page(request, business, token):
    pledge = selectors.pledge_by_token(business, services.token_hash(token))
    campaign = pledge.campaign
    bank = selectors.bank_details(business)
    waiting = pledge.confirmed_at is not None and pledge.left_minor > 0 and campaign.is_open
    own = services.pledger_link(business, pledge) if pledge.received_minor or waiting else None
    url = services.public_url(campaign, own) if own else ""
    share_text = _("I chipped in for %(name)s: you can too") % {"name": campaign.beneficiary_name}
    context = {
        "pledge": pledge,
        "campaign": campaign,
        "progress": selectors.progress(campaign),
        "bank": bank,
        "reference": references.format_rf(pledge.reference),
        "amount_text": format_money(pledge.left_minor, pledge.currency),
        "epc_qr": epc_qr_svg(bank, pledge, campaign) if bank and waiting else "",
        "waiting": waiting,
        "share_url": url,
        "share_links": share_links(url, share_text) if url else [],
    }
    return render(request, "web/chipin/pledge.html", context)


@business_page(GET_POST)
def campaign_start(request, business):
    """A customer or peer starts a campaign for themselves (signed in)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    programs = selectors.chipin_programs(business)
    products = list(selectors.products(business, active_only=True))
    form = StartCampaignForm(
        request.POST or None,
        request.FILES or None,
        business=business,
        programs=programs,
        products=products,
        initial={"product": request.GET.get("product", "")},
    )
    if request.method == "POST" and programs and form.is_valid():
        started = _save(form, lambda data: services.start_campaign(business, request.user, data))
        if started is not None:
            photo = request.FILES.get("photo")
            if photo is not None:
                try:
                    services.set_campaign_photo(
                        business, request.user, started.value, photo.read(MAX_PHOTO + 1)
                    )
                except DomainError as exc:
                    why = " ".join(str(m) for _f, m in exc.field_errors) or str(exc.message)
                    messages.warning(
                        request, _("The photo could not be used: %(why)s") % {"why": why}
                    )
            messages.success(
                request, _("Your campaign is ready: share it with friends and family.")
            )
            return redirect(
                "web:chipin_campaign", business_slug=business.slug, code=started.value.code
            )
    return render(
        request,
        "web/chipin/start.html",
        {"form": form, "programs": programs, "products": products},
    )


@business_page(("POST",))
def campaign_close(request, business, code):
    """The beneficiary closes their campaign once the goal is reached, for the voucher."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    campaign = selectors.campaign_by_code(business, code)
    try:
        services.close_early(business, request.user, campaign)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
        return redirect("web:chipin_campaign", business_slug=business.slug, code=code)
    messages.success(request, _("Your campaign is closed: your voucher is ready."))
    return redirect("web:chipin_mine", business_slug=business.slug)


@business_page()
def mine(request, business):
    """The signed-in person's campaigns, and their vouchers to use at the till."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    campaigns = [
        (c, selectors.progress(c)) for c in selectors.campaigns_of_user(business, request.user)
    ]
    return render(
        request,
        "web/chipin/mine.html",
        {"campaigns": campaigns, "vouchers": vouchers_of_user(business, request.user)},
    )


@business_page()
def campaigns_public(request, business):
    """The campaigns friends can chip in for now, and how to start one."""
    campaigns = [(c, selectors.progress(c)) for c in selectors.public_campaigns(business, 24)]
    return render(
        request,
        "web/chipin/campaigns.html",
        {"campaigns": campaigns, "open": bool(selectors.chipin_programs(business))},
    )
