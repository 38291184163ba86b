"""The shop in the console: its pictures (shrunk, upright, with nothing of where they were
taken), where to find it, its opening hours and holidays, and how its public page and its
peers' app show them."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from peerarmy.tenancy.models import Closure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def camera_photo(size=(4000, 3000), colour=(200, 30, 30), orientation=6, fmt="JPEG"):
    """A phone's photo: big, lying on its side with an EXIF orientation, and the GPS position
    and camera of where it was taken."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation: rotate 90° to show
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (44.0, 29.0, 40.0), 3: "E", 4: (11.0, 20.0, 35.0)}  # GPS
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    out.name = "photo.jpg"
    out.seek(0)
    return out


def test_a_logo_and_cover_are_shrunk_turned_upright_and_stripped(owner_client, business, media):
    response = owner_client.post(
        url(business, "manage_shop_photos"),
        {"cover": camera_photo(), "logo": camera_photo(size=(800, 800), colour=(0, 90, 200))},
    )

    assert response.status_code == 302
    business.refresh_from_db()
    stored = Image.open(media / business.cover)
    assert stored.format == "WEBP"
    assert stored.size == (675, 900)  # 3000×4000 upright, shrunk into 1600×900
    assert not stored.getexif() and "exif" not in stored.info and "xmp" not in stored.info
    raw = (media / business.cover).read_bytes()
    assert b"PhoneMaker" not in raw and b"GPS" not in raw
    assert Image.open(media / business.logo).size == (512, 512)

    served = owner_client.get(business.cover_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp"
    assert "immutable" in served["Cache-Control"]
    landing = owner_client.get(f"/{business.slug}/").content.decode()
    assert business.cover_url in landing and business.logo_url in landing
    assert 'property="og:image"' in landing


def test_a_new_picture_replaces_the_old_file(
    owner_client, business, media, django_capture_on_commit_callbacks
):
    owner_client.post(url(business, "manage_shop_photos"), {"logo": camera_photo((300, 300))})
    business.refresh_from_db()
    first = business.logo
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            url(business, "manage_shop_photos"), {"logo": camera_photo((300, 300), (9, 9, 9))}
        )
    business.refresh_from_db()
    assert business.logo != first
    assert not (media / first).exists()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url(business, "manage_shop_photos"), {"remove": "logo"})
    business.refresh_from_db()
    assert business.logo == "" and not any((media / "businesses").rglob("*/logo/*.webp"))


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (b"%PDF-1.7 not a picture", "not a picture that can be read"),
        (b"\xff\xd8\xff\xe0 truncated jpeg", "not a picture that can be read"),
        ("tiny", "too small"),
        (b"\0" * (10 * 1024 * 1024 + 1), "larger than 10 MB"),
    ],
)
def test_what_is_not_a_usable_picture_is_refused_in_words(owner_client, business, upload, words):
    if upload == "tiny":
        upload = camera_photo((40, 40)).getvalue()
    file = io.BytesIO(upload)
    file.name = "upload.jpg"
    response = owner_client.post(url(business, "manage_shop_photos"), {"logo": file})

    assert response.status_code == 400
    assert words in response.content.decode()
    business.refresh_from_db()
    assert business.logo == ""


def test_the_app_icon_is_the_logo_on_the_brand_colour(owner_client, business):
    before = owner_client.get(url(business, "app_icon", size=192)).content
    owner_client.post(
        url(business, "manage_shop_photos"), {"logo": camera_photo((400, 400), (0, 200, 0), 1)}
    )
    business.refresh_from_db()
    icon = Image.open(io.BytesIO(owner_client.get(url(business, "app_icon", size=192)).content))

    def near_green(pixel):  # WebP is lossy: a shade off at most
        return all(abs(a - b) <= 4 for a, b in zip(pixel[:3], (0, 200, 0), strict=True))

    assert near_green(icon.getpixel((96, 96)))  # the logo in the middle
    assert not near_green(icon.getpixel((2, 2)))  # the brand colour around it
    assert icon.tobytes() != Image.open(io.BytesIO(before)).tobytes()
    manifest = owner_client.get(url(business, "app_manifest")).json()
    assert all("?v=" in entry["src"] for entry in manifest["icons"])


SHOP = {
    "name": "Bici Gialla",
    "default_language": "it",
    "timezone": "Europe/Rome",
    "brand_color": "#ffcc00",
    "address": "Via dell'Indipendenza 12",
    "phone": "051 123 4567",
    "hours_mon": "",
    "hours_tue": "9-13, 15:30-19:30",
    "hours_wed": "9-13, 15:30-19:30",
    "hours_thu": "9-13, 15:30-19:30",
    "hours_fri": "9-13, 15:30-19:30",
    "hours_sat": "9:00-18:00",
    "hours_sun": "chiuso",
}


def test_where_and_when_to_find_the_shop(owner_client, business):
    response = owner_client.post(url(business, "manage_shop"), SHOP)

    assert response.status_code == 302
    business.refresh_from_db()
    assert business.phone == "+390511234567"
    assert business.opening_hours == {
        day: [["09:00", "13:00"], ["15:30", "19:30"]] for day in ("tue", "wed", "thu", "fri")
    } | {"sat": [["09:00", "18:00"]]}
    page = owner_client.get(url(business, "manage_shop")).content.decode()
    assert "09:00–13:00, 15:30–19:30" in page  # the form shows them back, one way
    landing = owner_client.get(f"/{business.slug}/").content.decode()
    assert "Via dell&#x27;Indipendenza 12" in landing
    assert "09:00–18:00" in landing and ("Open now" in landing or "Closed now" in landing)


def test_bad_hours_name_their_day_and_nothing_changes(owner_client, business):
    response = owner_client.post(
        url(business, "manage_shop"),
        {**SHOP, "hours_tue": "13-9", "hours_sat": "from nine", "phone": "12"},
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "ends before it starts" in errors["hours_tue"][0]
    assert "from nine" in errors["hours_sat"][0]
    assert "phone" in errors
    business.refresh_from_db()
    assert business.opening_hours == {}


def test_holidays_are_added_shown_and_removed(owner_client, business):
    today = timezone.localdate()
    response = owner_client.post(
        url(business, "manage_shop_closure_add"),
        {"first": today + timedelta(days=3), "last": today + timedelta(days=10), "note": "Ferie"},
    )
    assert response.status_code == 302
    closure = Closure.objects.get(business=business)
    landing = owner_client.get(f"/{business.slug}/").content.decode()
    assert "Closed from" in landing and "Ferie" in landing

    refused = owner_client.post(
        url(business, "manage_shop_closure_add"),
        {"first": today - timedelta(days=9), "last": today - timedelta(days=2)},
    )
    assert refused.status_code == 400
    assert "already over" in refused.content.decode()
    backwards = owner_client.post(
        url(business, "manage_shop_closure_add"),
        {"first": today + timedelta(days=9), "last": today + timedelta(days=2)},
    )
    assert "comes before the first" in backwards.content.decode()
    assert Closure.objects.filter(business=business).count() == 1

    owner_client.post(url(business, "manage_shop_closure_remove", closure_id=closure.pk))
    assert not Closure.objects.filter(business=business).exists()


def test_landing_in_italian_writes_days_the_italian_way(client, business):
    business.opening_hours = {"sat": [["09:00", "18:00"]]}
    business.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    landing = client.get(f"/{business.slug}/").content.decode()
    assert "Sabato" in landing and "chiuso" in landing


def test_staff_cannot_change_the_pictures_or_holidays(client, staff, business):
    client.force_login(staff)
    client.post(url(business, "manage_shop_photos"), {"logo": camera_photo((300, 300))})
    client.post(
        url(business, "manage_shop_closure_add"),
        {"first": timezone.localdate(), "last": timezone.localdate()},
    )
    business.refresh_from_db()
    assert business.logo == "" and not Closure.objects.filter(business=business).exists()
