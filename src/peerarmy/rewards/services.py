"""Every change to rewards: settings, rules, the rewards rules grant (within budget, in the form
the peer chose), vouchers and their redemption, points, corrections, and payout batches."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerarmy import db
from peerarmy.errors import DomainError, InvalidTransition, PermissionDenied, ValidationFailed
from peerarmy.notifications.services import enqueue_email
from peerarmy.tenancy.models import Membership, Role
from peerarmy.tenancy.services import check_can_manage, check_is_owner

from . import ledger
from .iban import clean_bic, clean_iban
from .ledger import POINTS, Budget, Leg
from .models import (
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

VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out at the till


def rewards_settings(business) -> RewardSettings:
    found = RewardSettings.objects.filter(business=business).first()
    if found is None:
        found, _created = RewardSettings.objects.get_or_create(business=business)
    return found


def program_rewards(program) -> ProgramRewards:
    found = ProgramRewards.objects.filter(program=program).first()
    if found is None:
        found, _created = ProgramRewards.objects.get_or_create(
            program=program, defaults={"business_id": program.business_id}
        )
    return found


def _money_unit(business):
    return business.currency or "EUR"


def local_month(business, when: datetime) -> date:
    local = timezone.localtime(when, business.tzinfo)
    return local.date().replace(day=1)


# --- settings --------------------------------------------------------------------------------


SETTINGS_FIELDS = (
    "debtor_name",
    "debtor_iban",
    "debtor_bic",
    "payout_minimum_minor",
    "points_per_euro",
    "voucher_validity_days",
    "yearly_ceiling_minor",
    "ceiling_warning_percent",
)


def _positive_int(value, field, *, minimum=0, maximum=None):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Enter a whole number."), field=field) from None
    if isinstance(value, float) and value != number:
        raise ValidationFailed(_("Enter a whole number."), field=field)
    if number < minimum:
        raise ValidationFailed(
            _("Enter a number of at least %(minimum)d.") % {"minimum": minimum}, field=field
        )
    if maximum is not None and number > maximum:
        raise ValidationFailed(
            _("Enter a number of at most %(maximum)d.") % {"maximum": maximum}, field=field
        )
    return number


@transaction.atomic
def update_settings(business, actor, **changes) -> RewardSettings:
    """The owner sets where payouts come from and the limits; money out is the owner's."""
    check_is_owner(actor, business)
    current = rewards_settings(business)
    for name, value in changes.items():
        if name not in SETTINGS_FIELDS:
            raise ValidationFailed(_("Unknown setting."), field=name)
        if name == "debtor_iban":
            value = clean_iban(value, field=name) if value else ""
        elif name == "debtor_bic":
            value = clean_bic(value, field=name)
        elif name == "debtor_name":
            value = (value or "").strip()[:70]
        elif name == "ceiling_warning_percent":
            value = _positive_int(value, name, minimum=1, maximum=100)
        elif name in ("points_per_euro", "voucher_validity_days", "payout_minimum_minor"):
            value = _positive_int(value, name, minimum=1)
        else:
            value = _positive_int(value, name)
        setattr(current, name, value)
    current.save()
    return current


@transaction.atomic
def update_program_rewards(business, actor, program, *, monthly_budget_minor=..., peer_chooses=...):
    check_is_owner(actor, business)
    if program.business_id != business.pk:
        raise PermissionDenied()
    settings = program_rewards(program)
    if monthly_budget_minor is not ...:
        settings.monthly_budget_minor = (
            None
            if monthly_budget_minor in (None, "")
            else _positive_int(monthly_budget_minor, "monthly_budget_minor")
        )
    if peer_chooses is not ...:
        settings.peer_chooses = bool(peer_chooses)
    settings.save()
    return settings


# --- causes, badges and rules ----------------------------------------------------------------


@transaction.atomic
def create_cause(business, actor, *, name_it, name_en="", account_holder, iban, bic="", **texts):
    check_is_owner(actor, business)
    name_it = (name_it or "").strip()
    if not name_it and not (name_en or "").strip():
        raise ValidationFailed(_("Give the cause a name."), field="name_it")
    if not (account_holder or "").strip():
        raise ValidationFailed(_("Enter the account holder's name."), field="account_holder")
    return Cause.objects.create(
        business=business,
        name_it=name_it or name_en.strip(),
        name_en=(name_en or "").strip() or name_it,
        description_it=texts.get("description_it", "")[:300],
        description_en=texts.get("description_en", "")[:300],
        account_holder=account_holder.strip()[:70],
        iban=clean_iban(iban),
        bic=clean_bic(bic),
    )


@transaction.atomic
def create_badge(
    business, actor, *, slug, name_it, name_en="", description_it="", description_en=""
):
    check_can_manage(actor, business)
    from django.utils.text import slugify

    slug = slugify(slug or name_en or name_it)[:50]
    if not slug:
        raise ValidationFailed(_("Give the badge a name."), field="name_it")
    if Badge.objects.filter(business=business, slug=slug).exists():
        raise ValidationFailed(_("A badge with this code exists already."), field="slug")
    return Badge.objects.create(
        business=business,
        slug=slug,
        name_it=name_it or name_en,
        name_en=name_en or name_it,
        description_it=description_it[:200],
        description_en=description_en[:200],
    )


RULE_FIELDS = (
    "event",
    "condition",
    "threshold",
    "reward",
    "amount",
    "from_event",
    "badge",
    "cause",
)


def _clean_rule(business, values):
    event = values.get("event")
    if event not in Event.values:
        raise ValidationFailed(_("Choose when the rule gives its reward."), field="event")
    condition = values.get("condition") or Condition.ALWAYS
    if condition not in Condition.values:
        raise ValidationFailed(_("Choose a condition."), field="condition")
    threshold = _positive_int(values.get("threshold") or 0, "threshold")
    if condition in (Condition.MIN_MINUTES, Condition.NTH, Condition.EVERY_NTH) and threshold < 1:
        raise ValidationFailed(_("This condition needs N of at least 1."), field="threshold")
    reward = values.get("reward")
    if reward not in RewardKind.values:
        raise ValidationFailed(_("Choose the reward."), field="reward")
    amount = _positive_int(values.get("amount") or 0, "amount")
    from_event = bool(values.get("from_event"))
    badge = values.get("badge")
    cause = values.get("cause")
    if isinstance(badge, int | str) and badge != "":
        badge = Badge.objects.filter(business=business, pk=badge).first() or _missing("badge")
    if isinstance(cause, int | str) and cause != "":
        cause = Cause.objects.filter(business=business, pk=cause).first() or _missing("cause")
    badge = badge or None
    cause = cause or None
    if reward == RewardKind.BADGE:
        if badge is None:
            raise ValidationFailed(_("Choose the badge to give."), field="badge")
        amount, from_event, cause = 0, False, None
    else:
        badge = None
        if not from_event and amount < 1:
            raise ValidationFailed(
                _("Enter an amount, or pay what the block promised."), field="amount"
            )
        if reward == RewardKind.DONATION and cause is None:
            raise ValidationFailed(_("Choose the cause to donate to."), field="cause")
        if reward != RewardKind.DONATION:
            cause = None
    for obj, field in ((badge, "badge"), (cause, "cause")):
        if obj is not None and obj.business_id != business.pk:
            _missing(field)
    return {
        "event": event,
        "condition": condition,
        "threshold": threshold,
        "reward": reward,
        "amount": amount,
        "from_event": from_event,
        "badge": badge,
        "cause": cause,
    }


def _missing(field):
    raise ValidationFailed(_("No such choice."), field=field)


@transaction.atomic
def create_rule(business, actor, program, **values) -> RewardRule:
    check_can_manage(actor, business)
    if program.business_id != business.pk:
        raise PermissionDenied()
    return RewardRule.objects.create(
        business=business, program=program, **_clean_rule(business, values)
    )


@transaction.atomic
def update_rule(business, actor, rule, **values) -> RewardRule:
    check_can_manage(actor, business)
    if rule.business_id != business.pk:
        raise PermissionDenied()
    merged = {name: getattr(rule, name) for name in RULE_FIELDS}
    merged.update(values)
    for name, value in _clean_rule(business, merged).items():
        setattr(rule, name, value)
    if "active" in values:
        rule.active = bool(values["active"])
    rule.save()
    return rule


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


_EVENT_SQL = (
    f'INSERT INTO "{RewardEvent._meta.db_table}" (business_id, key, event, peer_id, '  # noqa: S608
    "program_id, occurred_at, payload) VALUES (%s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (business_id, key) DO NOTHING RETURNING id"
)


def _record_event(business, occurrence) -> bool:
    """Record the event; False if it was recorded before (one statement, no savepoint)."""
    event_field = RewardEvent._meta.get_field("occurred_at")
    payload_field = RewardEvent._meta.get_field("payload")
    from django.db import connection

    with db.hot_cursor() as cursor:
        cursor.execute(
            _EVENT_SQL,
            [
                business.pk,
                occurrence.key,
                occurrence.event,
                occurrence.peer_id,
                occurrence.program_id,
                event_field.get_db_prep_save(occurrence.occurred_at, connection),
                payload_field.get_db_prep_save(
                    {"claim_id": occurrence.claim_id, "minutes": occurrence.minutes}, connection
                ),
            ],
        )
        return cursor.fetchone() is not None


class _Settings:
    """The business's and the program's reward settings, read at most once per event."""

    def __init__(self, business, program_id, program=None, rewards=None):
        self.business, self.program_id = business, program_id
        self._program, self._business = program, rewards

    @property
    def program(self) -> ProgramRewards:
        if self._program is None:
            self._program = program_rewards_for(self.business, self.program_id)
        return self._program

    @property
    def rewards(self) -> RewardSettings:
        if self._business is None:
            self._business = rewards_settings(self.business)
        return self._business


_RULE_FIELDS = (
    "id",
    "business_id",
    "program_id",
    "event",
    "condition",
    "threshold",
    "reward",
    "amount",
    "from_event",
    "badge_id",
    "cause_id",
    "active",
)
_PROGRAM_FIELDS = ("id", "business_id", "program_id", "monthly_budget_minor", "peer_chooses")
_SETTINGS_FIELDS = (
    "id",
    "business_id",
    "points_per_euro",
    "voucher_validity_days",
    "yearly_ceiling_minor",
    "ceiling_warning_percent",
    "payout_minimum_minor",
)


def _rules_sql():
    r, pr, rs = (m._meta.db_table for m in (RewardRule, ProgramRewards, RewardSettings))
    cols = [f"r.{c}" for c in _RULE_FIELDS]
    cols += [f"pr.{c}" for c in _PROGRAM_FIELDS] + [f"rs.{c}" for c in _SETTINGS_FIELDS]
    return (
        f"SELECT {', '.join(cols)} FROM {r} r "  # noqa: S608
        f"LEFT JOIN {pr} pr ON pr.program_id = r.program_id "
        f"LEFT JOIN {rs} rs ON rs.business_id = r.business_id "
        "WHERE r.business_id = %s AND r.program_id = %s AND r.event = %s AND r.active "
        "ORDER BY r.id"
    )


def _rules_and_settings(business, occurrence):
    """The program's active rules for the event, with the program's and the business's
    reward settings: one statement."""
    with db.hot_cursor() as cursor:
        cursor.execute(_rules_sql(), [business.pk, occurrence.program_id, occurrence.event])
        rows = cursor.fetchall()
    if not rows:
        return [], None
    n, m = len(_RULE_FIELDS), len(_PROGRAM_FIELDS)
    rules = [db.instance(RewardRule, _RULE_FIELDS, row[:n]) for row in rows]
    first = rows[0]
    program = settings = None
    if first[n] is not None:
        program = db.instance(ProgramRewards, _PROGRAM_FIELDS, first[n : n + m])
    if first[n + m] is not None:
        settings = db.instance(RewardSettings, _SETTINGS_FIELDS, first[n + m :])
    program = program or ProgramRewards(business=business, program_id=occurrence.program_id)
    return rules, _Settings(business, occurrence.program_id, program, settings)


def handle(business, occurrence: Occurrence) -> list[Reward]:
    """Run the program's rules for one event, once per event key. Returns the rewards granted
    (posted or held); a repeated event grants nothing more."""
    # No savepoint: a failure here fails the caller's whole transaction (the completed block
    # and its rewards commit together or not at all).
    with transaction.atomic(savepoint=False):
        if not _record_event(business, occurrence):
            return list(
                Reward.objects.filter(business=business, key__startswith=occurrence.key + ":")
            )
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
        budget_month=local_month(business, occurrence.occurred_at),
    )
    return _pay(business, reward, settings=settings, first_time=True)


def program_rewards_for(business, program_id) -> ProgramRewards:
    found = ProgramRewards.objects.filter(business=business, program_id=program_id).first()
    return found or ProgramRewards(business=business, program_id=program_id)


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
        existing = Reward.objects.filter(business=business, key=reward.key).first()
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
    reward.pk = db.insert_returning_id(
        Reward, {f.attname: getattr(reward, f.attname) for f in fields}
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
        if Voucher.objects.filter(business=business, code=code).exists():
            code = None
            continue
        ref = ledger.accounts(business.pk, [spec])[spec]
        from .models import Account

        return Voucher.objects.create(
            business=business,
            code=code,
            peer_id=peer_id,
            value_minor=value,
            currency=currency,
            account=Account.objects.get(pk=ref.id),
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


def year_earned(business, peer_id, year) -> int:
    """What a peer earned in money (cash and shop credit) in a calendar year, in minor units."""
    tz = business.tzinfo
    start = datetime(year, 1, 1, tzinfo=tz)
    end = datetime(year + 1, 1, 1, tzinfo=tz)
    from django.db import connection

    field = Reward._meta.get_field("created_at")
    start, end = (field.get_db_prep_value(d, connection) for d in (start, end))
    with db.hot_cursor() as cursor:
        cursor.execute(_YEAR_SQL, [peer_id, start, end, business.pk])
        return int(cursor.fetchone()[0])


_YEAR_SQL = (
    f'SELECT COALESCE(SUM(amount), 0) FROM "{Reward._meta.db_table}" '  # noqa: S608
    "WHERE peer_id = %s AND created_at >= %s AND created_at < %s AND business_id = %s "
    f"AND status = '{RewardStatus.POSTED.value}' "
    f"AND kind IN ('{RewardKind.CASH.value}', '{RewardKind.VOUCHER.value}')"
)


def _check_yearly_ceiling(business, reward, context=None):
    settings = (context or _Settings(business, reward.program_id)).rewards
    if not settings.yearly_ceiling_minor:
        return
    year = timezone.localtime(reward.created_at, business.tzinfo).year
    earned = year_earned(business, reward.peer_id, year)
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


def _held(business, reward_id) -> Reward:
    reward = (
        Reward.objects.select_for_update()
        .filter(business=business, pk=reward_id)
        .select_related("peer", "program")
        .first()
    )
    if reward is None:
        raise DomainError(_("No such reward."), code="not_found", status=404)
    if reward.status != RewardStatus.HELD:
        raise InvalidTransition(_("This reward is no longer waiting for a decision."))
    return reward


@transaction.atomic
def approve_held_reward(business, actor, reward_id) -> Reward:
    """Pay a held reward although it goes over the month's budget."""
    check_is_owner(actor, business)
    reward = _held(business, reward_id)
    reward.decided_by = actor
    reward.decided_at = timezone.now()
    return _pay(business, reward, over_budget_ok=True, actor=actor, first_time=True)


@transaction.atomic
def decline_held_reward(business, actor, reward_id, *, reason) -> Reward:
    check_is_owner(actor, business)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Tell the peer why."), field="reason")
    reward = _held(business, reward_id)
    reward.status = RewardStatus.DECLINED
    reward.decided_by = actor
    reward.decided_at = timezone.now()
    reward.decline_reason = reason[:300]
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
    return reward


# --- the peer's side -------------------------------------------------------------------------


@transaction.atomic
def choose_reward_form(peer, *, form, cause=None) -> PeerRewardChoice:
    if form not in PeerRewardChoice.Form.values:
        raise ValidationFailed(_("Choose how you want your rewards."), field="form")
    if form == PeerRewardChoice.Form.DONATION:
        if cause in (None, ""):
            raise ValidationFailed(_("Choose the cause to donate to."), field="cause")
        if not isinstance(cause, Cause):
            cause = Cause.objects.filter(
                business_id=peer.business_id, pk=cause, active=True
            ).first()
        if cause is None or cause.business_id != peer.business_id or not cause.active:
            raise ValidationFailed(_("No such cause."), field="cause")
    else:
        cause = None
    choice, _created = PeerRewardChoice.objects.update_or_create(
        peer=peer, defaults={"business_id": peer.business_id, "form": form, "cause": cause}
    )
    return choice


@transaction.atomic
def set_payout_details(peer, *, account_holder, iban, bic="") -> PayoutDetails:
    holder = (account_holder or "").strip()
    if not holder:
        raise ValidationFailed(_("Enter the account holder's name."), field="account_holder")
    details, _created = PayoutDetails.objects.update_or_create(
        peer=peer,
        defaults={
            "business_id": peer.business_id,
            "account_holder": holder[:70],
            "iban": clean_iban(iban),
            "bic": clean_bic(bic),
        },
    )
    return details


@transaction.atomic
def update_showcase(peer, *, public, headline=""):
    showcase, _created = Showcase.objects.update_or_create(
        peer=peer,
        defaults={
            "business_id": peer.business_id,
            "public": bool(public),
            "headline": (headline or "").strip()[:120],
        },
    )
    return showcase


def convert_points(peer, points, *, key=None) -> Voucher:
    """Turn points into a shop voucher at the business's rate (whole euros of points)."""
    business = peer.business
    rate = rewards_settings(business).points_per_euro
    points = _positive_int(points, "points", minimum=rate)
    points -= points % rate  # whole euros only; the rest stays on the balance
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
    return voucher


# --- vouchers at the till --------------------------------------------------------------------


def voucher_remaining(voucher) -> int:
    return -ledger.balance(voucher.account_id)


def redeem_voucher(business, actor, code, amount_minor, *, key=None) -> Transaction:
    """Take `amount_minor` off a voucher at the till (partial redemption is fine)."""
    check_can_manage(actor, business)
    code = (code or "").strip().upper()
    voucher = Voucher.objects.filter(business=business, code=code).first()
    if voucher is None:
        raise ValidationFailed(_("No voucher has this code."), field="code")
    amount = _positive_int(amount_minor, "amount_minor", minimum=1)
    now = timezone.now()
    if voucher.expires_at <= now:
        raise ValidationFailed(
            _("This voucher expired on %(date)s.")
            % {"date": timezone.localtime(voucher.expires_at, business.tzinfo).date()},
            field="code",
        )
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
            legs=[Leg(refs[specs[0]], amount), Leg(refs[specs[1]], -amount)],
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
            % {"left": format_money(voucher_remaining(voucher), voucher.currency)},
        ) from exc
    return Transaction.objects.get(pk=posted.transaction_id)


def expire_vouchers(now=None) -> int:
    """Book what is left on expired vouchers as income (a periodic task). Returns how many."""
    from django_scopes import scopes_disabled

    now = now or timezone.now()
    count = 0
    with scopes_disabled():
        expired = Voucher.objects.filter(expires_at__lte=now, account__balances__amount__lt=0)
        for voucher in expired.select_related("business"):
            left = voucher_remaining(voucher)
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


def format_money(amount_minor, currency) -> str:
    from django.utils.translation import get_language

    from .statements import format_money as formatted

    return formatted(amount_minor, currency, (get_language() or "it")[:2])


# --- corrections -----------------------------------------------------------------------------


def correct_transaction(business, actor, transaction_id, *, memo) -> Transaction:
    """Reverse a transaction, with a note saying why (owner only)."""
    check_is_owner(actor, business)
    memo = (memo or "").strip()
    if not memo:
        raise ValidationFailed(_("Say why the transaction is corrected."), field="memo")
    original = Transaction.objects.filter(business=business, pk=transaction_id).first()
    if original is None:
        raise DomainError(_("No such transaction."), code="not_found", status=404)
    if original.reverses_id is not None:
        raise InvalidTransition(_("A correction cannot itself be corrected; post a new one."))
    if original.kind in (
        TransactionKind.PAYOUT_SENT,
        TransactionKind.PAYOUT_PAID,
        TransactionKind.PAYOUT_RETURNED,
    ):
        # The batch still says the payout went out: reversing the posting alone would pay
        # the peer twice. A payout is undone by marking it returned by the bank.
        raise InvalidTransition(_("A payout is corrected by marking it returned by the bank."))
    posted = ledger.reverse(
        business.pk, original.pk, key=f"reversal:{original.pk}", memo=memo, actor_id=actor.pk
    )
    return Transaction.objects.get(pk=posted.transaction_id)


def adjust_peer_balance(business, actor, peer, amount_minor, *, memo, key=None) -> Transaction:
    """Credit (positive) or debit (negative) a peer's payable balance, with a note."""
    check_is_owner(actor, business)
    if peer.business_id != business.pk:
        raise PermissionDenied()
    memo = (memo or "").strip()
    if not memo:
        raise ValidationFailed(_("Say why the balance is adjusted."), field="memo")
    try:
        amount = int(amount_minor)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Enter a whole number of cents."), field="amount_minor") from None
    if amount == 0:
        raise ValidationFailed(_("Enter an amount other than zero."), field="amount_minor")
    unit = _money_unit(business)
    specs = [ledger.house(AccountKind.ADJUSTMENTS, unit), ledger.peer_payable(peer.pk, unit)]
    refs = ledger.accounts(business.pk, specs)
    posted = ledger.post(
        business.pk,
        key=key or f"adjustment:{peer.pk}:{secrets.token_hex(8)}",
        kind=TransactionKind.ADJUSTMENT,
        legs=[Leg(refs[specs[0]], amount), Leg(refs[specs[1]], -amount)],
        reason="adjustment",
        memo=memo,
        peer_id=peer.pk,
        actor_id=actor.pk,
    )
    return Transaction.objects.get(pk=posted.transaction_id)
