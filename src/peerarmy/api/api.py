"""The JSON API at /api/v1/: one ninja router per app, bearer tokens, problem+json errors."""

import gzip
import hashlib
import json
from dataclasses import dataclass

import orjson
from django.http import HttpResponse
from django.utils.translation import get_language
from ninja import NinjaAPI, Swagger
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder

from peerarmy.tenancy.roles import Capability

from . import problems
from .alliances import mount as mount_alliances
from .auth import ApiTokenAuth
from .businesses import router as businesses_router
from .chipin import money_router as chipin_money_router
from .chipin import peer_router as chipin_peer_router
from .chipin import products_router as chipin_products_router
from .chipin import public_router as chipin_public_router
from .chipin import router as chipin_router
from .impact import router as impact_router
from .imports import router as imports_router
from .invitations import router as invitations_router
from .matching import peer_router as matching_peer_router
from .matching import router as matching_router
from .notifications import me_router as notifications_peer_router
from .peers import router as peers_router
from .privacy import mount as mount_privacy
from .programs import router as programs_router
from .resale import CategoriesAuth
from .resale import categories_router as resale_categories_router
from .resale import peer_router as resale_peer_router
from .resale import router as resale_router
from .resale import setup_router as resale_setup_router
from .reviews import me_router as reviews_peer_router
from .reviews import me_verify_router
from .reviews import router as reviews_router
from .rewards import payouts_router, wallet_router
from .rewards import router as rewards_router
from .scheduling import limits_router, me_router, templates_router
from .scheduling import router as blocks_router
from .sharing import FleetAuth
from .sharing import fleet_router as sharing_fleet_router
from .sharing import router as sharing_router
from .sharing import setup_router as sharing_setup_router
from .spread import mount as mount_spread
from .superfans import router as superfans_router
from .support import peer_router as support_peer_router
from .support import router as support_router
from .trust import peer_router as trust_peer_router
from .trust import router as trust_router

DESCRIPTION = """\
The API of one peerarmy installation, for the staff of a business and for its peers.

**Authentication.** Every endpoint needs an API token, sent as
`Authorization: Bearer <token>`. There are two kinds:

- a **staff token**, which a member of a business creates in the console (API tokens). It
  acts as that member, in that business only, on every endpoint except those under `/me/`;
- a **peer token**, which an active peer creates on their own page (My army → API tokens).
  It acts as that peer only, on the endpoints under `/me/` (their blocks, claims, waitlists,
  swaps, check-ins, calendar, wallet, matching profile, proposals and matches), even if the
  same person is also staff.

A token used on the other kind's endpoints answers 403 with a problem that says why; so does
a peer token once its peer is no longer active. Objects of any other business, and another
peer's claims and offers, do not exist for a token: their ids answer 404, exactly like ids
that were never used.

**Errors** are [RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) problem details
(`application/problem+json`) with a stable `code` and, when a field is at fault, an
`errors` list of `{field, message}`. Messages follow the `Accept-Language` header
(Italian or English).

**Lists** are paginated with `limit` (1 to 200, default 50) and `offset`, and answer
`{count, next, previous, results}`.
"""


class OrjsonRenderer(BaseRenderer):
    """ninja's JSON, written by orjson (C) instead of the standard library's encoder: a list
    of a hundred blocks is encoded in a tenth of the time. Dates, times and everything orjson
    does not know go through ninja's own encoder, so the text clients read is unchanged
    (datetimes to the millisecond, UTC as `Z`)."""

    media_type = "application/json"
    _fallback = NinjaJSONEncoder().default
    _options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    def render(self, request, data, *, response_status):
        return orjson.dumps(data, default=self._fallback, option=self._options)


class PeerarmyAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts):
        # ninja drops each error's input (it may hold what the client sent); keep only
        # whether it was null, so that a null where a value is needed reads "This field is
        # required.", as an emptied box does on the console.
        nulls = {
            id(context): [
                e.get("input", "") is None for e in context.pydantic_validation_error.errors()
            ]
            for context in error_contexts
        }
        exc = super().validation_error_from_error_contexts(error_contexts)
        flags = [flag for context in error_contexts for flag in nulls[id(context)]]
        for error, was_null in zip(exc.errors, flags, strict=False):
            if was_null:
                error["input"] = None
        return exc

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # ninja documents every response as application/json; errors are problem+json.
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content")
                    if int(status) >= 400 and content and "application/json" in content:
                        response["content"] = {
                            problems.PROBLEM_CONTENT_TYPE: content.pop("application/json")
                        }
        return schema


_documents = {}


def openapi_document(request):
    """`/api/v1/openapi.json`, built once per process and language, then served as stored
    bytes: building it costs about half a second of CPU, and it needs no token, so building
    it per request would let a handful of clients take the server down. It changes only with
    the code (a deploy restarts the processes); the ETag lets clients revalidate."""
    language = get_language() or "en"
    cached = _documents.get(language)
    if cached is None:
        body = json.dumps(
            api.get_openapi_schema(path_prefix=request.path.rsplit("openapi.json", 1)[0]),
            cls=NinjaJSONEncoder,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        tag = hashlib.sha256(body).hexdigest()[:32]
        # A tenth of the size for every client that takes gzip (browsers, generated clients).
        cached = _documents[language] = {
            False: (body, f'"{tag}"'),
            True: (gzip.compress(body, mtime=0), f'"{tag}-gzip"'),
        }
    zipped = "gzip" in request.headers.get("Accept-Encoding", "")
    body, etag = cached[zipped]
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
        if zipped:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    response["Vary"] = "Accept-Encoding, Accept-Language, Cookie"
    response["Cache-Control"] = "public, max-age=300"
    return response


api = PeerarmyAPI(
    title="peerarmy API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=ApiTokenAuth(),
    renderer=OrjsonRenderer(),
    # Swagger UI from ninja's own static files (ninja is in INSTALLED_APPS), and without the
    # badge that would send the schema to validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
)
problems.install(api)

api.add_router("/businesses/", businesses_router)
api.add_router("/programs/", programs_router)
api.add_router("/peers/", peers_router)
api.add_router("/imports/", imports_router, auth=ApiTokenAuth(needs=Capability.CUSTOMERS))
api.add_router("/superfans/", superfans_router)
api.add_router("/invitations/", invitations_router)
api.add_router("/blocks/", blocks_router)
api.add_router("/block-templates/", templates_router)
# /programs/{program_id}/fairness-limits: scheduling's own router beside the programs one.
api.add_router("/programs/", limits_router)
api.add_router("/me/", me_router)
api.add_router("/rewards/", rewards_router, auth=ApiTokenAuth(needs=Capability.REWARDS))
api.add_router("/payouts/", payouts_router, auth=ApiTokenAuth(needs=Capability.REWARDS))
# /me/wallet/…: the rewards side of the peer's endpoints, beside scheduling's /me/ router.
api.add_router("/me/wallet/", wallet_router)
# Matching: /businesses/{slug}/matching/… for the staff; /me/matching, /me/proposals and
# /me/matches for a peer.
api.add_router("/businesses/", matching_router)
api.add_router("/me/", matching_peer_router)
# /me/notifications and /me/push-subscriptions: how new work reaches the peer.
api.add_router("/me/", notifications_peer_router)
# Reviews, suspensions and appeals: /peers/{peer_id}/reviews|suspend|clear-review|lift|
# appeal/decision and /peers/review-settings for members; /me/reviews and /me/appeal for a peer.
api.add_router("/peers/", reviews_router)
api.add_router("/me/", reviews_peer_router)
api.add_router("/me/", me_verify_router)
# Trust: /trust/ratings, /trust/peers/{id}/summary|reliability for members; /me/ratings and
# /me/reliability for a peer.
api.add_router("/trust/", trust_router)
api.add_router("/me/", trust_peer_router)
# Support: /support/tickets|faq for members with support; /me/support/tickets for a peer.
api.add_router("/support/", support_router, auth=ApiTokenAuth(needs=Capability.SUPPORT))
api.add_router("/me/", support_peer_router)
# Chip in: /chipin/products (shop), /chipin/campaigns and their pledges (customers), till
# payments, statements and credits (rewards), /chipin/pledges/confirm (no token: the pledger's
# e-mailed link); /me/chipin/campaigns for a peer.
api.add_router("/chipin/", chipin_products_router, auth=ApiTokenAuth(needs=Capability.SHOP))
api.add_router("/chipin/", chipin_router, auth=ApiTokenAuth(needs=Capability.CUSTOMERS))
api.add_router("/chipin/", chipin_money_router, auth=ApiTokenAuth(needs=Capability.REWARDS))
api.add_router("/chipin/", chipin_public_router, auth=None)
api.add_router("/me/", chipin_peer_router)
# Sharing: /sharing/programs/{id}/settings and /sharing/sponsors (set-up), /sharing/stations and
# /sharing/assets (read by every member, changed with set-up), the availability search and
# /sharing/bookings (the work).
api.add_router("/sharing/", sharing_setup_router, auth=ApiTokenAuth(needs=Capability.SETUP))
api.add_router("/sharing/", sharing_fleet_router, auth=FleetAuth())
api.add_router("/sharing/", sharing_router, auth=ApiTokenAuth(needs=Capability.WORK))
# Resale: /resale/programs/{id}/settings (set-up), /resale/categories (read by every member,
# changed with set-up), the listings, their review and search, reservations, sales, returns,
# trade-ins at the till and the suggested price (the work); /me/resale/… for a peer who sells.
api.add_router("/resale/", resale_setup_router, auth=ApiTokenAuth(needs=Capability.SETUP))
api.add_router("/resale/", resale_categories_router, auth=CategoriesAuth())
api.add_router("/resale/", resale_router, auth=ApiTokenAuth(needs=Capability.WORK))
api.add_router("/me/", resale_peer_router)
mount_alliances(api)  # /alliance/ (staff), /alliances/{slug} (public), /me/alliance (a peer)
api.add_router("/me/", impact_router)  # /me/impact: the peer's own figures
mount_spread(api)  # /spread/ (staff with the army's peers), /me/share/links (a peer)
mount_privacy(api)  # /me/privacy/… (a peer's own data), /privacy/… (erasures, exports)


@dataclass(frozen=True)
class Endpoint:
    method: str  # upper case, e.g. "GET"
    path: str  # as in the OpenAPI document, e.g. "/api/v1/programs/{program_id}"
    operation_id: str
    requires_auth: bool


def endpoints():
    """Every operation of the API, for tests that must try each one (isolation, auth)."""
    schema = api.get_openapi_schema()
    result = []
    for path, path_item in schema["paths"].items():
        for method, operation in path_item.items():
            result.append(
                Endpoint(
                    method=method.upper(),
                    path=path,
                    operation_id=operation.get("operationId", ""),
                    requires_auth=bool(operation.get("security")),
                )
            )
    return result
