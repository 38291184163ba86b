"""The business a token acts in: the only one it can see."""

from ninja import Router, Schema
from ninja.pagination import paginate

from peerarmy.errors import NotFound

from .auth import member_business
from .pagination import LimitOffset
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
    business = member_business(request)
    if slug != business.slug:
        raise NotFound()
    return business
