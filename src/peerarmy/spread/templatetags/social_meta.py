"""`{% social_meta %}…{% endsocial_meta %}`: the link previews (Open Graph and Twitter cards)
of every public page of a business, around the page's own head block.

A page that writes a preview tag itself (`og:title` in its `extra_head`) keeps it; every tag
it does not write is filled in from what the page shows: a campaign, an item on sale, a
rental, a program, or else the shop (its name, tagline and photo). Images and the page's
address are absolute (`SITE_URL`), as the apps that draw previews need. Private pages (the
peer's app, the console) and pages that ask not to be indexed (a booking's, a pledge's link)
get none."""

from __future__ import annotations

import re

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

_DECLARED = re.compile(r"""(?:property|name)\s*=\s*["']((?:og|twitter):[a-z_:]+)["']""", re.I)
_NOINDEX = re.compile(r"""name\s*=\s*["']robots["'][^>]*noindex""", re.I)
PRIVATE = ("me", "manage")
LOCALES = {"it": "it_IT", "en": "en_GB"}
DESCRIPTION_MAX = 200


@register.tag("social_meta")
def do_social_meta(parser, token):
    nodelist = parser.parse(("endsocial_meta",))
    parser.delete_first_token()
    return SocialMetaNode(nodelist)


class SocialMetaNode(template.Node):
    # the page's head block inside stays a block the pages override
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        inner = self.nodelist.render(context)
        request, business = context.get("request"), context.get("business")
        if request is None or business is None or _is_private(request, business):
            return inner
        if _NOINDEX.search(inner):
            return inner
        declared = {name.lower() for name in _DECLARED.findall(inner)}
        tags = [
            _tag(name, value)
            for name, value in preview(context, request, business).items()
            if value and name not in declared
        ]
        return mark_safe(inner + "".join(tags))  # noqa: S308 - each tag escaped by format_html


def _is_private(request, business) -> bool:
    parts = request.path.strip("/").split("/")
    return len(parts) > 1 and parts[0] == business.slug and parts[1] in PRIVATE


def _tag(name, value):
    attribute = "name" if name.startswith("twitter:") else "property"
    return format_html('\n  <meta {}="{}" content="{}">', attribute, name, value)


def _absolute(url: str) -> str:
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    return f"{settings.SITE_URL}{url if url.startswith('/') else '/' + url}"


def _short(text) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= DESCRIPTION_MAX else text[: DESCRIPTION_MAX - 1].rstrip() + "…"


def _subject(context, business):
    """(title, description, image) of what the page shows."""
    campaign, listing, asset = context.get("campaign"), context.get("listing"), context.get("asset")
    program, station = context.get("program"), context.get("station")
    image = context.get("image") if isinstance(context.get("image"), str) else ""
    if campaign is not None and hasattr(campaign, "beneficiary_name"):
        return campaign.title, campaign.message, image or campaign.photo_url
    if listing is not None and hasattr(listing, "grade"):
        photos = context.get("photos") or []
        first = getattr(photos[0], "url", "") if photos else ""
        return listing.title, listing.description, first
    if asset is not None and hasattr(asset, "photos"):
        return asset.name, getattr(asset, "description", ""), image or getattr(asset, "cover", "")
    if station is not None and hasattr(station, "address"):
        return station.name, station.address, image
    if program is not None and hasattr(program, "summary"):
        return f"{program.title} · {business.name}", program.summary, ""
    return business.name, business.tagline, ""


def preview(context, request, business) -> dict[str, str]:
    """The preview's tags: {name: value} (the page's own ones win, see the node)."""
    title, description, image = _subject(context, business)
    if not image:
        image = (
            business.cover_url if business.cover else (business.logo_url if business.logo else "")
        )
    image = _absolute(image)
    description = _short(description or business.tagline or business.name)
    return {
        "og:type": "website",
        "og:site_name": business.name,
        "og:title": title,
        "og:description": description,
        "og:url": _absolute(request.path),
        "og:image": image,
        "og:locale": LOCALES.get((get_language() or "")[:2], ""),
        "twitter:card": "summary_large_image" if image else "summary",
        "twitter:title": title,
        "twitter:description": description,
        "twitter:image": image,
    }
