"""Factories for support tests: files as people send them, and tickets made through the
services (so that their SLA deadlines are set as in real life)."""

import io

from PIL import Image

from peerarmy.support import services
from peerarmy.support.inputs import ConsumerTicketInput, TicketInput
from peerarmy.support.services import Upload


def jpeg_with_gps(size=(64, 48)) -> bytes:
    """A JPEG whose EXIF says where it was taken (GPS) and with which camera."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (44.0, 29.0, 40.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def image_upload(name="receipt.jpg"):
    return Upload(name, jpeg_with_gps())


def pdf_upload(name="statement.pdf"):
    return Upload(name, PDF)


def peer_ticket(peer, files=(), **values):
    data = {"category": "question", "subject": "Where do I park?", "body": "Is there a place?"}
    return services.open_peer_ticket(peer, TicketInput.parse(data | values), files).value


def consumer_ticket(business, *, email="visitor@example.org", language="it", **values):
    data = {
        "name": "Giulia",
        "email": email,
        "category": "complaint",
        "subject": "Guide late",
        "body": "Our guide came 40 minutes late.",
    }
    return services.open_consumer_ticket(
        business, ConsumerTicketInput.parse(data | values), language=language
    ).value
