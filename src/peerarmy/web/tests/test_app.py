"""The peer's pages install on a phone's home screen with the shop's name, icon and colour, and
a service worker keeps the pages the peer opened readable offline (only theirs, under `me/`,
never a redirect), saying so; logging out forgets them."""

import json
from io import BytesIO

import pytest
from PIL import Image

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_shop_and_starts_on_the_peers_app(client, business):
    business.brand_color = "#ffcc00"
    business.save()
    response = client.get(f"/{business.slug}/manifest.webmanifest")

    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == business.name
    assert manifest["start_url"] == f"/{business.slug}/me/"
    assert manifest["scope"] == f"/{business.slug}/"
    assert manifest["display"] == "standalone" and manifest["theme_color"] == "#ffcc00"
    assert [icon["sizes"] for icon in manifest["icons"]] == ["192x192", "512x512"]


@pytest.mark.parametrize("size", [192, 512])
def test_the_icon_is_a_png_of_the_asked_size_in_the_shops_colour(client, business, size):
    business.brand_color = "#1f6feb"
    business.save()
    response = client.get(f"/{business.slug}/app/icon-{size}.png")

    image = Image.open(BytesIO(response.content))
    assert (response["Content-Type"], image.format, image.size) == (
        "image/png",
        "PNG",
        (size, size),
    )
    assert image.convert("RGB").getpixel((2, 2)) == (0x1F, 0x6F, 0xEB)
    assert client.get(f"/{business.slug}/app/icon-64.png").status_code == 404


def test_the_worker_keeps_only_the_peers_pages_and_the_static_files(client, business):
    client.cookies["peerarmy_language"] = "en"
    response = client.get(f"/{business.slug}/sw.js")

    script = response.content.decode()
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == f"/{business.slug}/"
    assert f'const PAGES = "/{business.slug}/me/";' in script
    assert "!response.redirected" in script and 'request.method !== "GET"' in script
    assert "You are offline" in script


def test_every_page_of_the_shop_links_the_app(client, business):
    page = client.get(f"/{business.slug}/").content.decode()
    assert f'<link rel="manifest" href="/{business.slug}/manifest.webmanifest">' in page
    assert f'content="/{business.slug}/sw.js"' in page
    assert 'id="offline-note"' in page and "data-forget-offline" not in page  # logged out
