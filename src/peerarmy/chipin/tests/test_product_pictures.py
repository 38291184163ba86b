"""Fetching the pictures the products' import found, from a server started here on 127.0.0.1
(no outside network): a picture becomes the product's photo, anything else leaves the product
as it was, to be tried again a day later."""

import io
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.test import TestCase
from django.utils import timezone
from PIL import Image

from peerarmy.chipin import pictures
from peerarmy.chipin.models import Product
from peerarmy.chipin.pictures import FetchFailed, download, fetch_product_pictures
from peerarmy.chipin.products_import import import_products

pytestmark = pytest.mark.django_db


def _png():
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (250, 200, 0)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


class _Handler(BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):  # noqa: N802 - http.server's name
        self.hits.append(self.path)
        if self.path == "/bike.png":
            body, kind = PNG, "image/png"
        elif self.path == "/page.html":
            body, kind = b"<html>not a picture</html>", "text/html"
        elif self.path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        return None


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.hits = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def local(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CHIPIN_PICTURES_ALLOW_PRIVATE = True  # the test's server is on 127.0.0.1
    return settings


def _product(business, handle, image_source):
    return Product.objects.create(
        business=business,
        handle=handle,
        name_it=handle,
        price_minor=1000,
        image_source=image_source,
    )


def test_a_picture_becomes_the_products_photo(business, server, local):
    bike = _product(business, "bici", f"{server}/bike.png")
    without = _product(business, "senza", "")

    assert fetch_product_pictures.call(business.pk) == 1

    bike.refresh_from_db()
    without.refresh_from_db()
    assert bike.photo.startswith("products/") and bike.photo.endswith(".webp")
    assert (local.MEDIA_ROOT / bike.photo).exists()
    assert bike.image_source == f"{server}/bike.png"
    assert without.photo == ""
    # a product with its photo is not fetched again
    assert fetch_product_pictures.call(business.pk) == 0
    assert _Handler.hits == ["/bike.png"]


def test_a_failure_leaves_the_product_and_retries_a_day_later(business, server, local, caplog):
    page = _product(business, "pagina", f"{server}/page.html")
    missing = _product(business, "mancante", f"{server}/missing.jpg")

    assert fetch_product_pictures.call(business.pk) == 0

    for product in (page, missing):
        product.refresh_from_db()
        assert product.photo == "" and product.image_source.startswith(server)
    assert "not a picture" in caplog.text and "HTTP 404" in caplog.text
    assert server not in caplog.text  # no address in the log
    # tried again only once a day has passed
    assert fetch_product_pictures.call(business.pk) == 0
    assert len(_Handler.hits) == 2
    Product.objects.filter(pk=page.pk).update(
        updated_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    fetch_product_pictures.call(business.pk)
    assert _Handler.hits == ["/page.html", "/missing.jpg", "/page.html"]


def test_only_the_limit_is_fetched_at_a_time(business, server, local):
    for n in range(3):
        _product(business, f"bici-{n}", f"{server}/bike.png")

    assert fetch_product_pictures.call(business.pk, limit=2) == 2
    assert Product.objects.filter(business=business, photo="").count() == 1


def test_a_download_stops_at_the_limit(server, local):
    with pytest.raises(FetchFailed, match="larger than the limit"):
        download(f"{server}/bike.png", max_bytes=100)
    assert download(f"{server}/bike.png") == PNG


def test_only_public_http_addresses_are_fetched(business, server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CHIPIN_PICTURES_ALLOW_PRIVATE = False
    inside = _product(business, "interno", f"{server}/bike.png")

    assert fetch_product_pictures.call(business.pk) == 0

    inside.refresh_from_db()
    assert inside.photo == ""
    assert _Handler.hits == []  # refused before any connection
    for url in ("file:///etc/passwd", "ftp://example.com/a.png", "http://169.254.169.254/x"):
        with pytest.raises(FetchFailed):
            download(url)


def test_a_redirect_to_another_scheme_is_not_followed(server, local):
    with pytest.raises(FetchFailed):
        download(f"{server}/to-file")


def test_an_import_enqueues_the_fetch_after_commit(business, owner, monkeypatch):
    enqueued = []

    class Recorder:
        enqueue = staticmethod(enqueued.append)

    monkeypatch.setattr(pictures, "fetch_product_pictures", Recorder)
    export = Path(__file__).parent / "data" / "shopify_products.csv"

    with TestCase.captureOnCommitCallbacks(execute=True):
        import_products(business, owner, export)
    with TestCase.captureOnCommitCallbacks(execute=True):
        import_products(business, owner, export)  # nothing changed: nothing to fetch

    assert enqueued == [business.pk]
