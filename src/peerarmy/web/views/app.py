"""The peer's app on a phone: a web app manifest (the shop's name, icon and colour, so that the
peer's pages install on the home screen) and a service worker that keeps the peer's pages they
opened (next blocks, meetings, wallet) readable without a network; the page then says it is
showing saved data (`static/web/peerarmy.js`). The worker also shows the web push messages
about new work and opens their page when tapped (only pages of this site).

The worker caches only pages under `/<slug>/me/` that answered 200 without a redirect, and the
site's static files; it never caches a form's answer. Logging out empties its cache."""

import io
import json

from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from peerarmy.web.templatetags.web import brand_color, brand_ink

from .base import business_page

ICON_SIZES = (192, 512)
# Bump when the worker's code changes: browsers fetch it again and drop the old caches.
WORKER_VERSION = 2


def _short_name(name: str) -> str:
    return name if len(name) <= 12 else name.split()[0][:12]


@business_page()
@cache_control(max_age=3600)
def manifest(request, business):
    slug = business.slug
    body = {
        "name": business.name,
        "short_name": _short_name(business.name),
        "description": _("Your blocks, meetings and rewards with %(name)s.")
        % {"name": business.name},
        "lang": (get_language() or business.default_language)[:2],
        "start_url": reverse("web:me", kwargs={"business_slug": slug}),
        "scope": f"/{slug}/",
        "display": "standalone",
        "theme_color": brand_color(business.brand_color),
        "background_color": "#ffffff",
        "icons": [
            {
                # a new logo is a new address: phones and caches fetch the icon again
                "src": reverse("web:app_icon", kwargs={"business_slug": slug, "size": size})
                + (f"?v={business.logo.rsplit('/', 1)[-1][:8]}" if business.logo else ""),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for size in ICON_SIZES
        ],
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/manifest+json"
    )


@business_page()
@cache_control(max_age=86400)
def icon(request, business, size):
    """The shop's home-screen icon at `size` pixels: its logo on its colour, or without a
    logo its initial."""
    from django.http import Http404
    from PIL import Image, ImageDraw, ImageFont

    if size not in ICON_SIZES:
        raise Http404
    colour, ink = brand_color(business.brand_color), brand_ink(business.brand_color)
    image = Image.new("RGB", (size, size), colour)
    logo = _logo(business)
    if logo is not None:
        # The safe zone of a maskable icon is the middle 80%: the logo fits in 70%.
        logo.thumbnail((int(size * 0.7), int(size * 0.7)), Image.Resampling.LANCZOS)
        corner = ((size - logo.width) // 2, (size - logo.height) // 2)
        image.paste(logo, corner, logo if logo.mode == "RGBA" else None)
    else:
        draw = ImageDraw.Draw(image)
        initial = (business.name.strip()[:1] or "p").upper()
        font = ImageFont.load_default(size=int(size * 0.5))
        draw.text((size / 2, size / 2), initial, fill=ink, font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return HttpResponse(out.getvalue(), content_type="image/png")


def _logo(business):
    """The business's stored logo as a Pillow image, or None (none, or its file is gone)."""
    from django.core.files.storage import default_storage
    from PIL import Image

    if not business.logo or not default_storage.exists(business.logo):
        return None
    with default_storage.open(business.logo) as stored:
        logo = Image.open(stored)
        logo.load()
    return logo.convert("RGBA")


SERVICE_WORKER = """// peerarmy: the peer's pages of %(name)s, readable offline.
"use strict";
const CACHE = "peerarmy-%(slug)s-v%(version)d";
const PAGES = "/%(slug)s/me/";
const STATIC = "/static/";
const ICON = %(icon)s;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(
      keys.filter((key) => key.startsWith("peerarmy-%(slug)s-") && key !== CACHE)
        .map((key) => caches.delete(key))
    )).then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC)) {
    // static files carry their hash in their name: the cached copy is right
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request).then((response) => {
      if (response.ok) caches.open(CACHE).then((cache) => cache.put(request, response.clone()));
      return response;
    })));
    return;
  }
  if (request.mode === "navigate" && url.pathname.startsWith(PAGES)) {
    // the network first; its answer is kept for when there is none
    event.respondWith(fetch(request).then((response) => {
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    }).catch(() => caches.match(request).then((hit) => hit || new Response(
      %(offline)s, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}}
    ))));
  }
});

self.addEventListener("message", (event) => {
  if (event.data === "forget") event.waitUntil(caches.delete(CACHE));
});

// Web push (new work): show the message; a tap opens its page of this site.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {body: event.data ? event.data.text() : ""};
  }
  event.waitUntil(self.registration.showNotification(data.title || %(title)s, {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: ICON,
    badge: ICON,
    data: {url: data.url || PAGES},
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const wanted = (event.notification.data && event.notification.data.url) || PAGES;
  const target = new URL(wanted, self.location.origin);
  // Only pages of this site: a message cannot send the peer anywhere else.
  const href = target.origin === self.location.origin ? target.href : new URL(PAGES, self.location.origin).href;
  event.waitUntil(clients.matchAll({type: "window", includeUncontrolled: true}).then((windows) => {
    for (const client of windows) {
      if (client.url === href && "focus" in client) return client.focus();
    }
    return clients.openWindow(href);
  }));
});
"""


@business_page()
@cache_control(no_cache=True)
def service_worker(request, business):
    offline = (
        '<!doctype html><meta charset="utf-8"><meta name="viewport" '
        'content="width=device-width, initial-scale=1"><title>{}</title>'
        '<p style="font: 1.1rem system-ui; margin: 2rem">{}</p>'
    ).format(
        escape(business.name),
        escape(
            _(
                "You are offline, and this page was not saved on this phone yet. Open it "
                "once with a connection and it will be here next time."
            )
        ),
    )
    script = SERVICE_WORKER % {
        "name": business.name.replace("\n", " "),
        "slug": business.slug,
        "version": WORKER_VERSION,
        "offline": json.dumps(offline),
        "title": json.dumps(business.name),
        "icon": json.dumps(
            reverse("web:app_icon", kwargs={"business_slug": business.slug, "size": 192})
        ),
    }
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = f"/{business.slug}/"
    return response
