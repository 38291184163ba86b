"""Chip in through the API: friends and family fund a purchase together, the business adds its
match.

One router per audience, as the console splits the work:
- the catalogue (a token whose role includes the shop): products, and a Shopify export
  imported at once;
- campaigns and pledges (customers): the campaigns, their progress and sharers, a pledge a
  friend made by phone, closing and cancelling; approving or declining a match over the
  program's budget is the owner's;
- the money (rewards): a pledge paid at the till, bank statements reconciled with the pledges,
  and the staff's decision on a credit the statement could not place;
- a peer's own token: the campaigns they started, starting one, and the link they share;
- nobody's token: the pledger confirming their pledge with the token of the e-mailed link.

Every body is the change's typed input (`peerarmy.chipin.inputs`); every lookup is a selector
that answers 404 for another business's ids, before a body that needs the object is read."""

from datetime import date, datetime
from typing import Literal

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from peerarmy.chipin import reconcile, references, selectors, services
from peerarmy.chipin.inputs import (
    CampaignChange,
    CampaignInput,
    CloseReasonInput,
    CreditDecisionInput,
    PledgeInput,
    ProductInput,
    StaffCampaignInput,
    TillPaymentInput,
)
from peerarmy.chipin.models import CampaignStatus, PledgeStatus
from peerarmy.errors import NotFound
from peerarmy.inputs import Input, InvalidInput, apply_patch, parse, patch_model, text
from peerarmy.photos import MAX_UPLOAD_BYTES as MAX_PHOTO
from peerarmy.tenancy.middleware import business_scope
from peerarmy.tenancy.roles import Capability

from .auth import PeerTokenAuth, member_business, token_peer
from .pagination import LimitOffset
from .params import ObjectId, Text
from .problems import problem_responses

products_router = Router(tags=["chip-in"])
router = Router(tags=["chip-in"])
money_router = Router(tags=["chip-in"])
public_router = Router(tags=["chip-in (public)"], auth=None)
peer_router = Router(tags=["me (peers)"], auth=PeerTokenAuth())


# --- what goes out ------------------------------------------------------------------------------


class ChipInProductOut(Schema):
    id: int
    handle: str = Field(description="Shopify's handle (with the variant's options or SKU).")
    sku: str
    name_it: str
    name_en: str
    description_it: str = Field(description="HTML with only harmless markup left.")
    description_en: str
    price_minor: int = Field(description="Cents: the goal of a campaign for it.")
    currency: str
    photo_url: str = Field(description="Empty until a picture is stored.")
    image_source: str = Field(description="Where the import found the picture.")
    active: bool = Field(description="Friends may chip in for it.")
    created_at: datetime
    updated_at: datetime


class ChipInImportErrorOut(Schema):
    line: int = Field(description="As a spreadsheet numbers it: the header is line 1.")
    column: str
    message: str


class ChipInImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    skipped: int = Field(description="Gift card variants, left out.")
    errors: list[ChipInImportErrorOut] = Field(description="Rows left out, and why.")


class ChipInProgressOut(Schema):
    goal: int = Field(description="Cents to collect.")
    received: int = Field(description="Paid by friends.")
    pledged: int = Field(description="Promised by friends, paid or not.")
    match: int = Field(description="The business's share of what was received.")
    total: int = Field(description="Received plus the match.")
    percent: int = Field(description="Of the goal, 0 to 100.")
    left: int = Field(description="Still missing after the match.")
    reached: bool


class ChipInSharerOut(Schema):
    name: str
    kind: str = Field(description="beneficiary, pledger, peer or staff.")
    pledges: int = Field(description="Received pledges made through their link.")
    amount_minor: int
    new_customers: int = Field(description="Of those, people who were not customers before.")


class ChipInCampaignOut(Schema):
    id: int
    code: str = Field(description="The public page's address: /<business>/chip-in/<code>/.")
    program_id: int
    product_id: int | None = Field(description="null: a gift amount.")
    title: str
    message: str
    public: bool = Field(description="Shown on the shop's page.")
    beneficiary_name: str
    status: str = Field(
        description="running, waiting (for the owner), succeeded, failed, cancelled."
    )
    goal_minor: int
    currency: str
    deadline: datetime
    pledged_minor: int = Field(description="Promised by friends and not lapsed.")
    received_minor: int = Field(description="Arrived.")
    match_minor: int = Field(description="Added by the business once funded.")
    pledge_count: int = Field(description="Pledges received.")
    progress: ChipInProgressOut
    photo_url: str = Field(description="The page's picture (the product's when it has none).")
    created_at: datetime
    closed_at: datetime | None
    close_reason: str

    @staticmethod
    def resolve_progress(campaign):
        return selectors.progress(campaign)


class ChipInCampaignDetailOut(ChipInCampaignOut):
    url: str = Field(description="The public page.")
    still_needed_minor: int | None = Field(
        description="What friends may still promise; null when the campaign takes more than "
        "its goal."
    )
    match_percent: int = Field(description="The business adds this share of what friends give…")
    match_cap_minor: int = Field(description="…up to this much.")
    min_pledge_minor: int
    allow_overfunding: bool
    payment_days: int = Field(description="Days a confirmed pledge waits for its payment.")
    voucher_id: int | None = Field(description="The beneficiary's voucher, once funded.")
    sharers: list[ChipInSharerOut] = Field(description="Who brought pledges, most first.")

    @staticmethod
    def resolve_url(campaign):
        return services.public_url(campaign)

    @staticmethod
    def resolve_still_needed_minor(campaign):
        return selectors.still_needed(campaign)

    @staticmethod
    def resolve_sharers(campaign):
        return selectors.sharers(campaign)


class ChipInStaffCampaignOut(ChipInCampaignDetailOut):
    beneficiary_email: str

    @staticmethod
    def resolve_beneficiary_email(campaign):
        return campaign.beneficiary.email


class ChipInShareLinkOut(Schema):
    url: str = Field(
        description="The campaign's page with your `?da=` token: pledges made "
        "through it are credited to you."
    )
    kind: str = Field(description="beneficiary, pledger or peer: who you share as.")
    name: str = Field(description="How the page credits you.")


class ChipInPledgeOut(Schema):
    id: int
    campaign_id: int
    name: str = Field(description="Also when the pledger asked not to be shown on the page.")
    email: str
    anonymous: bool = Field(description="Not shown by name on the public page.")
    message: str
    amount_minor: int
    received_minor: int
    left_minor: int = Field(description="Still to pay.")
    currency: str
    reference: str = Field(description="The RF creditor reference the transfer quotes.")
    status: str = Field(
        description="unconfirmed, awaiting (the payment), partly, received, lapsed, refunded "
        "or converted (into a gift voucher)."
    )
    refund_choice: str = Field(description="transfer or voucher, if the campaign fails.")
    language: str
    paid_at_till: bool
    new_customer: bool = Field(description="Not among the shop's customers before.")
    shared_by: str = Field(description="Whose link it came through; empty for none.")
    hold_until: datetime = Field(description="Unconfirmed or unpaid, it lapses after this.")
    created_at: datetime
    confirmed_at: datetime | None
    received_at: datetime | None

    @staticmethod
    def resolve_shared_by(pledge):
        return pledge.share_link.name if pledge.share_link_id else ""


class ChipInPledgeRef(Schema):
    id: int
    reference: str
    campaign_id: int


class ChipInCreditOut(Schema):
    id: int
    line: int = Field(description="Where the statement has it.")
    booked_on: date
    status: str = Field(
        description="matched, suggested (a match to check), unmatched, duplicate (paid twice: "
        "the extra goes back), refunded or ignored."
    )
    amount_minor: int
    currency: str
    debtor_name: str
    reference: str = Field(description="The reference the payer quoted.")
    remittance: str
    applied_minor: int = Field(description="Taken into the campaign.")
    returned_minor: int = Field(description="Owed back to the payer.")
    pledge: ChipInPledgeRef | None = Field(description="The pledge it paid.")
    suggested_pledge: ChipInPledgeRef | None = Field(description="The pledge it may be for.")
    decided_at: datetime | None


class ChipInStatementProblemOut(Schema):
    line: int
    message: str


class ChipInStatementOut(Schema):
    id: int
    filename: str
    format: str = Field(description="camt.053, camt.052, camt.054 or csv.")
    account_iban: str
    uploaded_at: datetime
    entries: int = Field(description="Credits in the file.")
    matched: int
    suggested: int
    unmatched: int
    duplicates: int = Field(description="Paid beyond a pledge, or for nothing: going back.")
    already_seen: int = Field(description="Credits an earlier statement already brought.")
    problems: list[ChipInStatementProblemOut] = Field(description="Lines the reader skipped.")

    @staticmethod
    def resolve_problems(upload):
        return [{"line": line, "message": message} for line, message in upload.problems]


class ChipInStatementDetailOut(ChipInStatementOut):
    credits: list[ChipInCreditOut]

    @staticmethod
    def resolve_credits(upload):
        return list(selectors.credits(upload.business, statement=upload))


class ChipInBankOut(Schema):
    holder: str
    iban: str
    bic: str


class ChipInConfirmedOut(Schema):
    status: str = Field(description="awaiting: the pledge waits for the transfer.")
    campaign_title: str
    amount_minor: int
    left_minor: int
    currency: str
    reference: str = Field(description="The RF reference to quote on the transfer, grouped.")
    pay_by: datetime = Field(description="The pledge holds its place until then.")
    bank: ChipInBankOut | None = Field(description="Where to send it; null: pay at the shop.")


# --- what comes in ------------------------------------------------------------------------------

ProductPatch = patch_model(ProductInput, "ChipInProductPatch")
CampaignPatch = patch_model(CampaignChange, "ChipInCampaignPatch")
CancelBody = patch_model(CloseReasonInput, "ChipInCancelBody")
PledgeBody = patch_model(PledgeInput, "ChipInPledgeBody")
TillPaymentBody = patch_model(TillPaymentInput, "ChipInTillPaymentBody")


class ChipInConfirmInput(Input):
    """The token of the link the pledge's e-mail carries."""

    token: text(200, min_length=1)


class ChipInProductFilters(Schema):
    q: Text | None = Field(None, max_length=100, description="In the names and the handle.")
    active_only: bool = Field(False, description="Only products friends may chip in for.")


class ChipInCampaignFilters(Schema):
    status: CampaignStatus | None = None
    q: Text | None = Field(None, max_length=100, description="In the title and the beneficiary.")


class ChipInPledgeFilters(Schema):
    status: PledgeStatus | None = None
    q: Text | None = Field(None, max_length=100, description="Name, e-mail or reference.")


def _body(model, payload):
    """The change's whole input from a body whose fields were all optional, read once the
    object is found: another business's id answers 404 whatever was sent."""
    return parse(model, payload.model_dump(exclude_unset=True))


# --- products (the shop) ------------------------------------------------------------------------


def _shop(request):
    return member_business(request, Capability.SHOP)


@products_router.get(
    "/products",
    response={200: list[ChipInProductOut], **problem_responses(401, 403, 422)},
    summary="List the products friends may chip in for",
    description="By name.",
)
@paginate(LimitOffset)
def list_products(request, filters: Query[ChipInProductFilters]):
    return selectors.products(
        _shop(request), active_only=filters.active_only, search=filters.q or ""
    )


@products_router.post(
    "/products",
    response={201: ChipInProductOut, **problem_responses(400, 401, 403, 422)},
    summary="Add a product",
    description="`price_minor` in cents; the descriptions are HTML (scripts, styles and "
    "pictures are taken out). A `handle` another product has answers 422 naming it; left out, "
    "one is made.",
)
def add_product(request, payload: ProductInput):
    business = _shop(request)
    return Status(201, services.create_product(business, request.auth.user, payload).value)


@products_router.post(
    "/products/import",
    response={200: ChipInImportOut, **problem_responses(400, 401, 403, 413, 422)},
    summary="Import products from a Shopify export",
    description="A multipart upload of `file`: Shopify's products CSV (one product per "
    "variant; the same file saved by Excel in Italian too). A product seen before (by its "
    "handle) is updated; the rows that cannot be read are listed with their line and column, "
    "and the rest are imported. A file that is not a products export answers 422 "
    "`not_products_export`.",
)
def import_products(request, file: File[UploadedFile]):
    from peerarmy.chipin.products_import import import_products as run_import

    business = _shop(request)
    result = run_import(
        business, request.auth.user, file, filename=file.name or "", language=get_language()
    ).value
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "skipped": result.skipped,
        "errors": [
            {"line": e.line, "column": e.column, "message": str(e.message)} for e in result.errors
        ],
    }


@products_router.get(
    "/products/{product_id}",
    response={200: ChipInProductOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a product",
)
def get_product(request, product_id: ObjectId):
    return selectors.get_product(_shop(request), product_id)


@products_router.patch(
    "/products/{product_id}",
    response={200: ChipInProductOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Change a product",
    description="Only the fields sent change; `active: false` takes it out of the catalogue "
    "(campaigns already running for it go on).",
)
def patch_product(request, product_id: ObjectId, payload: ProductPatch):
    business = _shop(request)
    product = selectors.get_product(business, product_id)
    current = {name: getattr(product, name) for name in ProductInput.model_fields}
    data = apply_patch(ProductInput, current, payload)
    return services.update_product(business, request.auth.user, product, data).value


@products_router.delete(
    "/products/{product_id}",
    response={204: None, **problem_responses(401, 403, 404, 409, 422)},
    summary="Delete a product",
    description="A product no campaign was ever for; one with campaigns answers 409 "
    "`invalid_transition` (make it inactive instead: its campaigns keep their page).",
)
def delete_product(request, product_id: ObjectId):
    business = _shop(request)
    product = selectors.get_product(business, product_id)
    services.delete_product(business, request.auth.user, product)
    return Status(204, None)


# --- campaigns and pledges (customers) ----------------------------------------------------------


def _customers(request):
    return member_business(request, Capability.CUSTOMERS)


@router.get(
    "/campaigns",
    response={200: list[ChipInCampaignOut], **problem_responses(401, 403, 422)},
    summary="List campaigns",
    description="Newest first.",
)
@paginate(LimitOffset)
def list_campaigns(request, filters: Query[ChipInCampaignFilters]):
    return selectors.campaigns(_customers(request), status=filters.status, search=filters.q or "")


@router.post(
    "/campaigns",
    response={201: ChipInStaffCampaignOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Start a campaign for a customer",
    description="For a product (`product_id`: its price is the goal) or a gift amount "
    "(`goal_minor`), never both, in a published chip-in program. The beneficiary "
    "(`beneficiary_name`, `beneficiary_email`) gets an account if they have none, and an "
    "e-mail with the page to share. The program's terms (match, smallest pledge) are copied "
    "into the campaign.",
)
def start_campaign(request, payload: StaffCampaignInput):
    business = _customers(request)
    campaign = services.start_campaign_for(business, request.auth.user, payload).value
    return Status(201, selectors.get_campaign(business, campaign.pk))


@router.get(
    "/campaigns/{campaign_id}",
    response={200: ChipInStaffCampaignOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a campaign",
    description="With its progress (all amounts in cents), its terms, its public page and "
    "who brought pledges.",
)
def get_campaign(request, campaign_id: ObjectId):
    return selectors.get_campaign(_customers(request), campaign_id)


@router.patch(
    "/campaigns/{campaign_id}",
    response={200: ChipInStaffCampaignOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Change a campaign's message or visibility",
    description="Only `message` and `public` change once friends are giving. A closed "
    "campaign answers 409 `campaign_closed`.",
)
def patch_campaign(request, campaign_id: ObjectId, payload: CampaignPatch):
    business = _customers(request)
    campaign = selectors.get_campaign(business, campaign_id)
    current = {"message": campaign.message, "public": campaign.public}
    data = apply_patch(CampaignChange, current, payload)
    return services.update_campaign(business, request.auth.user, campaign, data).value


def _photo_bytes(file) -> bytes:
    """The uploaded picture's bytes (one more than the limit is enough to refuse it)."""
    if file is None:
        raise InvalidInput([("file", _("Choose a picture to upload."))])
    return file.read(MAX_PHOTO + 1)


@router.post(
    "/campaigns/{campaign_id}/photo",
    response={200: ChipInStaffCampaignOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Give a campaign its photo",
    description="Multipart `file`: a JPEG, PNG or WebP up to 10 MB, at least 200 pixels on its "
    "shorter side; kept upright, shrunk and without its metadata (EXIF, GPS). It is the "
    "picture of the page and of its link previews.",
)
def campaign_photo(request, campaign_id: ObjectId, file: File[UploadedFile] = None):
    business = _customers(request)
    campaign = selectors.get_campaign(business, campaign_id)
    data = _photo_bytes(file)  # read after the lookup: another business's id answers 404
    return services.set_campaign_photo(business, request.auth.user, campaign, data).value


@router.post(
    "/campaigns/{campaign_id}/close",
    response={200: ChipInStaffCampaignOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Close a funded campaign early",
    description="Once the goal is reached (409 `invalid_transition` before): the match is "
    "added and the beneficiary gets the voucher. A closed campaign answers 409 "
    "`campaign_closed`.",
)
def close_campaign(request, campaign_id: ObjectId):
    business = _customers(request)
    campaign = selectors.get_campaign(business, campaign_id)
    return services.close_early(business, request.auth.user, campaign).value


@router.post(
    "/campaigns/{campaign_id}/cancel",
    response={200: ChipInStaffCampaignOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Cancel a campaign",
    description='`{"reason": "…"}` (required; the friends who gave read it): every '
    "pledge's money goes back, as each pledger chose. A closed campaign answers 409 "
    "`campaign_closed`.",
)
def cancel_campaign(request, campaign_id: ObjectId, payload: CancelBody):
    business = _customers(request)
    campaign = selectors.get_campaign(business, campaign_id)
    data = _body(CloseReasonInput, payload)
    data.require()
    return services.cancel_campaign(business, request.auth.user, campaign, data).value


@router.post(
    "/campaigns/{campaign_id}/match/approve",
    response={200: ChipInStaffCampaignOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Approve a match over budget (owner)",
    description="A campaign waiting because its match goes over the program's monthly "
    "budget: the match is added all the same and the campaign is funded. Only the owner "
    "(403 otherwise); a campaign not waiting answers 409.",
)
def approve_match(request, campaign_id: ObjectId):
    business = _customers(request)
    campaign = selectors.get_campaign(business, campaign_id)
    return services.approve_match(business, request.auth.user, campaign).value


@router.post(
    "/campaigns/{campaign_id}/match/decline",
    response={200: ChipInStaffCampaignOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Decline a match over budget (owner)",
    description="The campaign closes without the match: funded if the friends' money alone "
    "reaches the goal, otherwise not (every pledge goes back). Only the owner (403 "
    "otherwise); a campaign not waiting answers 409.",
)
def decline_match(request, campaign_id: ObjectId):
    business = _customers(request)
    campaign = selectors.get_campaign(business, campaign_id)
    return services.decline_match(business, request.auth.user, campaign).value


@router.get(
    "/campaigns/{campaign_id}/pledges",
    response={200: list[ChipInPledgeOut], **problem_responses(401, 403, 404, 422)},
    summary="List a campaign's pledges",
    description="Newest first, with every pledger's name and e-mail (also of those who asked "
    "not to be shown on the page).",
)
@paginate(LimitOffset)
def list_pledges(request, campaign_id: ObjectId, filters: Query[ChipInPledgeFilters]):
    business = _customers(request)
    campaign = selectors.get_campaign(business, campaign_id)
    return selectors.pledges(
        business, campaign=campaign, status=filters.status, search=filters.q or ""
    )


@router.post(
    "/campaigns/{campaign_id}/pledges",
    response={201: ChipInPledgeOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Record a pledge a friend made by phone",
    description="`name`, `email`, `amount_minor` (required), `anonymous`, `message`, "
    "`refund_choice` (`transfer` or `voucher`). The friend is e-mailed, in the language of "
    "`Accept-Language`, a link to confirm it. Below the smallest pledge: 422 "
    "`pledge_below_minimum`; nothing left to promise: 409 `goal_already_reached`; more than "
    "is left: 422 naming `amount_minor`; a closed campaign: 409 `campaign_closed`.",
)
def add_pledge(request, campaign_id: ObjectId, payload: PledgeBody):
    business = _customers(request)
    campaign = selectors.get_campaign(business, campaign_id)
    data = _body(PledgeInput, payload)
    made = services.make_pledge(business, campaign, data, language=get_language() or "it")
    # the confirmation token is the friend's: it goes by e-mail, never into the answer
    return Status(201, selectors.get_pledge(business, made.value.pledge.pk))


# --- the money (rewards) ------------------------------------------------------------------------


def _money(request):
    return member_business(request, Capability.REWARDS)


@money_router.post(
    "/pledges/{pledge_id}/till-payment",
    response={200: ChipInPledgeOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Record a pledge paid at the till",
    description='`{"amount_minor": 2500}`, cash or card, up to what is left to pay (422 '
    "naming `amount_minor` beyond it). A closed campaign answers 409 `campaign_closed`.",
)
def till_payment(request, pledge_id: ObjectId, payload: TillPaymentBody):
    business = _money(request)
    pledge = selectors.get_pledge(business, pledge_id)
    data = _body(TillPaymentInput, payload)
    services.record_till_payment(business, request.auth.user, pledge, data)
    return selectors.get_pledge(business, pledge_id)


@money_router.post(
    "/statements",
    response={
        200: ChipInStatementOut,
        201: ChipInStatementOut,
        **problem_responses(400, 401, 403, 413, 422),
    },
    summary="Upload a bank statement",
    description="A multipart upload of `file`: the CAMT.053 (or .052, .054) XML file or the "
    "CSV export of the account's movements. Each credit quoting a pledge's RF reference pays "
    "it; one without a readable reference is suggested for a pledge of that amount from "
    "someone of that name; what was paid twice or too late is owed back. 201 with the counts; "
    "the same file again answers 200 with the first upload's counts and changes nothing. A "
    "file that is not a statement answers 400 `statement_unreadable`.",
)
def upload_statement(request, file: File[UploadedFile]):
    business = _money(request)
    outcome = reconcile.reconcile_statement(
        business, request.auth.user, file, filename=file.name or ""
    )
    return Status(200 if outcome.replayed else 201, outcome.value)


@money_router.get(
    "/statements",
    response={200: list[ChipInStatementOut], **problem_responses(401, 403, 422)},
    summary="List the uploaded statements",
    description="Newest first.",
)
@paginate(LimitOffset)
def list_statements(request):
    return selectors.statements(_money(request))


@money_router.get(
    "/statements/{statement_id}",
    response={200: ChipInStatementDetailOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a statement and its credits",
    description="Each credit with its status and the pledge it paid or may be for.",
)
def get_statement(request, statement_id: ObjectId):
    return selectors.get_statement(_money(request), statement_id)


@money_router.get(
    "/statements/{statement_id}/credits",
    response={200: list[ChipInCreditOut], **problem_responses(401, 403, 404, 422)},
    summary="List a statement's credits, a page at a time",
    description="The credits of a statement in the order of the file; `status` keeps one kind "
    "(`suggested` and `unmatched` are the ones for staff to decide).",
)
@paginate(LimitOffset)
def list_statement_credits(
    request,
    statement_id: ObjectId,
    status: Literal["matched", "suggested", "unmatched", "duplicate", "refunded", "ignored"]
    | None = None,
):
    business = _money(request)
    statement = selectors.get_statement(business, statement_id)
    return selectors.credits(business, statement=statement, status=status)


@money_router.post(
    "/credits/{credit_id}/decision",
    response={200: ChipInCreditOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Decide on a credit the statement could not place",
    description="`action`: `accept` (the suggested pledge), `assign` (to `pledge_id`), "
    "`refund` (owed back to the payer) or `ignore` (not for a campaign). A credit already "
    "dealt with answers 409.",
)
def decide_credit(request, credit_id: ObjectId, payload: CreditDecisionInput):
    business = _money(request)
    credit = selectors.get_credit(business, credit_id)
    return reconcile.decide_credit(business, request.auth.user, credit, payload).value


# --- the pledger (no token) ---------------------------------------------------------------------


@public_router.post(
    "/pledges/confirm",
    response={200: ChipInConfirmedOut, **problem_responses(400, 404, 409, 422)},
    summary="Confirm a pledge",
    description='No token: `{"token": "…"}` from the link of the pledge\'s e-mail. The '
    "pledge then waits for the transfer, and the pledger is e-mailed how to pay. Again: the "
    "same answer. An unknown token answers 404; a pledge that lapsed on a campaign that no "
    "longer needs it, 409 `campaign_closed`.",
)
def confirm_pledge(request, payload: ChipInConfirmInput):
    not_found = NotFound(_("This link is not valid: it may have been mistyped."))
    business = selectors.business_of_pledge_token(services.token_hash(payload.token))
    if business is None:
        raise not_found
    with business_scope(business):
        pledge = services.confirm_pledge(business, payload.token).value
        bank = selectors.bank_details(business)
        return {
            "status": pledge.status,
            "campaign_title": pledge.campaign.title,
            "amount_minor": pledge.amount_minor,
            "left_minor": pledge.left_minor,
            "currency": pledge.currency,
            "reference": references.format_rf(pledge.reference),
            "pay_by": pledge.hold_until,
            "bank": None
            if bank is None
            else {"holder": bank.holder, "iban": bank.iban, "bic": bank.bic},
        }


# --- the peer -----------------------------------------------------------------------------------


class ChipInMyCampaignOut(ChipInCampaignDetailOut):
    """A campaign the peer started for themselves."""


@peer_router.get(
    "/chipin/campaigns",
    response={200: list[ChipInMyCampaignOut], **problem_responses(401, 403, 422)},
    summary="Your chip-in campaigns",
    description="The campaigns you started for yourself, newest first.",
)
@paginate(LimitOffset)
def my_campaigns(request):
    peer = token_peer(request)
    return selectors.campaigns_of_user(request.business, peer.user)


@peer_router.post(
    "/chipin/campaigns",
    response={201: ChipInMyCampaignOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Start a chip-in campaign for yourself",
    description="In a published chip-in program: for a product (`product_id`) or a gift "
    "amount (`goal_minor`), never both, with a `title`, a `deadline` and a `message` for "
    "your friends. Share the link of /share-link.",
)
def start_my_campaign(request, payload: CampaignInput):
    peer = token_peer(request)
    campaign = services.start_campaign(request.business, peer.user, payload).value
    return Status(201, selectors.get_campaign(request.business, campaign.pk))


@peer_router.post(
    "/chipin/campaigns/{campaign_id}/photo",
    response={200: ChipInMyCampaignOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Give your campaign its photo",
    description="Multipart `file`, as for the staff's: the picture of your campaign's page and "
    "of its link previews. Someone else's campaign answers 404.",
)
def my_campaign_photo(request, campaign_id: ObjectId, file: File[UploadedFile] = None):
    peer = token_peer(request)
    campaign = selectors.get_campaign(request.business, campaign_id)
    if campaign.beneficiary_id != peer.user_id:
        raise NotFound(_("No such campaign."))
    data = _photo_bytes(file)
    return services.set_campaign_photo(request.business, peer.user, campaign, data).value


@peer_router.get(
    "/chipin/campaigns/{campaign_id}/share-link",
    response={200: ChipInShareLinkOut, **problem_responses(401, 403, 404, 422)},
    summary="The link you share for a campaign",
    description="Your own campaign's, or one on the shop's page: pledges made through your "
    "link are credited to you. A campaign not on the shop's page and not yours answers 404.",
)
def my_share_link(request, campaign_id: ObjectId):
    peer = token_peer(request)
    campaign = selectors.get_campaign(request.business, campaign_id)
    if campaign.beneficiary_id != peer.user_id and not campaign.public:
        raise NotFound(_("No such campaign."))
    link = services.share_link_for(request.business, campaign, peer.user)
    return {"url": services.public_url(campaign, link), "kind": link.kind, "name": link.name}
