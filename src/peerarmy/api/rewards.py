"""Rewards through the API: for the staff, the overview, rules, settings, budgets, causes,
badges, held rewards, vouchers at the till, the ledger and its check, and payout batches with
their SEPA file; for a peer's own token, the wallet, its movements and statements, the form of
their rewards, their bank account and points turned into vouchers.

Every body is the change's typed input (`peerarmy.rewards.inputs`), as on the console; every
lookup is a selector that answers 404 for another business's ids."""

import json
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Header, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from peerarmy.inputs import MAX_ID, apply_patch, parse, patch_model
from peerarmy.programs.selectors import get_program as get_business_program
from peerarmy.rewards import checks, payouts, selectors, services, statements
from peerarmy.rewards.iban import mask_iban
from peerarmy.rewards.inputs import (
    BadgeInput,
    BalanceAdjustmentInput,
    CauseInput,
    DeclineRewardInput,
    NewRuleInput,
    PayoutBatchInput,
    PayoutDetailsInput,
    PayoutReturnInput,
    PointsConversionInput,
    ProgramRewardsInput,
    RewardChoiceInput,
    RewardSettingsInput,
    RuleChange,
    TransactionCorrectionInput,
    VoucherCode,
    VoucherRedemptionInput,
)
from peerarmy.rewards.models import BatchKind, BatchStatus, TransactionKind
from peerarmy.tenancy.roles import Capability

from .auth import PeerTokenAuth, member_business, token_peer
from .pagination import LimitOffset
from .params import ObjectId
from .problems import problem_responses
from .scheduling import (
    FIRST_YEAR,
    IDEMPOTENCY_KEY_MAX,
    LAST_YEAR,
    PeerRef,
    ProgramRef,
)

router = Router(tags=["rewards"])
payouts_router = Router(tags=["payouts"])
wallet_router = Router(tags=["me (peers)"], auth=PeerTokenAuth())

# The code as the redemption's input reads it (`inputs.VoucherCode`): one rule for both.
VoucherCodePath = Path[VoucherCode, {"description": "The voucher's code, e.g. ABCD-EFGH-JKLM."}]
Year = Path[int, {"ge": FIRST_YEAR, "le": LAST_YEAR, "description": "The year, e.g. 2026."}]
Month = Path[int, {"ge": 0, "le": 12, "description": "1 to 12, or 0 for the whole year."}]


def _masked(iban):
    return mask_iban(iban) if iban else ""


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


class RewardsSettingsOut(Schema):
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

    # A transaction is read by `selectors.transactions` (or `get_transaction`), which gives
    # its entries and its correction's id.

    @staticmethod
    def resolve_reversed_by_id(txn):
        return txn.correction_id

    @staticmethod
    def resolve_entries(txn):
        return txn.entry_list


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


# --- what comes in: the changes' own inputs, and PATCH bodies made from them ----------------

RulePatch = patch_model(RuleChange, "RulePatch")
RewardsSettingsPatch = patch_model(RewardSettingsInput, "RewardsSettingsPatch")
ProgramRewardsPatch = patch_model(ProgramRewardsInput, "ProgramRewardsPatch")


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
    business = member_business(request, Capability.REWARDS)
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
        "yearly_ceiling_minor": selectors.settings_of(business).yearly_ceiling_minor,
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
    business = member_business(request, Capability.REWARDS)
    return selectors.rules(business, program=filters.program, active=filters.active)


@router.post(
    "/rules",
    response={201: RuleOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Create a reward rule",
    description="On `event`, if `condition` (with N in `threshold`), give `reward`: `amount` "
    "cents (points for points), or with `from_event` what the block promised; a badge "
    "(`badge_id`) or a donation to a cause (`cause_id`). A program id of another business "
    "answers 404; a badge or cause of another business 422 naming the field.",
)
def add_rule(request, payload: NewRuleInput):
    business = member_business(request, Capability.REWARDS)
    outcome = services.create_rule(business, request.auth.user, payload)
    return Status(201, outcome.value)


@router.patch(
    "/rules/{rule_id}",
    response={200: RuleOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Change a reward rule",
    description="Only the fields sent change; `active: false` turns it off.",
)
def patch_rule(request, rule_id: ObjectId, payload: RulePatch):
    business = member_business(request, Capability.REWARDS)
    rule = selectors.get_rule(business, rule_id)
    data = apply_patch(RuleChange, RuleChange.of(rule).model_dump(), payload)
    return services.update_rule(business, request.auth.user, rule, data).value


@router.get(
    "/settings",
    response={200: RewardsSettingsOut, **problem_responses(401, 403)},
    summary="Get the rewards settings",
)
def get_settings(request):
    return selectors.settings_of(member_business(request, Capability.REWARDS))


@router.patch(
    "/settings",
    response={200: RewardsSettingsOut, **problem_responses(400, 401, 403, 422)},
    summary="Change the rewards settings (owner)",
    description="Only the fields sent change. The business's bank account (`debtor_name`, "
    "`debtor_iban`, `debtor_bic`) is where payouts come from; an IBAN is checked (checksum, "
    "SEPA country). Only the owner may change them (403 otherwise).",
)
def patch_settings(request, payload: RewardsSettingsPatch):
    business = member_business(request, Capability.REWARDS)
    current = RewardSettingsInput.of(selectors.settings_of(business))
    data = apply_patch(RewardSettingsInput, current.model_dump(), payload)
    return services.update_settings(business, request.auth.user, data).value


def _program_rewards_out(business, found):
    return {
        "program_id": found.program_id,
        "monthly_budget_minor": found.monthly_budget_minor,
        "peer_chooses": found.peer_chooses,
        "spent_this_month_minor": selectors.spent_this_month(business, found.program_id),
    }


@router.get(
    "/programs/{program_id}",
    response={200: ProgramRewardsOut, **problem_responses(401, 403, 404, 422)},
    summary="Get a program's budget and reward form",
)
def get_program_rewards(request, program_id: ObjectId):
    business = member_business(request, Capability.REWARDS)
    program = get_business_program(business, program_id)
    return _program_rewards_out(business, selectors.program_rewards_of(business, program))


@router.patch(
    "/programs/{program_id}",
    response={200: ProgramRewardsOut, **problem_responses(400, 401, 403, 404, 422)},
    summary="Set a program's budget and reward form (owner)",
    description="`monthly_budget_minor`: rewards beyond it in a month wait for the owner "
    "(null: no budget). `peer_chooses`: the program's peers choose cash, points, shop credit "
    "or a donation for their cash rewards. Only the owner (403 otherwise).",
)
def patch_program_rewards(request, program_id: ObjectId, payload: ProgramRewardsPatch):
    business = member_business(request, Capability.REWARDS)
    program = get_business_program(business, program_id)
    current = ProgramRewardsInput.of(selectors.program_rewards_of(business, program))
    data = apply_patch(ProgramRewardsInput, current.model_dump(), payload)
    outcome = services.update_program_rewards(business, request.auth.user, program, data)
    return _program_rewards_out(business, outcome.value)


# --- causes and badges ---------------------------------------------------------------------


@router.get(
    "/causes",
    response={200: list[CauseOut], **problem_responses(401, 403, 422)},
    summary="List causes",
)
@paginate(LimitOffset)
def list_causes(request):
    return selectors.causes(member_business(request, Capability.REWARDS))


@router.post(
    "/causes",
    response={201: CauseOut, **problem_responses(400, 401, 403, 422)},
    summary="Add a cause (owner)",
    description="A cause peers may give their rewards to, with the bank account donations "
    "are paid to. Only the owner (403 otherwise).",
)
def add_cause(request, payload: CauseInput):
    business = member_business(request, Capability.REWARDS)
    return Status(201, services.create_cause(business, request.auth.user, payload).value)


@router.get(
    "/badges",
    response={200: list[BadgeOut], **problem_responses(401, 403, 422)},
    summary="List badges",
)
@paginate(LimitOffset)
def list_badges(request):
    return selectors.badges(member_business(request, Capability.REWARDS))


@router.post(
    "/badges",
    response={201: BadgeOut, **problem_responses(400, 401, 403, 422)},
    summary="Add a badge",
    description="A code (`slug`, made from the name if left out) unique in the business.",
)
def add_badge(request, payload: BadgeInput):
    business = member_business(request, Capability.REWARDS)
    return Status(201, services.create_badge(business, request.auth.user, payload).value)


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
    return selectors.held_rewards(
        member_business(request, Capability.REWARDS), program=filters.program
    )


@router.post(
    "/held/{reward_id}/approve",
    response={200: RewardOut, **problem_responses(401, 403, 404, 409, 422)},
    summary="Pay a held reward (owner)",
    description="Pays it although it goes over the month's budget. A reward no longer "
    "waiting answers 409.",
)
def approve_held(request, reward_id: ObjectId):
    business = member_business(request, Capability.REWARDS)
    reward = selectors.get_reward(business, reward_id)
    return services.approve_held_reward(business, request.auth.user, reward).value


@router.post(
    "/held/{reward_id}/decline",
    response={200: RewardOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Decline a held reward (owner)",
    description="The peer is e-mailed the reason (required).",
)
def decline_held(request, reward_id: ObjectId, payload: DeclineRewardInput):
    business = member_business(request, Capability.REWARDS)
    reward = selectors.get_reward(business, reward_id)
    return services.decline_held_reward(business, request.auth.user, reward, payload).value


# --- vouchers at the till ------------------------------------------------------------------


def _voucher_out(voucher):
    return {
        "code": voucher.code,
        "value_minor": voucher.value_minor,
        "remaining_minor": selectors.voucher_remaining(voucher),
        "currency": voucher.currency,
        "expires_at": voucher.expires_at,
        "expired": voucher.has_expired(),
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
    payload: VoucherRedemptionInput,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=IDEMPOTENCY_KEY_MAX,
        description="Makes retries safe: the same key redeems once.",
    ),
):
    business = member_business(request, Capability.REWARDS)
    key = (idempotency_key or "").strip()
    outcome = services.redeem_voucher(
        business,
        request.auth.user,
        payload,
        key=f"voucher.redeemed:key:{key}" if key else None,
    )
    done = outcome.value
    body = {
        "code": done.voucher.code,
        "amount_minor": done.amount_minor,
        "remaining_minor": done.remaining_minor,
        "currency": done.voucher.currency,
        "transaction_id": done.transaction.pk,
        "redeemed_at": done.transaction.occurred_at,
    }
    return Status(200 if outcome.replayed else 201, body)


@router.get(
    "/vouchers/{code}",
    response={200: VoucherOut, **problem_responses(401, 403, 404, 422)},
    summary="Look a voucher up",
    description="Its value, what is left, until when it is valid and whose it is. Spaces and "
    "lower case in the code are fine.",
)
def get_voucher(request, code: VoucherCodePath):
    return _voucher_out(selectors.get_voucher(member_business(request, Capability.REWARDS), code))


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
    business = member_business(request, Capability.REWARDS)
    return selectors.transactions(business, peer=filters.peer, kind=filters.kind)


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
def correct(request, transaction_id: ObjectId, payload: TransactionCorrectionInput):
    business = member_business(request, Capability.REWARDS)
    original = selectors.get_transaction(business, transaction_id)
    outcome = services.correct_transaction(business, request.auth.user, original, payload)
    return Status(200 if outcome.replayed else 201, outcome.value)


@router.post(
    "/peers/{peer_id}/adjust",
    response={201: TransactionOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Adjust what a peer is owed (owner)",
    description="Adds `amount_minor` cents (negative: takes them off, not below zero: 409 "
    "`insufficient_balance`) with a note (`memo`, required) the peer reads.",
)
def adjust(request, peer_id: ObjectId, payload: BalanceAdjustmentInput):
    business = member_business(request, Capability.REWARDS)
    peer = selectors.get_peer(business, peer_id)
    return Status(
        201, services.adjust_peer_balance(business, request.auth.user, peer, payload).value
    )


@router.get(
    "/ledger/check",
    response={200: LedgerCheckOut, **problem_responses(401, 403)},
    summary="Check the books",
    description="Verifies the ledger from its entries up (what `peerarmy ledger check` runs): "
    "balanced transactions, stored balances equal to their entries, no floored balance below "
    "zero, exact corrections, budgets in step with the rewards.",
)
def ledger_check(request):
    business = member_business(request, Capability.REWARDS)
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
    """A batch as `selectors.batches` lists it (`payout_count` annotated), or as
    `selectors.get_batch(..., with_lines=True)` and the payout steps answer it (`lines`)."""

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
        return batch.lines


class PayoutSkippedOut(Schema):
    peer_id: int
    peer_name: str
    reason: str


class PreparedOut(Schema):
    batch: BatchDetailOut
    skipped: list[PayoutSkippedOut] = Field(description="Peers left out of the run, and why.")


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
    return selectors.batches(
        member_business(request, Capability.REWARDS), status=filters.status, kind=filters.kind
    )


@payouts_router.post(
    "/batches",
    response={201: PreparedOut, **problem_responses(400, 401, 403, 422)},
    summary="Prepare a payout batch",
    description="Gathers every peer balance at or above the payout minimum (`kind: peers`) "
    "or every donation owed (`kind: donations`) that is not in an open batch. Peers without "
    "a bank account are left out and listed in `skipped`. Nothing to pay answers 422. The "
    "owner approves it next; whoever prepared it cannot.",
)
def prepare(request, payload: PayoutBatchInput):
    business = member_business(request, Capability.REWARDS)
    prepared = payouts.prepare_batch(business, request.auth.user, payload).value
    return Status(
        201,
        {
            "batch": prepared.batch,
            "skipped": [
                {"peer_id": s.peer_id, "peer_name": s.peer_name, "reason": str(s.reason)}
                for s in prepared.skipped
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
    return selectors.get_batch(
        member_business(request, Capability.REWARDS), batch_id, with_lines=True
    )


def _batch_step(request, batch_id, step):
    business = member_business(request, Capability.REWARDS)
    batch = selectors.get_batch(business, batch_id)
    return step(business, request.auth.user, batch).value


class BatchApproveBody(Schema):
    confirm: bool = Field(
        False,
        description="Needed (true) to approve a batch you prepared yourself: you confirm that "
        "you checked its payments.",
    )


def _approve_body(request) -> BatchApproveBody:
    """The optional body of an approval: none at all (as before `confirm` existed) reads as
    `{}`; anything else is checked like every body, its errors named by field."""
    if not request.body.strip():
        return BatchApproveBody()
    try:
        data = json.loads(request.body)
    except ValueError as exc:
        raise HttpError(400, "Cannot parse request body") from exc
    return parse(BatchApproveBody, data)


@payouts_router.post(
    "/batches/{batch_id}/approve",
    response={200: BatchDetailOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Approve a payout batch (owner)",
    description="Only an owner approves. An owner approves a batch they prepared themselves "
    "only with `confirm: true` (else 422 naming `confirm`); when the rewards settings ask "
    "for two people (`payouts_need_two_people`) and the business has a second member, "
    "not at all (403): another owner approves it, or a member of staff prepares it. The "
    "body may be left out.",
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": BatchApproveBody.model_json_schema()}},
        }
    },
)
def approve_batch(request, batch_id: ObjectId):
    confirmed = _approve_body(request).confirm
    return _batch_step(
        request,
        batch_id,
        lambda business, actor, batch: payouts.approve_batch(
            business, actor, batch, confirmed=confirmed
        ),
    )


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
    business = member_business(request, Capability.REWARDS)
    batch = selectors.get_batch(business, batch_id)
    xml = payouts.sepa_file(business, request.auth.user, batch)
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
def return_payout(request, payout_id: ObjectId, payload: PayoutReturnInput):
    business = member_business(request, Capability.REWARDS)
    payout = selectors.get_payout(business, payout_id)
    return payouts.return_payout(business, request.auth.user, payout, payload).value


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
        # `cause` is loaded: `selectors.choice_of` selects it, the service answers the cause
        # it checked.
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


class PeerVoucherOut(Schema):
    code: str
    value_minor: int
    remaining_minor: int
    currency: str
    expires_at: datetime


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
    now = timezone.now()  # one moment for every voucher
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
                "expired": voucher.has_expired(now),
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
        "choice": selectors.choice_of(peer),
        "bank": selectors.payout_details_of(peer),
    }


class _Movements:
    """A peer's movements as the paginator sees a queryset: counted with one query, and read
    only up to the end of the page asked for."""

    def __init__(self, peer):
        self.peer = peer

    def all(self):
        return self

    def count(self):
        return selectors.movements_count(self.peer)

    def __getitem__(self, page):
        return selectors.movements(self.peer, offset=page.start, limit=page.stop - page.start)


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
def put_choice(request, payload: RewardChoiceInput):
    return services.choose_reward_form(token_peer(request), payload).value


@wallet_router.put(
    "/bank",
    response={200: BankOut, **problem_responses(400, 401, 403, 422)},
    summary="Set your bank account",
    description="Where your payouts go. The IBAN is checked (length, check digits, a SEPA "
    "country); a wrong one answers 422 naming `iban` and saying what is wrong. Answered "
    "masked.",
)
def put_bank(request, payload: PayoutDetailsInput):
    return services.set_payout_details(token_peer(request), payload).value


@wallet_router.post(
    "/points/convert",
    response={201: PeerVoucherOut, **problem_responses(400, 401, 403, 409, 422)},
    summary="Turn points into a shop voucher",
    description="At the business's rate, in whole euros (the rest of the points stays). "
    "Fewer points than one euro answers 422 naming `points`; more than you have, 409 "
    "`insufficient_balance`.",
)
def convert_points(request, payload: PointsConversionInput):
    made = services.convert_points(token_peer(request), payload).value
    voucher = made.voucher
    return Status(
        201,
        {
            "code": voucher.code,
            "value_minor": voucher.value_minor,
            "remaining_minor": made.remaining_minor,
            "currency": voucher.currency,
            "expires_at": voucher.expires_at,
        },
    )
