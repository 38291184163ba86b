"""Rewards through the API: for the staff, the overview, rules, settings, budgets, causes,
badges, held rewards, vouchers at the till, the ledger and its check, and payout batches with
their SEPA file; for a peer's own token, the wallet, its movements and statements, the form of
their rewards, their bank account and points turned into vouchers."""

from contextlib import contextmanager
from datetime import date, datetime

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Path, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from peerarmy.errors import ValidationFailed
from peerarmy.peers.models import Peer
from peerarmy.peers.selectors import get_peer_for_business
from peerarmy.programs.selectors import get_program_for_business
from peerarmy.rewards import checks, ledger, payouts, selectors, services, statements
from peerarmy.rewards.iban import mask_iban
from peerarmy.rewards.models import (
    AccountKind,
    Badge,
    BatchKind,
    BatchStatus,
    Cause,
    Condition,
    Entry,
    Event,
    Payout,
    PayoutBatch,
    PayoutDetails,
    PeerRewardChoice,
    Reward,
    RewardKind,
    RewardRule,
    RewardStatus,
    Transaction,
    TransactionKind,
    Voucher,
)

from .auth import PeerTokenAuth, member_business, token_peer
from .pagination import LimitOffset
from .params import MAX_ID, ObjectId, Text, first_or_404
from .problems import problem_responses
from .scheduling import (
    FIRST_YEAR,
    IDEMPOTENCY_KEY_MAX,
    LAST_YEAR,
    Day,
    IdempotencyKeyReused,
    PeerRef,
    ProgramRef,
)

router = Router(tags=["rewards"])
payouts_router = Router(tags=["payouts"])
wallet_router = Router(tags=["me (peers)"], auth=PeerTokenAuth())

# Far beyond any real reward or balance (ten billion euros), and far from the 64-bit columns'
# limit, so that sums of them cannot overflow either.
MAX_MINOR = 10**12
MAX_THRESHOLD = 1_000_000  # minutes, or times: the column is a 32-bit integer
MAX_POINTS_RATE = 1_000_000
MAX_VALIDITY_DAYS = 3653  # ten years
VOUCHER_CODE_MAX = 40  # codes are 14 characters; room for spaces a till may add

VoucherCode = Path[
    Text,
    {"max_length": VOUCHER_CODE_MAX, "description": "The voucher's code, e.g. ABCD-EFGH-JKLM."},
]
Year = Path[int, {"ge": FIRST_YEAR, "le": LAST_YEAR, "description": "The year, e.g. 2026."}]
Month = Path[int, {"ge": 0, "le": 12, "description": "1 to 12, or 0 for the whole year."}]


@contextmanager
def _fields_renamed(**names):
    """The services name a field as they take it (`badge`); the API as the client sends it
    (`badge_id`)."""
    try:
        yield
    except ValidationFailed as exc:
        if exc.field in names:
            exc.field = names[exc.field]
        raise


def _masked(iban):
    return mask_iban(iban) if iban else ""


# --- lookups: always through the token's business ------------------------------------------


def _program_or_404(business, program_id):
    program = get_program_for_business(business, program_id)
    if program is None:
        raise Http404
    return program


def _peer_or_404(business, peer_id):
    peer = get_peer_for_business(business, peer_id)
    if peer is None:
        raise Http404
    return peer


def _rule_or_404(business, rule_id):
    return first_or_404(RewardRule.objects.filter(business=business, pk=rule_id))


def _reward_or_404(business, reward_id):
    return first_or_404(
        Reward.objects.filter(business=business, pk=reward_id).select_related("peer", "program")
    )


def _transactions(business):
    return (
        Transaction.objects.filter(business=business)
        .select_related("claim__block__program", "reversed_by")
        .prefetch_related(
            Prefetch("entries", queryset=Entry.objects.select_related("account").order_by("id"))
        )
        .order_by("-occurred_at", "-id")
    )


def _transaction_or_404(business, transaction_id):
    return first_or_404(_transactions(business).filter(pk=transaction_id))


def _batches(business):
    return PayoutBatch.objects.filter(business=business).annotate(payout_count=Count("payouts"))


def _batch_or_404(business, batch_id):
    return first_or_404(
        _batches(business)
        .filter(pk=batch_id)
        .prefetch_related(Prefetch("payouts", queryset=Payout.objects.order_by("id")))
    )


def _payout_or_404(business, payout_id):
    return first_or_404(Payout.objects.filter(business=business, pk=payout_id))


def _voucher_or_404(business, code):
    return first_or_404(
        Voucher.objects.filter(business=business, code=code.strip().upper()).select_related(
            "account"
        )
    )


# --- what goes out: the staff's side -------------------------------------------------------


class RewardOut(Schema):
    id: int
    peer: PeerRef
    program: ProgramRef
    event: str = Field(description="The event that earned it, e.g. block.completed.")
    kind: str = Field(description="cash, points, voucher or donation.")
    amount: int = Field(description="Cents, or points when `unit` is PTS.")
    unit: str = Field(description="The currency (EUR), or PTS for points.")
    budget_minor: int = Field(description="What it costs the program's monthly budget.")
    status: str = Field(description="posted, held (over budget) or declined.")
    created_at: datetime
    decided_at: datetime | None
    decline_reason: str


class BudgetOut(Schema):
    program_id: int
    program_title: str
    monthly_budget_minor: int | None = Field(description="null: no budget.")
    spent_this_month_minor: int


class NearCeilingOut(Schema):
    peer_id: int
    peer_name: str
    earned_this_year_minor: int


class OverviewOut(Schema):
    currency: str
    owed_to_peers_minor: int = Field(description="Earned by peers, not yet sent to the bank.")
    donations_owed_minor: int = Field(description="Given to causes, not yet sent to the bank.")
    in_transit_minor: int = Field(description="Sent to the bank, not yet confirmed paid.")
    vouchers_outstanding_minor: int = Field(description="Left on vouchers not yet redeemed.")
    budgets: list[BudgetOut]
    held: list[RewardOut] = Field(description="Rewards over budget, oldest first.")
    yearly_ceiling_minor: int = Field(description="What a peer should earn at most in a year.")
    near_ceiling: list[NearCeilingOut] = Field(
        description="Peers at or past the warning share of the yearly ceiling."
    )


class RuleOut(Schema):
    id: int
    program_id: int
    event: str
    condition: str
    threshold: int = Field(description="N, for the conditions min_minutes, nth and every_nth.")
    reward: str = Field(description="cash, points, voucher, badge or donation.")
    amount: int = Field(description="Cents, or points for a points reward.")
    from_event: bool = Field(description="Pay what the block promised instead of `amount`.")
    badge_id: int | None
    cause_id: int | None
    active: bool
    created_at: datetime


class SettingsOut(Schema):
    debtor_name: str = Field(description="The holder of the account payouts come from.")
    debtor_iban: str = Field(description="That account's IBAN, masked.")
    debtor_bic: str
    payout_minimum_minor: int = Field(description="Balances below it wait for the next run.")
    points_per_euro: int = Field(description="Points for one euro of voucher.")
    voucher_validity_days: int
    yearly_ceiling_minor: int = Field(description="0: no warning.")
    ceiling_warning_percent: int

    @staticmethod
    def resolve_debtor_iban(settings):
        return _masked(settings.debtor_iban)


class ProgramRewardsOut(Schema):
    program_id: int
    monthly_budget_minor: int | None = Field(description="null: no budget.")
    peer_chooses: bool = Field(description="Peers choose the form of their cash rewards.")
    spent_this_month_minor: int


class CauseOut(Schema):
    id: int
    name_it: str
    name_en: str
    description_it: str
    description_en: str
    account_holder: str
    iban: str = Field(description="Masked.")
    bic: str
    active: bool

    @staticmethod
    def resolve_iban(cause):
        return _masked(cause.iban)


class BadgeOut(Schema):
    id: int
    slug: str
    name_it: str
    name_en: str
    description_it: str
    description_en: str


class EntryOut(Schema):
    account: str = Field(description="The account's name in the journal.")
    unit: str
    amount: int = Field(description="Debit positive, credit negative; minor units or points.")

    @staticmethod
    def resolve_account(entry):
        return entry.account.name


class TransactionOut(Schema):
    id: int
    key: str = Field(description="Its cause: the same cause is posted once.")
    kind: str
    reason: str = Field(description="A code, e.g. reward.cash or payout.sent.")
    description: str = Field(description="The reason in words, in the request's language.")
    memo: str
    peer_id: int | None
    program_id: int | None
    claim_id: int | None
    reverses_id: int | None = Field(description="The transaction this one corrects.")
    reversed_by_id: int | None = Field(description="The correction of this one, if any.")
    occurred_at: datetime
    created_at: datetime
    entries: list[EntryOut] = Field(description="They sum to zero in each unit.")

    @staticmethod
    def resolve_description(txn, context):
        return selectors.describe(txn, context["request"].business)

    @staticmethod
    def resolve_reversed_by_id(txn):
        try:
            return txn.reversed_by.pk
        except ObjectDoesNotExist:
            return None

    @staticmethod
    def resolve_entries(txn):
        return txn.entries.all()


class VoucherOut(Schema):
    code: str
    value_minor: int
    remaining_minor: int
    currency: str
    expires_at: datetime
    expired: bool
    peer_id: int | None
    created_at: datetime


class RedemptionOut(Schema):
    code: str
    amount_minor: int = Field(description="Taken off the voucher by this redemption.")
    remaining_minor: int
    currency: str
    transaction_id: int
    redeemed_at: datetime


class ViolationOut(Schema):
    code: str
    message: str


class LedgerCheckOut(Schema):
    ok: bool = Field(description="True when the books are sound.")
    violations: list[ViolationOut]
    totals: dict[str, int] = Field(description="The sum of every entry per unit: all zero.")


# --- what comes in: the staff's side -------------------------------------------------------


class RuleFieldsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    condition: Condition = Condition.ALWAYS
    threshold: int = Field(0, ge=0, le=MAX_THRESHOLD)
    amount: int = Field(0, ge=0, le=MAX_MINOR, description="Cents, or points.")
    from_event: bool = False
    badge_id: int | None = Field(None, ge=1, le=MAX_ID, description="For a badge reward.")
    cause_id: int | None = Field(None, ge=1, le=MAX_ID, description="For a donation.")


class RuleIn(RuleFieldsIn):
    program_id: int = Field(ge=1, le=MAX_ID)
    event: Event
    reward: RewardKind


class RulePatch(Schema):
    """Only the fields sent change; the program of a rule cannot change."""

    model_config = ConfigDict(extra="forbid")

    # A default of None that the type refuses: leaving a field out keeps it, null is an error.
    event: Event = None
    condition: Condition = None
    threshold: int = Field(None, ge=0, le=MAX_THRESHOLD)
    reward: RewardKind = None
    amount: int = Field(None, ge=0, le=MAX_MINOR)
    from_event: bool = None
    badge_id: int | None = Field(None, ge=1, le=MAX_ID)
    cause_id: int | None = Field(None, ge=1, le=MAX_ID)
    active: bool = None


def _rule_values(data):
    for name in ("badge", "cause"):
        if f"{name}_id" in data:
            data[name] = data.pop(f"{name}_id")
    return data


class SettingsPatch(Schema):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    debtor_name: Text = Field(None, max_length=70)
    debtor_iban: Text = Field(None, max_length=50, description="Empty to remove it.")
    debtor_bic: Text = Field(None, max_length=20)
    payout_minimum_minor: int = Field(None, ge=1, le=MAX_MINOR)
    points_per_euro: int = Field(None, ge=1, le=MAX_POINTS_RATE)
    voucher_validity_days: int = Field(None, ge=1, le=MAX_VALIDITY_DAYS)
    yearly_ceiling_minor: int = Field(None, ge=0, le=MAX_MINOR)
    ceiling_warning_percent: int = Field(None, ge=1, le=100)


class ProgramRewardsPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    monthly_budget_minor: int | None = Field(
        None, ge=0, le=MAX_MINOR, description="null: no budget."
    )
    peer_chooses: bool = None


class CauseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name_it: Text = Field("", max_length=120)
    name_en: Text = Field("", max_length=120)
    description_it: Text = Field("", max_length=300)
    description_en: Text = Field("", max_length=300)
    account_holder: Text = Field(max_length=70)
    iban: Text = Field(max_length=50, description="Spaces and lower case are fine.")
    bic: Text = Field("", max_length=20)


class BadgeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    slug: Text = Field("", max_length=50, description="Made from the name if left out.")
    name_it: Text = Field("", max_length=80)
    name_en: Text = Field("", max_length=80)
    description_it: Text = Field("", max_length=200)
    description_en: Text = Field("", max_length=200)


class DeclineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    # Required, but checked after the reward is found, so that another business's reward id
    # is a 404 whatever the body says.
    reason: Text = Field("", max_length=300, description="The peer reads it. Required.")


class RedeemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: Text = Field(max_length=VOUCHER_CODE_MAX)
    amount_minor: int = Field(ge=1, le=MAX_MINOR, description="Cents to take off the voucher.")


class MemoIn(Schema):
    model_config = ConfigDict(extra="forbid")

    memo: Text = Field("", max_length=300, description="Why. Required.")


class AdjustIn(Schema):
    model_config = ConfigDict(extra="forbid")

    # Both required, but checked after the peer is found, so that another business's peer id
    # is a 404 whatever the body says.
    amount_minor: int | None = Field(
        None,
        ge=-MAX_MINOR,
        le=MAX_MINOR,
        description="Cents added to what the peer is owed; negative to take some off. Required.",
    )
    memo: Text = Field("", max_length=300, description="Why. Required.")


# --- overview, rules, settings, budgets ----------------------------------------------------


@router.get(
    "/overview",
    response={200: OverviewOut, **problem_responses(401, 403)},
    summary="The rewards overview",
    description="What the business owes (peers, causes), what is in transit to the bank, "
    "what is left on vouchers, each program's budget and spending this month, the rewards "
    "held over budget and the peers near the yearly ceiling.",
)
def overview(request):
    business = member_business(request)
    found = selectors.overview(business)
    return {
        "currency": found.currency,
        "owed_to_peers_minor": found.owed_to_peers,
        "donations_owed_minor": found.donations_owed,
        "in_transit_minor": found.in_transit,
        "vouchers_outstanding_minor": found.vouchers_outstanding,
        "budgets": [
            {
                "program_id": program.pk,
                "program_title": program.title,
                "monthly_budget_minor": budget,
                "spent_this_month_minor": spent,
            }
            for program, budget, spent in found.budgets
        ],
        "held": found.held,
        "yearly_ceiling_minor": services.rewards_settings(business).yearly_ceiling_minor,
        "near_ceiling": [
            {"peer_id": peer.pk, "peer_name": peer.display_name, "earned_this_year_minor": earned}
            for peer, earned in found.near_ceiling
        ],
    }


class RuleFilters(Schema):
    program: int | None = Field(None, ge=1, le=MAX_ID, description="A program id.")
    active: bool | None = None


@router.get(
    "/rules",
    response={200: list[RuleOut], **problem_responses(401, 403, 422)},
    summary="List reward rules",
    description="By program, then event.",
)
@paginate(LimitOffset)
def list_rules(request, filters: Query[RuleFilters]):
    business = member_business(request)
    qs = RewardRule.objects.filter(business=business).order_by("program_id", "event", "id")
    if filters.program is not None:
        qs = qs.filter(program_id=filters.program)
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    return qs


@router.post(
    "/rules",
    response={201: RuleOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Create a reward rule",
    description="On `event`, if `condition` (with N in `threshold`), give `reward`: `amount` "
    "cents (points for points), or with `from_event` what the block promised; a badge "
    "(`badge_id`) or a donation to a cause (`cause_id`). A program id of another business "
    "answers 404; a badge or cause of another business 422 naming the field.",
)
def add_rule(request, payload: RuleIn):
    business = member_business(request)
    data = _rule_values(payload.model_dump())
    program = _program_or_404(business, data.pop("program_id"))
    with _fields_renamed(badge="badge_id", cause="cause_id"):
        rule = services.create_rule(business, request.auth.user, program, **data)
    return Status(201, rule)


@router.patch(
    "/rules/{rule_id}",
    response={200: RuleOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Change a reward rule",
    description="Only the fields sent change; `active: false` turns it off.",
)
def patch_rule(request, rule_id: ObjectId, payload: RulePatch):
    business = member_business(request)
    rule = _rule_or_404(business, rule_id)
    data = _rule_values(payload.model_dump(exclude_unset=True))
    with _fields_renamed(badge="badge_id", cause="cause_id"):
        return services.update_rule(business, request.auth.user, rule, **data)


@router.get(
    "/settings",
    response={200: SettingsOut, **problem_responses(401, 403)},
    summary="Get the rewards settings",
)
def get_settings(request):
    return services.rewards_settings(member_business(request))


@router.patch(
    "/settings",
    response={200: SettingsOut, **problem_responses(400, 401, 403, 422)},
    summary="Change the rewards settings (owner)",
    description="Only the fields sent change. The business's bank account (`debtor_name`, "
    "`debtor_iban`, `debtor_bic`) is where payouts come from; an IBAN is checked (checksum, "
    "SEPA country). Only the owner may change them (403 otherwise).",
)
def patch_settings(request, payload: SettingsPatch):
    business = member_business(request)
    return services.update_settings(
        business, request.auth.user, **payload.model_dump(exclude_unset=True)
    )


def _program_rewards_out(business, program):
    found = services.program_rewards(program)
    month = services.local_month(business, timezone.now())
    spent = ledger.budget_spent(program.pk, month)
    return {
        "program_id": program.pk,
        "monthly_budget_minor": found.monthly_budget_minor,
        "peer_chooses": found.peer_chooses,
        "spent_this_month_minor": spent or 0,
    }


@router.get(
    "/programs/{program_id}",
    response={200: ProgramRewardsOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a program's budget and reward form",
)
def get_program_rewards(request, program_id: ObjectId):
    business = member_business(request)
    return _program_rewards_out(business, _program_or_404(business, program_id))


@router.patch(
    "/programs/{program_id}",
    response={200: ProgramRewardsOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Set a program's budget and reward form (owner)",
    description="`monthly_budget_minor`: rewards beyond it in a month wait for the owner "
    "(null: no budget). `peer_chooses`: the program's peers choose cash, points, shop credit "
    "or a donation for their cash rewards. Only the owner (403 otherwise).",
)
def patch_program_rewards(request, program_id: ObjectId, payload: ProgramRewardsPatch):
    business = member_business(request)
    program = _program_or_404(business, program_id)
    services.update_program_rewards(
        business, request.auth.user, program, **payload.model_dump(exclude_unset=True)
    )
    return _program_rewards_out(business, program)


# --- causes and badges ---------------------------------------------------------------------


@router.get(
    "/causes",
    response={200: list[CauseOut], **problem_responses(401, 403, 422)},
    summary="List causes",
)
@paginate(LimitOffset)
def list_causes(request):
    return Cause.objects.filter(business=member_business(request)).order_by("name_it", "id")


@router.post(
    "/causes",
    response={201: CauseOut, **problem_responses(400, 401, 403, 422)},
    summary="Add a cause (owner)",
    description="A cause peers may give their rewards to, with the bank account donations "
    "are paid to. Only the owner (403 otherwise).",
)
def add_cause(request, payload: CauseIn):
    business = member_business(request)
    cause = services.create_cause(business, request.auth.user, **payload.model_dump())
    return Status(201, cause)


@router.get(
    "/badges",
    response={200: list[BadgeOut], **problem_responses(401, 403, 422)},
    summary="List badges",
)
@paginate(LimitOffset)
def list_badges(request):
    return Badge.objects.filter(business=member_business(request)).order_by("slug", "id")


@router.post(
    "/badges",
    response={201: BadgeOut, **problem_responses(400, 401, 403, 422)},
    summary="Add a badge",
    description="A code (`slug`, made from the name if left out) unique in the business.",
)
def add_badge(request, payload: BadgeIn):
    business = member_business(request)
    if not (payload.name_it.strip() or payload.name_en.strip()):
        raise ValidationFailed(_("Give the badge a name."), field="name_it")
    try:
        badge = services.create_badge(business, request.auth.user, **payload.model_dump())
    except IntegrityError as exc:  # the same code made by a concurrent request
        raise ValidationFailed(_("A badge with this code exists already."), field="slug") from exc
    return Status(201, badge)


# --- rewards held over budget --------------------------------------------------------------


class HeldFilters(Schema):
    program: int | None = Field(None, ge=1, le=MAX_ID, description="A program id.")


@router.get(
    "/held",
    response={200: list[RewardOut], **problem_responses(401, 403, 422)},
    summary="List rewards held over budget",
    description="Oldest first: each waits for the owner to approve or decline it.",
)
@paginate(LimitOffset)
def list_held(request, filters: Query[HeldFilters]):
    business = member_business(request)
    qs = Reward.objects.filter(business=business, status=RewardStatus.HELD)
    if filters.program is not None:
        qs = qs.filter(program_id=filters.program)
    return qs.select_related("peer", "program").order_by("created_at", "id")


@router.post(
    "/held/{reward_id}/approve",
    response={200: RewardOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Pay a held reward (owner)",
    description="Pays it although it goes over the month's budget. A reward no longer "
    "waiting answers 409.",
)
def approve_held(request, reward_id: ObjectId):
    business = member_business(request)
    reward = _reward_or_404(business, reward_id)
    services.approve_held_reward(business, request.auth.user, reward.pk)
    return _reward_or_404(business, reward.pk)


@router.post(
    "/held/{reward_id}/decline",
    response={200: RewardOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Decline a held reward (owner)",
    description="The peer is e-mailed the reason (required).",
)
def decline_held(request, reward_id: ObjectId, payload: DeclineIn):
    business = member_business(request)
    reward = _reward_or_404(business, reward_id)
    services.decline_held_reward(business, request.auth.user, reward.pk, reason=payload.reason)
    return _reward_or_404(business, reward.pk)


# --- vouchers at the till ------------------------------------------------------------------


def _voucher_out(voucher):
    return {
        "code": voucher.code,
        "value_minor": voucher.value_minor,
        "remaining_minor": services.voucher_remaining(voucher),
        "currency": voucher.currency,
        "expires_at": voucher.expires_at,
        "expired": voucher.expires_at <= timezone.now(),
        "peer_id": voucher.peer_id,
        "created_at": voucher.created_at,
    }


@router.post(
    "/vouchers/redeem",
    response={
        200: RedemptionOut,
        201: RedemptionOut,
        **problem_responses(400, 401, 403, 409, 422),
    },
    summary="Redeem a voucher at the till",
    description=(
        "Takes `amount_minor` off the voucher (partial redemption is fine) and answers what is "
        "left (201). Send an `Idempotency-Key` header (any text up to 100 characters, new for "
        "each redemption you mean to make): a retry with the same key, after a lost response, "
        "answers 200 with the same redemption instead of redeeming twice. The same key sent "
        "for another voucher or amount answers 409 `idempotency_key_reused`. An unknown or "
        "expired code answers 422 naming `code`; more than is left, 409 "
        "`insufficient_balance`."
    ),
)
def redeem(
    request,
    payload: RedeemIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=IDEMPOTENCY_KEY_MAX,
        description="Makes retries safe: the same key redeems once.",
    ),
):
    business = member_business(request)
    key = (idempotency_key or "").strip()
    started = timezone.now()
    txn = services.redeem_voucher(
        business,
        request.auth.user,
        payload.code,
        payload.amount_minor,
        key=f"voucher.redeemed:key:{key}" if key else None,
    )
    voucher = _voucher_or_404(business, payload.code)  # the service found it
    taken = Entry.objects.filter(transaction=txn, account_id=voucher.account_id).first()
    if (
        txn.kind != TransactionKind.REDEMPTION
        or taken is None
        or taken.amount != payload.amount_minor
    ):
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was already used for another voucher or amount.")
        )
    body = {
        "code": voucher.code,
        "amount_minor": taken.amount,
        "remaining_minor": services.voucher_remaining(voucher),
        "currency": voucher.currency,
        "transaction_id": txn.pk,
        "redeemed_at": txn.occurred_at,
    }
    return Status(200 if txn.created_at < started else 201, body)


@router.get(
    "/vouchers/{code}",
    response={200: VoucherOut, **problem_responses(401, 403, 404, 422)},
    summary="Look a voucher up",
    description="Its value, what is left, until when it is valid and whose it is. Spaces and "
    "lower case in the code are fine.",
)
def get_voucher(request, code: VoucherCode):
    return _voucher_out(_voucher_or_404(member_business(request), code))


# --- the ledger ----------------------------------------------------------------------------


class TransactionFilters(Schema):
    peer: int | None = Field(None, ge=1, le=MAX_ID, description="A peer id.")
    kind: TransactionKind | None = None


@router.get(
    "/transactions",
    response={200: list[TransactionOut], **problem_responses(401, 403, 422)},
    summary="List ledger transactions",
    description="Newest first, each with its entries (account, unit, signed amount) and its "
    "reason in words.",
)
@paginate(LimitOffset)
def list_transactions(request, filters: Query[TransactionFilters]):
    business = member_business(request)
    qs = _transactions(business)
    if filters.peer is not None:
        qs = qs.filter(peer_id=filters.peer)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    return qs


@router.post(
    "/transactions/{transaction_id}/correct",
    response={
        200: TransactionOut,
        201: TransactionOut,
        **problem_responses(400, 401, 403, 404, 409, 422),
    },
    summary="Correct a transaction (owner)",
    description="Posts its exact opposite with a note saying why (`memo`, required) and "
    "answers the correction (201). A transaction is corrected once: again, the same "
    "correction (200). A correction cannot itself be corrected (409); a correction that "
    "would take a balance below zero answers 409 `insufficient_balance`.",
)
def correct(request, transaction_id: ObjectId, payload: MemoIn):
    business = member_business(request)
    original = _transaction_or_404(business, transaction_id)
    corrected_before = Transaction.objects.filter(business=business, reverses=original).exists()
    reversal = services.correct_transaction(
        business, request.auth.user, original.pk, memo=payload.memo
    )
    return Status(200 if corrected_before else 201, _transaction_or_404(business, reversal.pk))


@router.post(
    "/peers/{peer_id}/adjust",
    response={201: TransactionOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Adjust what a peer is owed (owner)",
    description="Adds `amount_minor` cents (negative: takes them off, not below zero: 409 "
    "`insufficient_balance`) with a note (`memo`, required) the peer reads.",
)
def adjust(request, peer_id: ObjectId, payload: AdjustIn):
    business = member_business(request)
    peer = _peer_or_404(business, peer_id)
    if payload.amount_minor is None:
        raise ValidationFailed(_("Enter the amount in cents."), field="amount_minor")
    txn = services.adjust_peer_balance(
        business, request.auth.user, peer, payload.amount_minor, memo=payload.memo
    )
    return Status(201, _transaction_or_404(business, txn.pk))


@router.get(
    "/ledger/check",
    response={200: LedgerCheckOut, **problem_responses(401, 403)},
    summary="Check the books",
    description="Verifies the ledger from its entries up (what `peerarmy ledger check` runs): "
    "balanced transactions, stored balances equal to their entries, no floored balance below "
    "zero, exact corrections, budgets in step with the rewards.",
)
def ledger_check(request):
    business = member_business(request)
    violations = checks.check_business(business.pk)
    return {
        "ok": not violations,
        "violations": [{"code": v.code, "message": v.message} for v in violations],
        "totals": checks.totals_by_unit(business.pk),
    }


# --- payouts -------------------------------------------------------------------------------


class PayoutOut(Schema):
    id: int
    batch_id: int
    peer_id: int | None
    cause_id: int | None
    account_holder: str
    iban: str = Field(description="Masked: only the country, check digits and last four.")
    bic: str
    amount_minor: int
    end_to_end_id: str
    status: str = Field(description="included, sent, paid, returned or cancelled.")
    return_reason: str

    @staticmethod
    def resolve_iban(payout):
        return _masked(payout.iban)


class BatchOut(Schema):
    id: int
    kind: str = Field(description="peers or donations.")
    status: str = Field(description="prepared, approved, sent, paid or cancelled.")
    currency: str
    total_minor: int
    payout_count: int
    message_id: str = Field(description="The SEPA file's message id.")
    execution_date: date | None
    prepared_by_id: int | None
    approved_by_id: int | None
    created_at: datetime
    approved_at: datetime | None
    sent_at: datetime | None
    paid_at: datetime | None
    cancelled_at: datetime | None


class BatchDetailOut(BatchOut):
    payouts: list[PayoutOut]

    @staticmethod
    def resolve_payouts(batch):
        return batch.payouts.all()


class SkippedOut(Schema):
    peer_id: int
    peer_name: str
    reason: str


class PreparedOut(Schema):
    batch: BatchDetailOut
    skipped: list[SkippedOut] = Field(description="Peers left out of the run, and why.")


class BatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: BatchKind = BatchKind.PEERS
    execution_date: Day | None = Field(
        None, description="When the bank should pay (YYYY-MM-DD); today if left out."
    )


class ReturnIn(Schema):
    model_config = ConfigDict(extra="forbid")

    # Required, but checked after the payout is found (another business's id is a 404).
    reason: Text = Field("", max_length=200, description="The bank's reason. Required.")


class BatchFilters(Schema):
    status: BatchStatus | None = None
    kind: BatchKind | None = None


@payouts_router.get(
    "/batches",
    response={200: list[BatchOut], **problem_responses(401, 403, 422)},
    summary="List payout batches",
    description="Newest first.",
)
@paginate(LimitOffset)
def list_batches(request, filters: Query[BatchFilters]):
    qs = _batches(member_business(request))
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    return qs.order_by("-created_at", "-id")


@payouts_router.post(
    "/batches",
    response={201: PreparedOut, **problem_responses(400, 401, 403, 422)},
    summary="Prepare a payout batch",
    description="Gathers every peer balance at or above the payout minimum (`kind: peers`) "
    "or every donation owed (`kind: donations`) that is not in an open batch. Peers without "
    "a bank account are left out and listed in `skipped`. Nothing to pay answers 422. The "
    "owner approves it next; whoever prepared it cannot.",
)
def prepare(request, payload: BatchIn):
    business = member_business(request)
    if payload.execution_date is not None and payload.execution_date < timezone.localdate(
        timezone=business.tzinfo
    ):
        raise ValidationFailed(
            _("The bank cannot pay on a day in the past: choose today or later."),
            field="execution_date",
        )
    batch, skipped = payouts.prepare_batch(
        business, request.auth.user, kind=payload.kind, execution_date=payload.execution_date
    )
    names = dict(
        Peer.objects.filter(business=business, pk__in=[p for p, _r in skipped]).values_list(
            "pk", "display_name"
        )
    )
    return Status(
        201,
        {
            "batch": _batch_or_404(business, batch.pk),
            "skipped": [
                {"peer_id": peer_id, "peer_name": names.get(peer_id, ""), "reason": str(reason)}
                for peer_id, reason in skipped
            ],
        },
    )


@payouts_router.get(
    "/batches/{batch_id}",
    response={200: BatchDetailOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a payout batch",
    description="With its payouts; IBANs are masked.",
)
def get_batch(request, batch_id: ObjectId):
    return _batch_or_404(member_business(request), batch_id)


def _batch_step(request, batch_id, step):
    business = member_business(request)
    batch = _batch_or_404(business, batch_id)
    step(business, request.auth.user, batch.pk)
    return _batch_or_404(business, batch.pk)


@payouts_router.post(
    "/batches/{batch_id}/approve",
    response={200: BatchDetailOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Approve a payout batch (owner)",
    description="Money out needs two people: only the owner approves, and not a batch they "
    "prepared themselves (403).",
)
def approve_batch(request, batch_id: ObjectId):
    return _batch_step(request, batch_id, payouts.approve_batch)


@payouts_router.post(
    "/batches/{batch_id}/cancel",
    response={200: BatchDetailOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Cancel a payout batch",
    description="Before it is sent to the bank; the balances stay owed.",
)
def cancel_batch(request, batch_id: ObjectId):
    return _batch_step(request, batch_id, payouts.cancel_batch)


@payouts_router.post(
    "/batches/{batch_id}/sent",
    response={200: BatchDetailOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Mark a payout batch sent to the bank",
    description="Each payout leaves the peer's balance and is in transit; each peer is "
    "e-mailed. A balance that no longer covers its payout refuses the whole step (409).",
)
def batch_sent(request, batch_id: ObjectId):
    return _batch_step(request, batch_id, payouts.mark_sent)


@payouts_router.post(
    "/batches/{batch_id}/paid",
    response={200: BatchDetailOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Mark a payout batch paid",
    description="The bank confirmed the transfers.",
)
def batch_paid(request, batch_id: ObjectId):
    return _batch_step(request, batch_id, payouts.mark_paid)


@payouts_router.get(
    "/batches/{batch_id}/sepa.xml",
    response={200: None, **problem_responses(401, 403, 404, 409, 422)},
    summary="The batch's SEPA file",
    description="A SEPA credit transfer (pain.001.001.03) to upload to the bank, once the "
    "owner approved the batch (409 before). The business's bank account must be set in the "
    "rewards settings (422 naming `debtor_iban` otherwise).",
    openapi_extra={
        "responses": {200: {"content": {"application/xml": {"schema": {"type": "string"}}}}}
    },
)
def sepa_xml(request, batch_id: ObjectId):
    business = member_business(request)
    batch = _batch_or_404(business, batch_id)
    xml = payouts.sepa_file(business, request.auth.user, batch.pk)
    response = HttpResponse(xml, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{batch.message_id}.xml"'
    response["Cache-Control"] = "private, no-store"
    return response


@payouts_router.post(
    "/{payout_id}/return",
    response={200: PayoutOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Record a payment the bank returned",
    description="Reverses that payout, so the peer is owed the money again (and e-mailed "
    "the bank's `reason`, required) until they fix their bank account. Only a payout sent or "
    "paid can be returned (409).",
)
def return_payout(request, payout_id: ObjectId, payload: ReturnIn):
    business = member_business(request)
    payout = _payout_or_404(business, payout_id)
    payouts.return_payout(business, request.auth.user, payout.pk, reason=payload.reason)
    return _payout_or_404(business, payout.pk)


# --- the peer's wallet ---------------------------------------------------------------------


class WalletVoucherOut(Schema):
    code: str
    value_minor: int
    remaining_minor: int
    currency: str
    expires_at: datetime
    expired: bool


class WalletBadgeOut(Schema):
    slug: str
    name: str
    description: str
    awarded_at: datetime


class DonationOut(Schema):
    cause_id: int | None
    cause_name: str
    total_minor: int


class HeldForPeerOut(Schema):
    id: int
    program: ProgramRef
    amount: int
    unit: str
    created_at: datetime


class ChoiceOut(Schema):
    form: str = Field(description="cash, points, credit or donation.")
    cause_id: int | None
    cause_name: str

    @staticmethod
    def resolve_cause_name(choice):
        return choice.cause.name if choice.cause_id else ""


class BankOut(Schema):
    account_holder: str
    iban: str = Field(description="Masked.")
    bic: str
    updated_at: datetime

    @staticmethod
    def resolve_iban(details):
        return _masked(details.iban)


class WalletOut(Schema):
    currency: str
    pending_minor: int = Field(description="Rewards waiting for the owner (over budget).")
    payable_minor: int = Field(description="Earned, not yet sent to your bank.")
    in_transit_minor: int = Field(description="Sent to your bank, not yet confirmed.")
    paid_minor: int = Field(description="Paid to your bank, all time.")
    points: int
    year: int
    year_earned_minor: int = Field(description="Earned in money (cash, shop credit) this year.")
    vouchers: list[WalletVoucherOut]
    badges: list[WalletBadgeOut]
    donations: list[DonationOut] = Field(description="Given to causes in your name, per cause.")
    held: list[HeldForPeerOut]
    choice: ChoiceOut | None = Field(description="The form you chose; null: cash.")
    bank: BankOut | None = Field(description="Where your payouts go; null: not set yet.")


class MovementOut(Schema):
    id: int
    when: datetime
    amount: int = Field(description="+ earned, - paid out or spent; cents, or points.")
    unit: str = Field(description="The currency (EUR), or PTS for points.")
    reason: str = Field(description="In words, in the request's language.")
    kind: str
    reference: str
    link: str | None = Field(description="Where to see what it was for, if anywhere.")

    @staticmethod
    def resolve_link(movement, context):
        link = movement.link
        return context["request"].build_absolute_uri(link) if link else None


class ChoiceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    form: PeerRewardChoice.Form
    cause_id: int | None = Field(None, ge=1, le=MAX_ID, description="For a donation.")


class BankIn(Schema):
    model_config = ConfigDict(extra="forbid")

    account_holder: Text = Field(max_length=70)
    iban: Text = Field(max_length=50, description="Spaces and lower case are fine.")
    bic: Text = Field("", max_length=20)


class ConvertIn(Schema):
    model_config = ConfigDict(extra="forbid")

    points: int = Field(ge=1, le=MAX_MINOR, description="Whole euros of points; the rest stays.")


class PeerVoucherOut(Schema):
    code: str
    value_minor: int
    remaining_minor: int
    currency: str
    expires_at: datetime


def _choice_and_bank(peer):
    choice = (
        PeerRewardChoice.objects.filter(business_id=peer.business_id, peer=peer)
        .select_related("cause")
        .first()
    )
    bank = PayoutDetails.objects.filter(business_id=peer.business_id, peer=peer).first()
    return choice, bank


@wallet_router.get(
    "/",
    response={200: WalletOut, **problem_responses(401, 403)},
    summary="Your wallet",
    description="What you are owed, what is on its way to your bank and what was paid, your "
    "points, what you earned this year, your vouchers with what is left on them, your badges, "
    "what you gave to causes, rewards waiting for the owner, the form you chose for your "
    "rewards and your bank account (masked).",
)
def wallet(request):
    peer = token_peer(request)
    found = selectors.wallet(peer)
    now = timezone.now()
    choice, bank = _choice_and_bank(peer)
    return {
        "currency": found.currency,
        "pending_minor": found.pending,
        "payable_minor": found.payable,
        "in_transit_minor": found.in_transit,
        "paid_minor": found.paid,
        "points": found.points,
        "year": found.year,
        "year_earned_minor": found.year_earned,
        "vouchers": [
            {
                "code": voucher.code,
                "value_minor": voucher.value_minor,
                "remaining_minor": remaining,
                "currency": voucher.currency,
                "expires_at": voucher.expires_at,
                "expired": voucher.expires_at <= now,
            }
            for voucher, remaining in found.vouchers
        ],
        "badges": [
            {
                "slug": award.badge.slug,
                "name": award.badge.name,
                "description": award.badge.description,
                "awarded_at": award.awarded_at,
            }
            for award in found.badges
        ],
        "donations": [
            {
                "cause_id": cause.pk if cause else None,
                "cause_name": cause.name if cause else "",
                "total_minor": total,
            }
            for cause, total in found.donations
        ],
        "held": found.held,
        "choice": choice,
        "bank": bank,
    }


class _Movements:
    """A peer's movements as the paginator sees a queryset: counted with one query, and read
    only up to the end of the page asked for."""

    def __init__(self, peer):
        self.peer = peer

    def all(self):
        return self

    def count(self):
        return Entry.objects.filter(
            business_id=self.peer.business_id,
            account__peer=self.peer,
            account__kind__in=[AccountKind.PEER_PAYABLE, AccountKind.PEER_POINTS],
        ).count()

    def __getitem__(self, page):
        return selectors.movements(self.peer, limit=page.stop)[page.start :]


@wallet_router.get(
    "/movements",
    response={200: list[MovementOut], **problem_responses(401, 403, 422)},
    summary="Your wallet's movements",
    description="Every change to what you are owed and to your points, newest first, with "
    "its reason in words (in the language of `Accept-Language`).",
)
@paginate(LimitOffset)
def movements(request):
    return _Movements(token_peer(request))


def _statement(request, year, month, render, extension, content_type):
    peer = token_peer(request)
    found = selectors.statement(peer, year, month or None)
    period = f"{year}" if not month else f"{year}-{month:02d}"
    response = HttpResponse(render(found), content_type=content_type)
    filename = f"{peer.business.slug}-statement-{period}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


STATEMENT_DESCRIPTION = (
    "Your statement of a month (`month` 0: the whole year): opening balance, every movement "
    "with its reason, the balance after each, closing balance and totals, in the language of "
    "`Accept-Language`."
)


@wallet_router.get(
    "/statements/{year}/{month}.csv",
    response={200: None, **problem_responses(401, 403, 422)},
    summary="Your statement as CSV",
    description=STATEMENT_DESCRIPTION
    + " Italian: `;` and a decimal comma, for Excel set to Italian; English: `,` and a point.",
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def statement_csv(request, year: Year, month: Month):
    return _statement(
        request, year, month, statements.statement_csv, "csv", "text/csv; charset=utf-8"
    )


@wallet_router.get(
    "/statements/{year}/{month}.pdf",
    response={200: None, **problem_responses(401, 403, 422)},
    summary="Your statement as PDF",
    description=STATEMENT_DESCRIPTION,
    openapi_extra={
        "responses": {200: {"content": {"application/pdf": {"schema": {"type": "string"}}}}}
    },
)
def statement_pdf(request, year: Year, month: Month):
    return _statement(request, year, month, statements.statement_pdf, "pdf", "application/pdf")


@wallet_router.put(
    "/choice",
    response={200: ChoiceOut, **problem_responses(400, 401, 403, 422)},
    summary="Choose the form of your rewards",
    description="In programs that let peers choose: `cash` (paid to your bank account), "
    "`points`, `credit` (a shop voucher) or `donation` to a cause of this army (`cause_id`, "
    "required then; another id answers 422 naming `cause_id`).",
)
def put_choice(request, payload: ChoiceIn):
    peer = token_peer(request)
    with _fields_renamed(cause="cause_id"):
        services.choose_reward_form(peer, form=payload.form, cause=payload.cause_id)
    choice, _bank = _choice_and_bank(peer)
    return choice


@wallet_router.put(
    "/bank",
    response={200: BankOut, **problem_responses(400, 401, 403, 422)},
    summary="Set your bank account",
    description="Where your payouts go. The IBAN is checked (length, check digits, a SEPA "
    "country); a wrong one answers 422 naming `iban` and saying what is wrong. Answered "
    "masked.",
)
def put_bank(request, payload: BankIn):
    peer = token_peer(request)
    return services.set_payout_details(
        peer, account_holder=payload.account_holder, iban=payload.iban, bic=payload.bic
    )


@wallet_router.post(
    "/points/convert",
    response={201: PeerVoucherOut, **problem_responses(400, 401, 403, 409, 422)},
    summary="Turn points into a shop voucher",
    description="At the business's rate, in whole euros (the rest of the points stays). "
    "Fewer points than one euro answers 422 naming `points`; more than you have, 409 "
    "`insufficient_balance`.",
)
def convert_points(request, payload: ConvertIn):
    peer = token_peer(request)
    voucher = services.convert_points(peer, payload.points)
    return Status(
        201,
        {
            "code": voucher.code,
            "value_minor": voucher.value_minor,
            "remaining_minor": services.voucher_remaining(voucher),
            "currency": voucher.currency,
            "expires_at": voucher.expires_at,
        },
    )
