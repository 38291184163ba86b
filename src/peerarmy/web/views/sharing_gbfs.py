"""The open-data feed of a sharing program (GBFS v3.0): the discovery file `gbfs.json` and one
JSON file per part. Anyone may read it, from any site (CORS open), and keep it for its `ttl`;
`sharing/gbfs.py` builds every document. A program that is not published, another business's
program, and a file GBFS does not name all answer 404 in JSON."""

from django.http import JsonResponse
from django.utils.translation import gettext as _

from peerarmy.errors import NotFound
from peerarmy.sharing import gbfs

from .base import business_page


def _json(payload, *, status=200, max_age=0):
    response = JsonResponse(
        payload,
        status=status,
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    response["Content-Type"] = "application/json"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-cache"
    return response


def _answer(business, program_slug, feed):
    try:
        program = gbfs.published_program(business, program_slug)
        payload = gbfs.document(business, program, feed)
    except gbfs.UnknownFeed as exc:
        return _json({"error": exc.code, "message": str(exc.message)}, status=404)
    except NotFound:
        message = _("No sharing program publishes an open-data feed at this address.")
        return _json({"error": "not_found", "message": message}, status=404)
    return _json(payload, max_age=payload["ttl"])


@business_page()
def discovery(request, business, program_slug):
    return _answer(business, program_slug, "gbfs")


@business_page()
def feed(request, business, program_slug, feed):
    return _answer(business, program_slug, feed)
