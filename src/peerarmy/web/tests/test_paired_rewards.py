"""Every change to rewards that has both a console form and an API endpoint goes through one
typed input (`peerarmy.rewards.inputs`): the same bad input is refused on both paths, naming
the same fields with the same words, all of them at once, and nothing is saved.

Amounts are cents on the API and euros on the console: a body's cents are typed as euros."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.api.tests.conftest import ApiClient
from peerarmy.rewards import payouts, selectors, services
from peerarmy.rewards.models import (
    Badge,
    Cause,
    PayoutBatch,
    PayoutStatus,
    PeerRewardChoice,
    Reward,
    RewardRule,
    RewardStatus,
    Transaction,
    Voucher,
)
from peerarmy.rewards.tests.factories import (
    IBANS,
    BadgeFactory,
    CauseFactory,
    RuleFactory,
    adjust,
    change_program_rewards,
    change_settings,
    choose_form,
    occurrence,
    prepare,
    set_bank,
)
from peerarmy.web.tests.paired import assert_same_errors

pytestmark = pytest.mark.django_db

B = "/bicigialla"
BAD_IBAN = "IT60X0542811101000000123457"  # the check digits are wrong
TOO_MUCH = 10**12 + 1  # cents: beyond any amount


def euros(cents):
    """Cents as a person types them in a euro box."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def as_form(body, euro_fields=(), **renamed):
    """What a browser sends for an API body: euros for cents, text for numbers, a ticked box
    as "on" (an unticked one is not sent), and the form's names for the input's."""
    data = {}
    for name, value in body.items():
        if value is False or value is None:
            continue
        if value is True:
            value = "on"
        elif name in euro_fields and isinstance(value, int):
            value = euros(value)
        data[renamed.get(name, name)] = str(value)
    return data


def _speaking(client, user, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def owner_en(client, owner):
    return _speaking(client, owner)


@pytest.fixture
def owner_api(client, business, owner):
    _token, raw = create_token(business=business, actor=owner).value
    return ApiClient(client, raw, language="en")


@pytest.fixture
def peer_en(client, peer):
    return _speaking(client, peer.user)


@pytest.fixture
def peer_api(client, business, peer):
    _token, raw = create_peer_token(business=business, peer_user=peer.user).value
    return ApiClient(client, raw, language="en")


def put(api, url, body):
    return api._send("put", url, body, {})


# --- the owner's settings ----------------------------------------------------------------------

SETTINGS = {
    "debtor_name": "Bici Gialla srl",
    "debtor_iban": IBANS[0],
    "debtor_bic": "",
    "payout_minimum_minor": 2000,
    "points_per_euro": 100,
    "voucher_validity_days": 365,
    "yearly_ceiling_minor": 500000,
    "ceiling_warning_percent": 80,
}
SETTINGS_MONEY = ("payout_minimum_minor", "yearly_ceiling_minor")


@pytest.mark.parametrize(
    ("bad", "fields"),
    [
        ({"ceiling_warning_percent": 101}, {"ceiling_warning_percent"}),
        ({"points_per_euro": 0}, {"points_per_euro"}),
        ({"voucher_validity_days": 3654}, {"voucher_validity_days"}),
        ({"payout_minimum_minor": 0}, {"payout_minimum_minor"}),
        ({"yearly_ceiling_minor": TOO_MUCH}, {"yearly_ceiling_minor"}),
        ({"debtor_iban": BAD_IBAN}, {"debtor_iban"}),
        ({"debtor_bic": "NOTABIC"}, {"debtor_bic"}),
        ({"debtor_name": "x" * 71}, {"debtor_name"}),
        (
            {"ceiling_warning_percent": 0, "debtor_iban": "XX", "points_per_euro": "many"},
            {"ceiling_warning_percent", "debtor_iban", "points_per_euro"},
        ),
    ],
)
def test_the_settings_are_refused_alike_on_both_paths(
    owner_api, owner_en, business, owner, bad, fields
):
    change_settings(business, owner, **SETTINGS)

    on_api = owner_api.patch("/api/v1/rewards/settings", bad)
    on_page = owner_en.post(
        f"{B}/manage/rewards/settings/", as_form({**SETTINGS, **bad}, SETTINGS_MONEY)
    )

    assert_same_errors(on_api, on_page, expected=fields)
    saved = selectors.settings_of(business)
    assert (saved.debtor_iban, saved.points_per_euro) == (IBANS[0], 100)


@pytest.mark.parametrize("budget", [-1, TOO_MUCH])
def test_a_programs_budget_is_refused_alike_on_both_paths(
    owner_api, owner_en, business, owner, program, budget
):
    change_program_rewards(business, owner, program, monthly_budget_minor=5000)
    body = {"monthly_budget_minor": budget, "peer_chooses": True}
    prefix = f"program-{program.pk}-"

    on_api = owner_api.patch(f"/api/v1/rewards/programs/{program.pk}", body)
    on_page = owner_en.post(
        f"{B}/manage/rewards/programs/{program.pk}/",
        {prefix + k: v for k, v in as_form(body, ["monthly_budget_minor"]).items()},
    )

    assert_same_errors(on_api, on_page, form="program_form", expected={"monthly_budget_minor"})
    found = selectors.program_rewards_of(business, program)
    assert (found.monthly_budget_minor, found.peer_chooses) == (5000, False)


CAUSE = {
    "name_it": "Canile di quartiere",
    "name_en": "Dog shelter",
    "account_holder": "Amici del canile",
    "iban": IBANS[3],
    "bic": "",
}


@pytest.mark.parametrize(
    ("bad", "fields"),
    [
        ({"name_it": "", "name_en": ""}, {"name_it"}),
        ({"name_en": "x" * 121}, {"name_en"}),
        ({"account_holder": ""}, {"account_holder"}),
        ({"iban": BAD_IBAN}, {"iban"}),
        ({"iban": ""}, {"iban"}),
        ({"bic": "XX"}, {"bic"}),
        ({"account_holder": " ", "iban": "BR18", "bic": "XX"}, {"account_holder", "iban", "bic"}),
    ],
)
def test_a_new_cause_is_refused_alike_on_both_paths(owner_api, owner_en, business, bad, fields):
    on_api = owner_api.post("/api/v1/rewards/causes", {**CAUSE, **bad})
    on_page = owner_en.post(f"{B}/manage/rewards/causes/", as_form({**CAUSE, **bad}))

    assert_same_errors(on_api, on_page, form="cause_form", expected=fields)
    assert not Cause.objects.filter(business=business).exists()


# --- the staff's rules and badges ---------------------------------------------------------------

BADGE = {"slug": "ten-deliveries", "name_it": "Dieci consegne", "name_en": "Ten deliveries"}


@pytest.mark.parametrize(
    ("bad", "fields"),
    [
        ({"name_it": "", "name_en": ""}, {"name_it"}),
        ({"slug": "s" * 51}, {"slug"}),
        ({"slug": "taken"}, {"slug"}),
        ({"name_en": "x" * 81, "description_it": "y" * 201}, {"name_en", "description_it"}),
        # no code can be made of these: the input says so (the service used to say it again)
        ({"slug": "", "name_it": "日本", "name_en": ""}, {"slug"}),
        ({"slug": "!!!"}, {"slug"}),
    ],
)
def test_a_new_badge_is_refused_alike_on_both_paths(staff_api, staff_en, business, bad, fields):
    BadgeFactory(business=business, slug="taken")

    on_api = staff_api.post("/api/v1/rewards/badges", {**BADGE, **bad})
    on_page = staff_en.post(f"{B}/manage/rewards/badges/", as_form({**BADGE, **bad}))

    assert_same_errors(on_api, on_page, form="badge_form", expected=fields)
    assert list(Badge.objects.filter(business=business).values_list("slug", flat=True)) == ["taken"]


RULE = {"event": "block.completed", "condition": "always", "reward": "cash", "amount": 1500}
RULE_NAMES = {"program_id": "program", "badge_id": "badge", "cause_id": "cause"}


def _foreign(other_business):
    return {
        "badge": BadgeFactory(business=other_business).pk,
        "cause": CauseFactory(business=other_business).pk,
    }


@pytest.mark.parametrize(
    ("bad", "fields"),
    [
        ({"event": "birthday"}, {"event"}),
        ({"reward": "gold"}, {"reward"}),
        ({"condition": "nth", "threshold": 0}, {"threshold"}),
        ({"threshold": -1}, {"threshold"}),
        ({"amount": 0}, {"amount"}),
        ({"amount": TOO_MUCH}, {"amount"}),
        ({"reward": "badge"}, {"badge_id"}),
        ({"reward": "donation"}, {"cause_id"}),
        ({"reward": "badge", "badge_id": "foreign badge"}, {"badge_id"}),
        ({"reward": "donation", "cause_id": "foreign cause"}, {"cause_id"}),
        (
            {"condition": "every_nth", "threshold": 0, "reward": "donation", "amount": 0},
            {"threshold", "amount", "cause_id"},
        ),
    ],
)
def test_a_new_rule_is_refused_alike_on_both_paths(
    staff_api, staff_en, business, other_business, program, bad, fields
):
    foreign = _foreign(other_business)
    bad = {
        k: foreign[v.split()[1]] if isinstance(v, str) and v.startswith("foreign") else v
        for k, v in bad.items()
    }
    body = {**RULE, "program_id": program.pk, **bad}

    on_api = staff_api.post("/api/v1/rewards/rules", body)
    on_page = staff_en.post(f"{B}/manage/rewards/rules/", as_form(body, ["amount"], **RULE_NAMES))

    assert_same_errors(on_api, on_page, form="rule_form", expected=fields)
    assert not RewardRule.objects.exists()


# A rule's switch: the console's row button and the API's PATCH `active` are one change (the
# rule's input `RuleChange`, the service `update_rule`). The console answers with a message
# after its redirect (the switch has no box), so its words are compared with the API's.


def _switch(api, page, rule, active):
    """The same switch sent on both paths: (the API's answer, the console's messages)."""
    on_api = api.patch(f"/api/v1/rewards/rules/{rule.pk}", {"active": active})
    on_page = page.post(
        f"{B}/manage/rewards/rules/{rule.pk}/toggle/",
        {"active": str(active).lower()},
        follow=True,
    )
    assert on_page.redirect_chain[-1][0].endswith(f"{B}/manage/rewards/rules/")
    return on_api, [str(m) for m in on_page.context["messages"]]


def test_a_rules_switch_is_one_change_on_both_paths(staff_api, staff_en, program):
    on_api_rule = RuleFactory(program=program, amount=1500)
    on_page_rule = RuleFactory(program=program, amount=1500)

    for active, says in ((False, "The rule is switched off."), (True, "The rule is active again.")):
        on_api = staff_api.patch(f"/api/v1/rewards/rules/{on_api_rule.pk}", {"active": active})
        _api, on_page = _switch(staff_api, staff_en, on_page_rule, active)

        assert on_api.status_code == 200 and on_api.json()["active"] is active
        assert on_page == [says]
        for rule in (on_api_rule, on_page_rule):
            rule.refresh_from_db()
            assert rule.active is active


@pytest.mark.parametrize("active", ["maybe", "2"])
def test_a_rules_switch_is_refused_alike_on_both_paths(staff_api, staff_en, program, active):
    rule = RuleFactory(program=program, amount=1500)

    on_api, on_page = _switch(staff_api, staff_en, rule, active)

    assert on_api.status_code == 422
    assert [e["field"] for e in on_api.json()["errors"]] == ["active"]
    assert [e["message"] for e in on_api.json()["errors"]] == on_page == ["Enter true or false."]
    rule.refresh_from_db()
    assert rule.active


def test_a_rule_the_input_no_longer_takes_cannot_be_switched_on_either_path(
    staff_api, staff_en, program
):
    """The switch runs the rule's whole input, as any change of the rule: a rule stored
    before its rules tightened (no amount) is refused alike, naming what is wrong."""
    rule = RuleFactory(program=program, amount=1500)
    RewardRule.objects.filter(pk=rule.pk).update(amount=0)

    on_api, on_page = _switch(staff_api, staff_en, rule, False)

    assert [e["field"] for e in on_api.json()["errors"]] == ["amount"]
    assert [e["message"] for e in on_api.json()["errors"]] == on_page
    rule.refresh_from_db()
    assert rule.active


# --- the owner's decisions and corrections ------------------------------------------------------


@pytest.fixture
def held(business, owner, peer, program):
    change_program_rewards(business, owner, program, monthly_budget_minor=1000)
    RuleFactory(program=program, amount=1500)
    (reward,) = services.handle(business, occurrence(peer, program))
    assert reward.status == RewardStatus.HELD
    return reward


@pytest.mark.parametrize(
    ("reason", "says"),
    [("", "Tell the peer why."), ("   ", "Tell the peer why."), ("x" * 301, "at most 300")],
)
def test_declining_a_held_reward_is_refused_alike_on_both_paths(
    owner_api, owner_en, held, reason, says
):
    on_api = owner_api.post(f"/api/v1/rewards/held/{held.pk}/decline", {"reason": reason})
    on_page = owner_en.post(f"{B}/manage/rewards/held/{held.pk}/decline/", {"reason": reason})

    assert_same_errors(on_api, on_page, form="decline_form", expected={"reason"})
    assert says in on_api.json()["errors"][0]["message"]
    assert f'id="decline-{held.pk}-error"' in on_page.content.decode()
    held.refresh_from_db()
    assert held.status == RewardStatus.HELD


@pytest.mark.parametrize(("memo", "says"), [("", "Say why"), ("x" * 301, "at most 300")])
def test_a_correction_is_refused_alike_on_both_paths(
    owner_api, owner_en, business, owner, peer, memo, says
):
    txn = adjust(business, owner, peer, 1500, memo="Season bonus")

    on_api = owner_api.post(f"/api/v1/rewards/transactions/{txn.pk}/correct", {"memo": memo})
    on_page = owner_en.post(f"{B}/manage/rewards/journal/{txn.pk}/correct/", {"memo": memo})

    assert_same_errors(on_api, on_page, form="memo_form", expected={"memo"})
    assert says in on_api.json()["errors"][0]["message"]
    assert not Transaction.objects.filter(reverses=txn).exists()


# --- vouchers at the till -----------------------------------------------------------------------


@pytest.fixture
def voucher(business, owner, peer, program):
    change_program_rewards(business, owner, program, peer_chooses=True)
    choose_form(peer, form=PeerRewardChoice.Form.CREDIT)
    RuleFactory(program=program, amount=1500)
    services.handle(business, occurrence(peer, program))
    return Voucher.objects.get(peer=peer)


@pytest.mark.parametrize(
    ("bad", "fields"),
    [
        ({"amount_minor": 0}, {"amount_minor"}),
        ({"amount_minor": TOO_MUCH}, {"amount_minor"}),
        ({"code": "NOPE-NOPE-NOPE"}, {"code"}),
        ({"code": "x" * 41}, {"code"}),
        ({"code": "x" * 41, "amount_minor": 0}, {"code", "amount_minor"}),
    ],
)
def test_a_redemption_is_refused_alike_on_both_paths(staff_api, staff_en, voucher, bad, fields):
    body = {"code": voucher.code, "amount_minor": 500, **bad}

    on_api = staff_api.post("/api/v1/rewards/vouchers/redeem", body)
    on_page = staff_en.post(
        f"{B}/manage/rewards/vouchers/",
        {**as_form(body, ["amount_minor"]), "key": "0123456789abcdef"},
    )

    assert_same_errors(on_api, on_page, expected=fields)
    assert selectors.voucher_remaining(voucher) == 1500


def test_an_expired_voucher_is_refused_alike_on_both_paths(staff_api, staff_en, voucher):
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(days=1))
    body = {"code": voucher.code.lower(), "amount_minor": 500}

    on_api = staff_api.post("/api/v1/rewards/vouchers/redeem", body)
    on_page = staff_en.post(f"{B}/manage/rewards/vouchers/", as_form(body, ["amount_minor"]))

    assert_same_errors(on_api, on_page, expected={"code"})
    assert "expired" in on_api.json()["errors"][0]["message"]


# --- payout runs --------------------------------------------------------------------------------


def _yesterday(business):
    return (timezone.localdate(timezone.now(), business.tzinfo) - timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("bad", "fields"),
    [
        # the console used to take a day in the past: now both paths refuse it
        ({"execution_date": "yesterday"}, {"execution_date"}),
        ({"execution_date": "3000-01-01"}, {"execution_date"}),
        ({"execution_date": "next tuesday"}, {"execution_date"}),
        ({"kind": "friends"}, {"kind"}),
        ({"kind": "friends", "execution_date": "yesterday"}, {"kind", "execution_date"}),
        ({"kind": "donations"}, {"kind"}),  # nothing to pay: the service says so
    ],
)
def test_a_payout_run_is_refused_alike_on_both_paths(
    staff_api, staff_en, business, owner, peer, bad, fields
):
    adjust(business, owner, peer, 5000, memo="Season bonus")
    set_bank(peer, account_holder="Giulia Rossi", iban=IBANS[0])
    bad = {k: _yesterday(business) if v == "yesterday" else v for k, v in bad.items()}
    body = {"kind": "peers", **bad}

    on_api = staff_api.post("/api/v1/payouts/batches", body)
    on_page = staff_en.post(f"{B}/manage/rewards/prepare/", as_form(body))

    assert_same_errors(on_api, on_page, form="prepare_form", expected=fields)
    assert not PayoutBatch.objects.exists()


def test_a_day_in_the_past_is_refused_in_italian_on_both_paths(
    staff_api, staff_client, business, owner, peer
):
    adjust(business, owner, peer, 5000, memo="Bonus")
    set_bank(peer, account_holder="Giulia Rossi", iban=IBANS[0])
    staff_api.language = "it"
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    body = {"kind": "peers", "execution_date": _yesterday(business)}

    on_api = staff_api.post("/api/v1/payouts/batches", body)
    on_page = staff_client.post(f"{B}/manage/rewards/prepare/", as_form(body))

    assert_same_errors(on_api, on_page, form="prepare_form", expected={"execution_date"})
    assert on_api.json()["errors"][0]["message"].startswith("La banca non può pagare")


@pytest.fixture
def sent_payout(business, owner, staff, peer):
    adjust(business, owner, peer, 5000, memo="Season bonus")
    set_bank(peer, account_holder="Giulia Rossi", iban=IBANS[0])
    batch, _left_out = prepare(business, staff)
    payouts.approve_batch(business, owner, batch)
    payouts.mark_sent(business, staff, batch)
    return batch.payouts.get()


@pytest.mark.parametrize(("reason", "says"), [("", "reason"), ("x" * 201, "at most 200")])
def test_a_returned_payment_is_refused_alike_on_both_paths(
    staff_api, staff_en, sent_payout, reason, says
):
    url = f"payouts/{sent_payout.pk}/return"

    on_api = staff_api.post(f"/api/v1/{url}", {"reason": reason})
    on_page = staff_en.post(f"{B}/manage/rewards/{url}/", {"reason": reason})

    assert_same_errors(on_api, on_page, form="return_form", expected={"reason"})
    assert says in on_api.json()["errors"][0]["message"]
    sent_payout.refresh_from_db()
    assert sent_payout.status == PayoutStatus.SENT


# --- the peer's wallet --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"form": "gold"}, {"form"}),
        ({"form": "donation"}, {"cause_id"}),
        ({"form": "donation", "cause_id": "foreign"}, {"cause_id"}),
        ({"form": "donation", "cause_id": "inactive"}, {"cause_id"}),
        ({"form": "cash", "cause_id": 0}, {"cause_id"}),
    ],
)
def test_the_form_of_rewards_is_refused_alike_on_both_paths(
    peer_api, peer_en, business, other_business, peer, body, fields
):
    causes = {
        "foreign": CauseFactory(business=other_business).pk,
        "inactive": CauseFactory(business=business, active=False).pk,
    }
    body = {k: causes.get(v, v) if isinstance(v, str) else v for k, v in body.items()}

    on_api = put(peer_api, "/api/v1/me/wallet/choice", body)
    on_page = peer_en.post(f"{B}/me/wallet/choice/", as_form(body, cause_id="cause"))

    assert_same_errors(on_api, on_page, form="choice_form", expected=fields)
    assert not PeerRewardChoice.objects.filter(peer=peer).exists()


BANK = {"account_holder": "Giulia Rossi", "iban": IBANS[0], "bic": ""}


@pytest.mark.parametrize(
    ("bad", "fields"),
    [
        ({"iban": BAD_IBAN}, {"iban"}),
        ({"iban": "BR1800360305000010009795493C1"}, {"iban"}),
        ({"account_holder": ""}, {"account_holder"}),
        ({"bic": "NOTABIC"}, {"bic"}),
        ({"account_holder": "x" * 71, "iban": "", "bic": "X"}, {"account_holder", "iban", "bic"}),
    ],
)
def test_bank_details_are_refused_alike_on_both_paths(peer_api, peer_en, peer, bad, fields):
    on_api = put(peer_api, "/api/v1/me/wallet/bank", {**BANK, **bad})
    on_page = peer_en.post(f"{B}/me/wallet/bank/", as_form({**BANK, **bad}))

    assert_same_errors(on_api, on_page, form="bank_form", expected=fields)
    assert selectors.payout_details_of(peer) is None


@pytest.mark.parametrize("points", [0, 99, "many", TOO_MUCH])
def test_converting_points_is_refused_alike_on_both_paths(
    peer_api, peer_en, business, peer, program, points
):
    RuleFactory(program=program, reward="points", amount=500)
    services.handle(business, occurrence(peer, program))

    on_api = peer_api.post("/api/v1/me/wallet/points/convert", {"points": points})
    on_page = peer_en.post(f"{B}/me/wallet/points/", {"points": str(points)})

    assert_same_errors(on_api, on_page, form="convert_form", expected={"points"})
    assert selectors.wallet(peer).points == 500
    assert not Voucher.objects.filter(peer=peer).exists()
    assert not Reward.objects.filter(peer=peer, status=RewardStatus.DECLINED).exists()
