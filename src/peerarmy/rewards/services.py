"""Every change to rewards: settings, rules, the rewards rules grant (within budget, in the form
the peer chose), vouchers and their redemption, points, corrections. (Payout batches are in
`payouts`.)

Each change takes its typed input (`inputs.py`), checks who may make it, reports the rules that
need the business's data all at once (`FieldErrors`), and returns an `Outcome` saying what it
did: the object, whether it was made now or a retry was answered with what an earlier call
made."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerarmy import db
from peerarmy.errors import (
    DomainError,
    IdempotencyKeyReused,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from peerarmy.inputs import FieldErrors, Outcome
from peerarmy.money import POINTS, format_money
from peerarmy.notifications.services import enqueue_email
from peerarmy.tenancy.models import Membership, Role
from peerarmy.tenancy.roles import Capability
from peerarmy.tenancy.services import check_can, check_is_owner

from . import ledger, selectors, sql
from .ledger import Budget, Leg
from .models import (
    Account,
    AccountKind,
    Badge,
    Cause,
    Condition,
    Event,
    PayoutDetails,
    PeerBadge,
    PeerRewardChoice,
    ProgramRewards,
    Reward,
    RewardEvent,
    RewardKind,
    RewardRule,
    RewardSettings,
    RewardStatus,
    Showcase,
    Transaction,
    TransactionKind,
    Voucher,
)

if TYPE_CHECKING:  # the inputs are built when a change is made, not when the app starts
    from .inputs import (
        BadgeInput,
        BalanceAdjustmentInput,
        CauseInput,
        DeclineRewardInput,
        NewRuleInput,
        PayoutDetailsInput,
        PointsConversionInput,
        ProgramRewardsInput,
        RewardChoiceInput,
        RewardSettingsInput,
        RuleChange,
        RuleInput,
        ShowcasePageInput,
        TransactionCorrectionInput,
        VoucherRedemptionInput,
    )

VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out at the till


def rewards_settings(business) -> RewardSettings:
    """The business's rewards settings, made with the defaults on first use."""
    found = RewardSettings.objects.filter(business=business).first()
    if found is None:
        found, _created = RewardSettings.objects.get_or_create(business=business)
    return found


def program_rewards(business, program) -> ProgramRewards:
    """A program's budget and reward form, made with the defaults on first use."""
    program_id = getattr(program, "pk", program)
    found = ProgramRewards.objects.filter(business=business, program_id=program_id).first()
    if found is None:
        found, _created = ProgramRewards.objects.get_or_create(
            program_id=program_id, defaults={"business": business}
        )
    return found


def _money_unit(business):
    return business.currency or "EUR"


def local_month(business, when: datetime):
    return selectors.local_month(business, when)


def _own(business, obj):
    """`obj` must be the business's: another business's object is not found."""
    if obj.business_id != business.pk:
        raise NotFound()
    return obj


# --- settings --------------------------------------------------------------------------------


@transaction.atomic
def update_settings(business, actor, data: RewardSettingsInput) -> Outcome[RewardSettings]:
    """The owner sets where payouts come from and the limits; money out is the owner's."""
    check_is_owner(actor, business)
    current = rewards_settings(business)
    for name in type(data).model_fields:
        setattr(current, name, getattr(data, name))
    current.save()
    return Outcome(current)


@transaction.atomic
def update_program_rewards(
    business, actor, program, data: ProgramRewardsInput
) -> Outcome[ProgramRewards]:
    """The owner sets a program's monthly budget and whether its peers choose the form of
    their rewards."""
    check_is_owner(actor, business)
    _own(business, program)
    found = program_rewards(business, program)
    found.monthly_budget_minor = data.monthly_budget_minor
    found.peer_chooses = data.peer_chooses
    found.save()
    return Outcome(found)


# --- causes, badges and rules ----------------------------------------------------------------


@transaction.atomic
def create_cause(business, actor, data: CauseInput) -> Outcome[Cause]:
    check_is_owner(actor, business)
    cause = Cause.objects.create(
        business=business,
        name_it=data.name_it or data.name_en,
        name_en=data.name_en or data.name_it,
        description_it=data.description_it,
        description_en=data.description_en,
        account_holder=data.account_holder,
        iban=data.iban,
        bic=data.bic,
    )
    return Outcome(cause, created=True)


BADGE_TAKEN = gettext_lazy("A badge with this code exists already.")


def create_badge(business, actor, data: BadgeInput) -> Outcome[Badge]:
    """A badge with a code unique in the business (the input makes it from the name if left
    out)."""
    check_can(actor, business, Capability.REWARDS)
    slug = data.code()
    errors = FieldErrors()
    if selectors.badge_slug_taken(business, slug):
        errors.add("slug", BADGE_TAKEN)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            badge = Badge.objects.create(
                business=business,
                slug=slug,
                name_it=data.name_it or data.name_en,
                name_en=data.name_en or data.name_it,
                description_it=data.description_it,
                description_en=data.description_en,
            )
    except IntegrityError:  # the same code made by a concurrent request
        errors.add("slug", BADGE_TAKEN)
        errors.raise_if_any()
    return Outcome(badge, created=True)


def _check_rule(business, data: RuleInput):
    """The badge and the cause a rule names must be the business's: both reported at once."""
    errors = FieldErrors()
    if data.badge_id is not None and selectors.badge_of(business, data.badge_id) is None:
        errors.add("badge_id", _("No such choice."))
    if data.cause_id is not None and selectors.cause_of(business, data.cause_id) is None:
        errors.add("cause_id", _("No such choice."))
    errors.raise_if_any()


@transaction.atomic
def create_rule(business, actor, data: NewRuleInput) -> Outcome[RewardRule]:
    """A rule of one of the business's programs (another business's program is not found)."""
    from peerarmy.programs.selectors import get_program

    check_can(actor, business, Capability.REWARDS)
    program = get_program(business, data.program_id)
    _check_rule(business, data)
    rule = RewardRule.objects.create(business=business, program=program, **data.stored())
    return Outcome(rule, created=True)


@transaction.atomic
def update_rule(business, actor, rule, data: RuleChange) -> Outcome[RewardRule]:
    """Change a rule (its program stays), or switch it on or off (`active`): it applies to
    the next events. The console's switch and the API's PATCH both come here."""
    check_can(actor, business, Capability.REWARDS)
    rule = selectors.get_rule(business, rule.pk, for_update=True)
    _check_rule(business, data)
    for name, value in data.stored().items():
        setattr(rule, name, value)
    rule.active = data.active
    rule.save()
    return Outcome(rule)


# --- the events that pay ---------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """One event for one peer in one program, as the rules see it."""

    event: str
    key: str
    peer_id: int
    program_id: int
    occurred_at: datetime
    claim_id: int | None = None
    minutes: int = 0
    amount_minor: int = 0  # what the block or match promised
    points: int = 0


def _matches(rule, occurrence, nth, business) -> bool:
    if rule.condition == Condition.ALWAYS:
        return True
    if rule.condition == Condition.WEEKEND:
        return timezone.localtime(occurrence.occurred_at, business.tzinfo).weekday() >= 5
    if rule.condition == Condition.MIN_MINUTES:
        return occurrence.minutes >= rule.threshold
    if rule.condition == Condition.NTH:
        return nth == rule.threshold
    if rule.condition == Condition.EVERY_NTH:
        return nth % rule.threshold == 0
    return False


def _record_event(business, occurrence) -> bool:
    """Record the event; False if it was recorded before (one statement, no savepoint)."""
    from django.db import connection

    event_field = RewardEvent._meta.get_field("occurred_at")
    payload_field = RewardEvent._meta.get_field("payload")
    return sql.record_event(
        business.pk,
        occurrence.key,
        occurrence.event,
        occurrence.peer_id,
        occurrence.program_id,
        event_field.get_db_prep_save(occurrence.occurred_at, connection),
        payload_field.get_db_prep_save(
            {"claim_id": occurrence.claim_id, "minutes": occurrence.minutes}, connection
        ),
    )


class _Settings:
    """The business's and the program's reward settings, read at most once per event."""

    def __init__(self, business, program_id, program=None, rewards=None):
        self.business, self.program_id = business, program_id
        self._program, self._business = program, rewards

    @property
    def program(self) -> ProgramRewards:
        if self._program is None:
            self._program = selectors.program_rewards_of(self.business, self.program_id)
        return self._program

    @property
    def rewards(self) -> RewardSettings:
        if self._business is None:
            self._business = rewards_settings(self.business)
        return self._business


def _rules_and_settings(business, occurrence):
    """The program's active rules for the event, with the program's and the business's
    reward settings: one statement."""
    rows = sql.rules_and_settings(business.pk, occurrence.program_id, occurrence.event)
    if not rows:
        return [], None
    n, m = len(sql.RULE_FIELDS), len(sql.PROGRAM_FIELDS)
    rules = [db.instance(RewardRule, sql.RULE_FIELDS, row[:n]) for row in rows]
    first = rows[0]
    program = settings = None
    if first[n] is not None:
        program = db.instance(ProgramRewards, sql.PROGRAM_FIELDS, first[n : n + m])
    if first[n + m] is not None:
        settings = db.instance(RewardSettings, sql.SETTINGS_FIELDS, first[n + m :])
    program = program or ProgramRewards(business=business, program_id=occurrence.program_id)
    return rules, _Settings(business, occurrence.program_id, program, settings)


def handle(business, occurrence: Occurrence) -> list[Reward]:
    """Run the program's rules for one event, once per event key. Returns the rewards granted
    (posted or held); a repeated event grants nothing more."""
    # No savepoint: a failure here fails the caller's whole transaction (the completed block
    # and its rewards commit together or not at all).
    with transaction.atomic(savepoint=False):
        if not _record_event(business, occurrence):
            return selectors.rewards_of_event(business, occurrence.key)
        rules, settings = _rules_and_settings(business, occurrence)
        if not rules:
            return []
        nth = 0
        if any(r.condition in (Condition.NTH, Condition.EVERY_NTH) for r in rules):
            nth = RewardEvent.objects.filter(
                business=business,
                peer_id=occurrence.peer_id,
                program_id=occurrence.program_id,
                event=occurrence.event,
            ).count()
        granted = []
        for rule in rules:
            if _matches(rule, occurrence, nth, business):
                granted.append(grant(business, rule, occurrence, settings))
        return [g for g in granted if g is not None]


def grant(business, rule, occurrence: Occurrence, settings=None) -> Reward | None:
    """Give what `rule` says for `occurrence`: in the form the peer chose where the program
    allows it, within the program's monthly budget (else held for the owner)."""
    settings = settings or _Settings(business, occurrence.program_id)
    key = f"{occurrence.key}:rule-{rule.pk}"
    if rule.reward == RewardKind.BADGE:
        _award_badge(business, occurrence.peer_id, rule.badge_id, key, occurrence.occurred_at)
        return None
    kind, unit = rule.reward, _money_unit(business)
    if kind == RewardKind.POINTS:
        amount, unit = (occurrence.points if rule.from_event else rule.amount), POINTS
    else:
        amount = occurrence.amount_minor if rule.from_event else rule.amount
    if amount <= 0:
        return None
    cause_id = rule.cause_id
    if kind == RewardKind.CASH and settings.program.peer_chooses:
        kind, amount, unit, cause_id = _apply_choice(business, occurrence.peer_id, amount, unit)
    reward = Reward(
        business=business,
        key=key,
        rule=rule,
        program_id=occurrence.program_id,
        peer_id=occurrence.peer_id,
        claim_id=occurrence.claim_id,
        event=occurrence.event,
        kind=kind,
        amount=amount,
        unit=unit,
        cause_id=cause_id,
        created_at=occurrence.occurred_at,
        budget_minor=_budget_value(settings, kind, amount),
        budget_month=selectors.local_month(business, occurrence.occurred_at),
    )
    return _pay(business, reward, settings=settings, first_time=True)


def _budget_value(settings, kind, amount) -> int:
    if kind == RewardKind.POINTS:
        rate = settings.rewards.points_per_euro
        return -(-amount * 100 // rate)  # what the points will cost as vouchers, rounded up
    return amount


def _apply_choice(business, peer_id, amount, unit):
    choice = PeerRewardChoice.objects.filter(business=business, peer_id=peer_id).first()
    if choice is None or choice.form == PeerRewardChoice.Form.CASH:
        return RewardKind.CASH, amount, unit, None
    if choice.form == PeerRewardChoice.Form.POINTS:
        rate = rewards_settings(business).points_per_euro
        return RewardKind.POINTS, amount * rate // 100, POINTS, None
    if choice.form == PeerRewardChoice.Form.CREDIT:
        return RewardKind.VOUCHER, amount, unit, None
    if choice.cause is None or not choice.cause.active:
        return RewardKind.CASH, amount, unit, None
    return RewardKind.DONATION, amount, unit, choice.cause_id


def _legs_for(business, reward: Reward, voucher_code=None):
    program_id, peer_id = reward.program_id, reward.peer_id
    expense = ledger.rewards_expense(program_id, reward.unit)
    if reward.kind == RewardKind.CASH:
        credit = ledger.peer_payable(peer_id, reward.unit)
    elif reward.kind == RewardKind.POINTS:
        credit = ledger.peer_points(peer_id)
    elif reward.kind == RewardKind.VOUCHER:
        credit = ledger.voucher_account(voucher_code, reward.unit)
    else:
        credit = ledger.donations_payable(reward.cause_id, reward.unit)
    refs = ledger.accounts(business.pk, [expense, credit])
    return [Leg(refs[expense], reward.amount), Leg(refs[credit], -reward.amount)]


class _Held(Exception):
    """The reward is over budget: raised before anything of it is written (a voucher's rows
    go back with their savepoint)."""


def _pay(
    business, reward: Reward, *, over_budget_ok=False, actor=None, settings=None, first_time=False
) -> Reward:
    """Post a reward, or hold it when it would go over its program's monthly budget."""
    settings = settings or _Settings(business, reward.program_id)
    if not first_time:
        existing = selectors.reward_by_key(business, reward.key)
        if existing is not None and existing.pk != reward.pk:
            return existing
    limit = settings.program.monthly_budget_minor
    budget = Budget(
        reward.program_id,
        reward.budget_month,
        reward.budget_minor,
        None if over_budget_ok else limit,
    )
    # No savepoint of its own: being held is an answer, not an error, and anything else
    # fails the caller's transaction.
    with transaction.atomic(savepoint=False):
        try:
            posted = _post_reward(business, reward, budget, actor)
        except _Held:
            reward.status = RewardStatus.HELD
            _save_reward(reward)
            _alert_over_budget(business, reward)
            return reward
        reward.status = RewardStatus.POSTED
        reward.transaction_id = posted.transaction_id
        _save_reward(reward)
        if reward.kind in (RewardKind.CASH, RewardKind.VOUCHER):
            _check_yearly_ceiling(business, reward, settings)
        return reward


def _post_reward(business, reward, budget, actor):
    """The reward's posting; raises _Held when over budget, having written nothing."""
    voucher = None
    if reward.kind == RewardKind.VOUCHER:
        # A voucher writes its row and account before the budget's answer: a savepoint takes
        # them back if the reward is held.
        with transaction.atomic():
            voucher = _new_voucher(
                business, reward.peer_id, reward.amount, reward.unit, reward.created_at
            )
            posted = _post_reward_legs(business, reward, budget, actor, voucher)
            if posted.over_budget:
                raise _Held
        return posted
    posted = _post_reward_legs(business, reward, budget, actor, None)
    if posted.over_budget:
        raise _Held
    return posted


def _post_reward_legs(business, reward, budget, actor, voucher):
    return ledger.post(
        business.pk,
        key=reward.key,
        kind=TransactionKind.REWARD,
        legs=_legs_for(business, reward, voucher.code if voucher else None),
        occurred_at=reward.created_at,
        reason=f"reward.{reward.kind}",
        reason_args=_reason_args(reward, voucher),
        peer_id=reward.peer_id,
        program_id=reward.program_id,
        claim_id=reward.claim_id,
        actor_id=getattr(actor, "pk", None),
        budget=budget,
    )


def _save_reward(reward):
    if reward.pk is not None:
        reward.save()
        return
    fields = [f for f in Reward._meta.concrete_fields if not f.primary_key]
    reward.pk = sql.insert_reward(
        reward.business_id, {f.attname: getattr(reward, f.attname) for f in fields}
    )
    reward._state.adding, reward._state.db = False, "default"


def _reason_args(reward, voucher=None):
    args = {"event": reward.event, "program": reward.program_id}
    if reward.cause_id:
        args["cause"] = reward.cause_id
    if voucher is not None:
        args["voucher"] = voucher.code
    return args


def _new_voucher(business, peer_id, value, currency, when, *, code=None) -> Voucher:
    days = rewards_settings(business).voucher_validity_days
    for _attempt in range(8):
        code = code or "-".join(
            "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(4)) for _ in range(3)
        )
        spec = ledger.voucher_account(code, currency)
        if selectors.voucher_code_taken(business, code):
            code = None
            continue
        ref = ledger.accounts(business.pk, [spec])[spec]
        return Voucher.objects.create(
            business=business,
            code=code,
            peer_id=peer_id,
            value_minor=value,
            currency=currency,
            account=Account.objects.get(business=business, pk=ref.id),
            expires_at=when + timedelta(days=days),
            created_at=when,
        )
    raise DomainError(_("Could not make a unique voucher code; try again."))


def _award_badge(business, peer_id, badge_id, key, when):
    with transaction.atomic():
        if PeerBadge.objects.filter(peer_id=peer_id, badge_id=badge_id).exists():
            return
        try:
            with transaction.atomic():
                PeerBadge.objects.create(
                    business=business, peer_id=peer_id, badge_id=badge_id, awarded_at=when, key=key
                )
        except IntegrityError:
            return  # a concurrent event gave it first


def email_owners(business, *, template, context, event, except_user=None):
    """E-mail every owner of the business, each in their own language."""
    owners = Membership.objects.filter(business=business, role=Role.OWNER).select_related("user")
    for membership in owners:
        owner = membership.user
        if except_user is not None and owner.pk == except_user.pk:
            continue
        enqueue_email(
            business=business,
            to=owner.email,
            template=template,
            context=context,
            language=getattr(owner, "language", "") or business.default_language,
            event=event,
        )


def _alert_over_budget(business, reward):
    email_owners(
        business,
        template="rewards/email/over_budget",
        context={"reward": reward, "peer": reward.peer, "program": reward.program},
        event="rewards.over_budget",
    )


def _check_yearly_ceiling(business, reward, context=None):
    settings = (context or _Settings(business, reward.program_id)).rewards
    if not settings.yearly_ceiling_minor:
        return
    year = timezone.localtime(reward.created_at, business.tzinfo).year
    earned = selectors.year_earned(business, reward.peer_id, year)
    warn_at = settings.yearly_ceiling_minor * settings.ceiling_warning_percent // 100
    if earned < warn_at or earned - reward.amount >= warn_at:
        return  # warn once: on the reward that crosses the line
    email_owners(
        business,
        template="rewards/email/ceiling",
        context={
            "peer": reward.peer,
            "earned": earned,
            "ceiling": settings.yearly_ceiling_minor,
            "year": year,
        },
        event="rewards.ceiling",
    )


# --- the owner decides on held rewards --------------------------------------------------------


def _held(business, reward) -> Reward:
    reward = selectors.get_reward(business, reward, for_update=True)
    if reward.status != RewardStatus.HELD:
        raise InvalidTransition(_("This reward is no longer waiting for a decision."))
    return reward


@transaction.atomic
def approve_held_reward(business, actor, reward) -> Outcome[Reward]:
    """Pay a held reward although it goes over the month's budget."""
    check_is_owner(actor, business)
    reward = _held(business, reward)
    reward.decided_by = actor
    reward.decided_at = timezone.now()
    return Outcome(_pay(business, reward, over_budget_ok=True, actor=actor, first_time=True))


@transaction.atomic
def decline_held_reward(business, actor, reward, data: DeclineRewardInput) -> Outcome[Reward]:
    """Decline a held reward; the peer is e-mailed the reason."""
    check_is_owner(actor, business)
    data.require()
    reward = _held(business, reward)
    reward.status = RewardStatus.DECLINED
    reward.decided_by = actor
    reward.decided_at = timezone.now()
    reward.decline_reason = data.reason
    reward.save()
    peer = reward.peer
    enqueue_email(
        business=business,
        to=peer.user.email,
        template="rewards/email/declined",
        context={"reward": reward, "peer": peer, "program": reward.program},
        language=peer.user.language or business.default_language,
        event="rewards.declined",
    )
    return Outcome(reward)


# --- the peer's side -------------------------------------------------------------------------


def check_wallet_peer(peer) -> None:
    """A wallet is an active peer's: an applicant, a rejected or a suspended peer (or someone
    who is no peer of the army) may not change it. The one rule of who owns a wallet: every
    change of the peer's side checks it, and the wallet's pages ask it before showing."""
    from peerarmy.peers.models import PeerStatus

    if peer is None or peer.status != PeerStatus.ACTIVE:
        raise PermissionDenied(
            _("Your membership of this army is not active, so your wallet cannot be changed.")
        )


@transaction.atomic
def choose_reward_form(peer, data: RewardChoiceInput) -> Outcome[PeerRewardChoice]:
    """The form a peer wants their cash rewards in; a donation goes to an active cause of
    their army."""
    check_wallet_peer(peer)
    cause = None
    if data.form == PeerRewardChoice.Form.DONATION:
        cause = selectors.active_cause(peer.business_id, data.cause_id)
        if cause is None:
            errors = FieldErrors()
            errors.add("cause_id", _("No such cause."))
            errors.raise_if_any()
    choice, _created = PeerRewardChoice.objects.update_or_create(
        peer=peer, defaults={"business_id": peer.business_id, "form": data.form, "cause": cause}
    )
    return Outcome(choice)


@transaction.atomic
def set_payout_details(peer, data: PayoutDetailsInput) -> Outcome[PayoutDetails]:
    """Where the peer's payouts go."""
    check_wallet_peer(peer)
    details, _created = PayoutDetails.objects.update_or_create(
        peer=peer,
        defaults={
            "business_id": peer.business_id,
            "account_holder": data.account_holder,
            "iban": data.iban,
            "bic": data.bic,
        },
    )
    return Outcome(details)


@transaction.atomic
def update_showcase(peer, data: ShowcasePageInput) -> Outcome[Showcase]:
    """The peer's public page: whether it is shown, its headline, and the parts of their
    impact it shows (those the input leaves out stay as they are: the wallet's form sets only
    the first two)."""
    check_wallet_peer(peer)
    choices = {
        name: value
        for name, value in data.model_dump(include=SHOWCASE_CHOICES).items()
        if value is not None
    }
    showcase, _created = Showcase.objects.update_or_create(
        peer=peer,
        defaults={
            "business_id": peer.business_id,
            "public": data.public,
            "headline": data.headline,
            **choices,
        },
    )
    return Outcome(showcase)


SHOWCASE_CHOICES = {
    "show_hours",
    "show_activity",
    "show_ratings",
    "show_badges",
    "show_donations",
    "show_earnings",
}


@dataclass(frozen=True)
class Conversion:
    """What a conversion took off the points, and the voucher it made (worth its whole value:
    nothing is taken off it yet)."""

    voucher: Voucher
    points: int
    remaining_minor: int


def convert_points(peer, data: PointsConversionInput, *, key=None) -> Outcome[Conversion]:
    """Turn points into a shop voucher at the business's rate (whole euros of points; the rest
    stays on the balance)."""
    check_wallet_peer(peer)
    business = peer.business
    rate = rewards_settings(business).points_per_euro
    if data.points < rate:
        errors = FieldErrors()
        errors.add("points", _("Enter a number of at least %(minimum)d.") % {"minimum": rate})
        errors.raise_if_any()
    points = data.points - data.points % rate
    value = points // rate * 100
    unit = _money_unit(business)
    now = timezone.now()
    key = key or f"points.converted:{peer.pk}:{secrets.token_hex(8)}"
    with transaction.atomic():
        voucher = _new_voucher(business, peer.pk, value, unit, now)
        specs = [
            ledger.peer_points(peer.pk),
            ledger.house(AccountKind.POINTS_CONVERTED, POINTS),
            ledger.house(AccountKind.POINTS_VOUCHERS, unit),
            ledger.voucher_account(voucher.code, unit),
        ]
        refs = ledger.accounts(business.pk, specs)
        try:
            ledger.post(
                business.pk,
                key=key,
                kind=TransactionKind.CONVERSION,
                legs=[
                    Leg(refs[specs[0]], points),
                    Leg(refs[specs[1]], -points),
                    Leg(refs[specs[2]], value),
                    Leg(refs[specs[3]], -value),
                ],
                reason="points.converted",
                reason_args={"points": points, "voucher": voucher.code},
                peer_id=peer.pk,
                occurred_at=now,
            )
        except ledger.InsufficientBalance as exc:
            raise ledger.InsufficientBalance(
                exc.account_id, _("You do not have that many points.")
            ) from exc
    return Outcome(Conversion(voucher, points, value), created=True)


# --- vouchers at the till --------------------------------------------------------------------


def voucher_remaining(voucher) -> int:
    return selectors.voucher_remaining(voucher)


@dataclass(frozen=True)
class Redemption:
    """What a redemption took off a voucher, and what is left on it."""

    voucher: Voucher
    transaction: Transaction
    amount_minor: int
    remaining_minor: int


def redeem_voucher(
    business, actor, data: VoucherRedemptionInput, *, key=None
) -> Outcome[Redemption]:
    """Take `amount_minor` off a voucher at the till (partial redemption is fine). With a `key`
    (derived from the till's Idempotency-Key), a retry is answered with the redemption the key
    made (`replayed`); the key of another voucher or amount is refused."""
    check_can(actor, business, Capability.REWARDS)
    voucher = selectors.find_voucher(business, data.code)
    errors = FieldErrors()
    if voucher is None:
        errors.add("code", _("No voucher has this code."))
        errors.raise_if_any()
    now = timezone.now()
    if voucher.has_expired(now):
        errors.add(
            "code",
            _("This voucher expired on %(date)s.")
            % {"date": timezone.localtime(voucher.expires_at, business.tzinfo).date()},
        )
        errors.raise_if_any()
    key = key or f"voucher.redeemed:{voucher.code}:{secrets.token_hex(8)}"
    specs = [
        ledger.voucher_account(voucher.code, voucher.currency),
        ledger.house(AccountKind.REDEEMED, voucher.currency),
    ]
    refs = ledger.accounts(business.pk, specs)
    try:
        posted = ledger.post(
            business.pk,
            key=key,
            kind=TransactionKind.REDEMPTION,
            legs=[Leg(refs[specs[0]], data.amount_minor), Leg(refs[specs[1]], -data.amount_minor)],
            reason="voucher.redeemed",
            reason_args={"voucher": voucher.code},
            peer_id=voucher.peer_id,
            actor_id=actor.pk,
            occurred_at=now,
        )
    except ledger.InsufficientBalance as exc:
        raise ledger.InsufficientBalance(
            exc.account_id,
            _("Only %(left)s is left on this voucher.")
            % {"left": format_money(selectors.voucher_remaining(voucher), voucher.currency)},
        ) from exc
    txn = selectors.transaction_by_key(business, key)
    if not posted.created:
        taken = selectors.entry_amount(business, txn, voucher.account_id)
        if txn.kind != TransactionKind.REDEMPTION or taken != data.amount_minor:
            raise IdempotencyKeyReused(
                _("This Idempotency-Key was already used for another voucher or amount.")
            )
    redemption = Redemption(voucher, txn, data.amount_minor, selectors.voucher_remaining(voucher))
    return Outcome(redemption, created=posted.created, replayed=not posted.created)


def expire_vouchers(now=None) -> int:
    """Book what is left on expired vouchers as income (a periodic task). Returns how many."""
    from django_scopes import scopes_disabled

    now = now or timezone.now()
    count = 0
    with scopes_disabled():
        for voucher in selectors.expired_vouchers(now):
            left = selectors.voucher_remaining(voucher)
            if left <= 0:
                continue
            specs = [
                ledger.voucher_account(voucher.code, voucher.currency),
                ledger.house(AccountKind.EXPIRED, voucher.currency),
            ]
            refs = ledger.accounts(voucher.business_id, specs)
            posted = ledger.post(
                voucher.business_id,
                key=f"voucher.expired:{voucher.code}",
                kind=TransactionKind.EXPIRY,
                legs=[Leg(refs[specs[0]], left), Leg(refs[specs[1]], -left)],
                reason="voucher.expired",
                reason_args={"voucher": voucher.code},
                peer_id=voucher.peer_id,
                occurred_at=voucher.expires_at,
            )
            count += posted.created
    return count


def service_anniversaries(now=None) -> int:
    """Publish `service.year` for every peer who completed another year in the army since they
    were approved, to the programs that have a rule for it (a periodic task; once per year
    per peer and program, by its key). Returns how many anniversaries it handled."""
    from django_scopes import scopes_disabled

    from peerarmy.peers.models import Peer, PeerStatus

    now = now or timezone.now()
    count = 0
    with scopes_disabled():
        rules = RewardRule.objects.filter(event=Event.SERVICE_YEAR, active=True).select_related(
            "business"
        )
        programs = {(r.business_id, r.program_id): r.business for r in rules}
        for (business_id, program_id), business in programs.items():
            peers = Peer.objects.filter(
                business_id=business_id,
                status=PeerStatus.ACTIVE,
                decided_at__lte=now - timedelta(days=365),
            )
            seen = set(
                RewardEvent.objects.filter(
                    business_id=business_id, program_id=program_id, event=Event.SERVICE_YEAR
                ).values_list("key", flat=True)
            )
            for peer in peers:
                years = _whole_years(peer.decided_at, now)
                anniversary = _add_years(peer.decided_at, years)
                key = f"service.year:{peer.pk}:{years}:program-{program_id}"
                if key in seen:
                    continue
                count += 1
                handle(
                    business,
                    Occurrence(
                        event=Event.SERVICE_YEAR,
                        key=key,
                        peer_id=peer.pk,
                        program_id=program_id,
                        occurred_at=anniversary,
                    ),
                )
    return count


def _add_years(when, years):
    try:
        return when.replace(year=when.year + years)
    except ValueError:  # 29 February
        return when.replace(year=when.year + years, day=28)


def _whole_years(since, now):
    years = now.year - since.year
    if _add_years(since, years) > now:
        years -= 1
    return years


# --- corrections -----------------------------------------------------------------------------

PAYOUT_KINDS = (
    TransactionKind.PAYOUT_SENT,
    TransactionKind.PAYOUT_PAID,
    TransactionKind.PAYOUT_RETURNED,
)


def correct_transaction(
    business, actor, transaction_, data: TransactionCorrectionInput
) -> Outcome[Transaction]:
    """Reverse a transaction, with a note saying why (owner only). A transaction is corrected
    once: again, the same correction (`replayed`)."""
    check_is_owner(actor, business)
    data.require()
    original = selectors.get_transaction(business, transaction_)
    if original.reverses_id is not None:
        raise InvalidTransition(_("A correction cannot itself be corrected; post a new one."))
    if original.kind in PAYOUT_KINDS:
        # The batch still says the payout went out: reversing the posting alone would pay
        # the peer twice. A payout is undone by marking it returned by the bank.
        raise InvalidTransition(_("A payout is corrected by marking it returned by the bank."))
    posted = ledger.reverse(
        business.pk, original.pk, key=f"reversal:{original.pk}", memo=data.memo, actor_id=actor.pk
    )
    reversal = selectors.get_transaction(business, posted.transaction_id)
    return Outcome(reversal, created=posted.created, replayed=not posted.created)


def adjust_peer_balance(
    business, actor, peer, data: BalanceAdjustmentInput, *, key=None
) -> Outcome[Transaction]:
    """Credit (positive) or debit (negative) a peer's payable balance, with a note."""
    check_is_owner(actor, business)
    _own(business, peer)
    data.require()
    unit = _money_unit(business)
    specs = [ledger.house(AccountKind.ADJUSTMENTS, unit), ledger.peer_payable(peer.pk, unit)]
    refs = ledger.accounts(business.pk, specs)
    amount = data.amount_minor
    posted = ledger.post(
        business.pk,
        key=key or f"adjustment:{peer.pk}:{secrets.token_hex(8)}",
        kind=TransactionKind.ADJUSTMENT,
        legs=[Leg(refs[specs[0]], amount), Leg(refs[specs[1]], -amount)],
        reason="adjustment",
        memo=data.memo,
        peer_id=peer.pk,
        actor_id=actor.pk,
    )
    txn = selectors.get_transaction(business, posted.transaction_id)
    return Outcome(txn, created=posted.created, replayed=not posted.created)
