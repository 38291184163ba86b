"""Pictures people upload (a shop's logo and cover photo; later products, assets, listings):
read with Pillow whatever a phone or a camera gives (JPEG, PNG, WebP, HEIC excepted), turned
upright, shrunk to what a page shows, and written again as WebP. Writing the pixels again
drops everything else the file carried: EXIF, the GPS position of the place it was taken,
the camera's serial number, comments. The stored name is the content's hash, so a picture is
cached for ever and a new one gets a new address."""

import hashlib
import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is a decompression bomb, not a photo
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}  # MPO: some phones' JPEGs


@dataclass(frozen=True)
class Shape:
    """How a kind of picture is kept: at most `width`×`height` (shrunk, never enlarged), at
    least `min_side` pixels on its shorter side as uploaded."""

    width: int
    height: int
    min_side: int


class PhotoError(ValueError):
    """Why a file is not taken, in the reader's language."""


def _open(data: bytes):
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        image.verify()  # a truncated or forged file stops here
        image = Image.open(io.BytesIO(data))
        image.load()
    except Image.DecompressionBombError as exc:
        raise PhotoError(_("The picture has too many pixels: up to 40 megapixels.")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(
            _("This file is not a picture that can be read: send a JPEG, PNG or WebP.")
        ) from exc
    if image.format not in ACCEPTED_FORMATS:
        raise PhotoError(
            _("This file is not a picture that can be read: send a JPEG, PNG or WebP.")
        )
    return image


def process(data: bytes, shape: Shape) -> bytes:
    """The picture in `data` upright, shrunk to `shape`, without any metadata, as WebP.
    Raises PhotoError for a file too big, not a picture, too large or too small."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoError(_("The picture is larger than 10 MB: send a smaller one."))
    image = _open(data)
    image = ImageOps.exif_transpose(image)  # as the phone showed it, then the EXIF goes
    if min(image.size) < shape.min_side:
        raise PhotoError(
            _("The picture is too small: at least %(side)d pixels on each side.")
            % {"side": shape.min_side}
        )
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((shape.width, shape.height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # a fresh image carries no info: no EXIF, no XMP, no ICC profile beyond sRGB's default
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    clean.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()


def store(folder: str, data: bytes) -> str:
    """Store processed picture bytes under `folder`, named by their hash; the stored name."""
    digest = hashlib.sha256(data).hexdigest()[:24]
    name = f"{folder}/{digest}.webp"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(data))
    return name


def delete(name: str) -> None:
    """Remove a stored picture that nothing uses any more (a missing one is fine)."""
    if name and default_storage.exists(name):
        default_storage.delete(name)


def url(name: str) -> str:
    return default_storage.url(name) if name else ""
