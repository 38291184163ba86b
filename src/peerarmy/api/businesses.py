"""The business a token acts in: the only one it can see."""

from datetime import date

from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from peerarmy.errors import NotFound
from peerarmy.inputs import apply_patch, parse, patch_model
from peerarmy.tenancy import selectors as tenancy_selectors
from peerarmy.tenancy import services
from peerarmy.tenancy.inputs import ClosureInput, ShopSettingsInput
from peerarmy.tenancy.roles import Capability

from .auth import member_business
from .pagination import LimitOffset
from .params import ObjectId
from .problems import problem_responses

router = Router(tags=["businesses"])


class BusinessOut(Schema):
    slug: str
    name: str
    city: str
    default_language: str
    timezone: str
    currency: str
    tagline_it: str
    tagline_en: str
    about_it: str
    about_en: str
    brand_color: str
    contact_email: str
    phone: str
    address: str
    opening_hours: dict[str, list[list[str]]]
    logo_url: str
    cover_url: str


@router.get(
    "/",
    response={200: list[BusinessOut], **problem_responses(401, 422)},
    summary="List businesses",
    description="The business of the token, as a list of one.",
)
@paginate(LimitOffset)
def list_businesses(request):
    return [member_business(request)]


@router.get(
    "/{slug}",
    response={200: BusinessOut, **problem_responses(401, 404)},
    summary="Get a business",
    description="The business of the token; any other address is not found, even if it exists.",
)
def get_business(request, slug: str):
    return _own(request, slug)


def _own(request, slug, needs=None):
    business = member_business(request, needs)
    if slug != business.slug:
        raise NotFound()
    return business


# Only the fields sent change; hours are a text per day ("9:00-13:00, 15:30-19:30"; "" closed).
ShopSettingsPatch = patch_model(ShopSettingsInput, "ShopSettingsPatch")


@router.patch(
    "/{slug}",
    response={200: BusinessOut, **problem_responses(401, 403, 404, 422)},
    summary="Change the shop's settings (owner)",
    description="Name, texts, colour, contact, address, opening hours, language and clock; "
    "only the fields sent change. The logo and cover photo are uploaded in the console.",
)
def patch_business(request, slug: str, payload: ShopSettingsPatch):
    business = _own(request, slug, Capability.SHOP)
    current = ShopSettingsInput.of(business).model_dump()
    data = apply_patch(ShopSettingsInput, current, payload)
    return services.update_shop(business, request.auth.user, data).value


class ClosureOut(Schema):
    id: int
    first: date
    last: date
    note: str


@router.get(
    "/{slug}/closures",
    response={200: list[ClosureOut], **problem_responses(401, 403, 404)},
    summary="List the closures not yet over",
)
def list_closures(request, slug: str):
    return tenancy_selectors.closures(_own(request, slug, Capability.SHOP))


@router.post(
    "/{slug}/closures",
    response={201: ClosureOut, **problem_responses(401, 403, 404, 422)},
    summary="Add a closure (owner)",
    description="Days the shop is closed beyond its weekly hours, shown on its pages.",
)
def add_closure(request, slug: str, payload: ClosureInput):
    business = _own(request, slug, Capability.SHOP)
    today = timezone.localdate(timezone=business.tzinfo)
    data = parse(ClosureInput, payload.model_dump(), context={"today": today})
    return Status(201, services.add_closure(business, request.auth.user, data).value)


@router.delete(
    "/{slug}/closures/{closure_id}",
    response={204: None, **problem_responses(401, 403, 404)},
    summary="Remove a closure (owner)",
)
def remove_closure(request, slug: str, closure_id: ObjectId):
    services.remove_closure(_own(request, slug, Capability.SHOP), request.auth.user, closure_id)
    return Status(204, None)
