"""Rewards through the API: the staff read the books, set rules and budgets, redeem vouchers at
the till and run payouts to a SEPA file the bank accepts; the owner alone moves money; a peer's
own token reads the wallet, its movements and statements, and sets how and where they are
paid. Another business's ids answer 404, bad input a problem naming the field, never a 500."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from peerarmy.accounts.inputs import TokenInput
from peerarmy.accounts.services import create_peer_token, create_token
from peerarmy.api.api import endpoints
from peerarmy.notifications.models import OutboxMessage
from peerarmy.rewards import payouts, selectors, sepa, services
from peerarmy.rewards.models import (
    Cause,
    Event,
    PayoutDetails,
    RewardRule,
    RewardStatus,
    Transaction,
    Voucher,
)
from peerarmy.rewards.tests.factories import (
    add_badge,
    add_cause,
    add_rule,
    adjust,
    change_program_rewards,
    change_settings,
    convert,
    prepare,
    set_bank,
)
from peerarmy.scheduling.models import Block, Claim
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import OwnerFactory, PeerFactory, ProgramFactory

from .conftest import ApiClient, problem_fields

pytestmark = pytest.mark.django_db

R = "/api/v1/rewards"
PAYOUTS = "/api/v1/payouts"
WALLET = "/api/v1/me/wallet/"
SHOP_IBAN = "IT60X0542811101000000123456"
ANNA_IBAN = "DE89370400440532013000"
BRUNO_IBAN = "FR1420041010050500013M02606"


def put(api, url, body):
    return api._send("put", url, body, {})


class EnglishApiClient(ApiClient):
    def _headers(self, extra):
        return {"HTTP_ACCEPT_LANGUAGE": "en", **super()._headers(extra)}


@pytest.fixture
def owner_api(client, business, owner):
    _token, raw = create_token(
        business=business, actor=owner, data=TokenInput(name="Owner's script")
    ).value
    return EnglishApiClient(client, raw)


def peer_client(client, business, peer):
    _token, raw = create_peer_token(
        business=business, peer_user=peer.user, data=TokenInput(name="Phone")
    ).value
    return EnglishApiClient(client, raw)


@pytest.fixture
def peer_api(client, business, peer):
    return peer_client(client, business, peer)


def refused(response, status, code, fields=()):
    assert response.status_code == status, response.content
    assert problem_fields(response) == list(fields)
    assert response.json()["code"] == code
    return response.json()


def grant(business, peer, *, reward="cash", amount=1500, program=None, key=None, **rule):
    """A reward granted to `peer` by a rule of its own (a fresh program unless one is given)."""
    program = program or ProgramFactory(business=business)
    made = RewardRule.objects.create(
        business=business,
        program=program,
        event=Event.RATING_FIVE_STARS,
        reward=reward,
        amount=amount,
        **rule,
    )
    granted = services.handle(
        business,
        services.Occurrence(
            event=Event.RATING_FIVE_STARS,
            key=key or f"rating.five_stars:test:{made.pk}:{peer.pk}",
            peer_id=peer.pk,
            program_id=program.pk,
            occurred_at=timezone.now(),
        ),
    )
    RewardRule.objects.filter(pk=made.pk).update(active=False)
    return granted[0] if granted else None


def held_reward(business, owner, peer, amount=1500):
    program = ProgramFactory(business=business)
    change_program_rewards(business, owner, program, monthly_budget_minor=1000)
    reward = grant(business, peer, program=program, amount=amount)
    assert reward.status == RewardStatus.HELD
    return reward


def points_voucher(business, peer, points=1000):
    grant(business, peer, reward="points", amount=points)
    return convert(peer, points)


# --- the overview --------------------------------------------------------------------------


def test_the_overview_shows_what_is_owed_held_and_spent(api, business, owner, peer):
    program = ProgramFactory(business=business, title_en="Deliveries")
    change_program_rewards(business, owner, program, monthly_budget_minor=5000)
    grant(business, peer, program=program, amount=1500)
    held = held_reward(business, owner, PeerFactory(business=business), amount=2500)
    voucher = points_voucher(business, peer, points=700)  # 7 € of voucher

    body = api.get(f"{R}/overview", HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["currency"] == "EUR"
    assert body["owed_to_peers_minor"] == 1500
    assert body["donations_owed_minor"] == 0
    assert body["in_transit_minor"] == 0
    assert body["vouchers_outstanding_minor"] == voucher.value_minor == 700
    budgets = {b["program_id"]: b for b in body["budgets"]}
    assert budgets[program.pk] == {
        "program_id": program.pk,
        "program_title": "Deliveries",
        "monthly_budget_minor": 5000,
        "spent_this_month_minor": 1500,
    }
    assert [r["id"] for r in body["held"]] == [held.pk]
    assert body["held"][0]["status"] == "held" and body["held"][0]["amount"] == 2500
    assert body["near_ceiling"] == []


def test_the_overview_names_peers_near_the_yearly_ceiling(api, business, owner, peer):
    change_settings(business, owner, yearly_ceiling_minor=10000)
    grant(business, peer, amount=8500)

    body = api.get(f"{R}/overview").json()

    assert body["yearly_ceiling_minor"] == 10000
    assert body["near_ceiling"] == [
        {"peer_id": peer.pk, "peer_name": peer.display_name, "earned_this_year_minor": 8500}
    ]


# --- rules ---------------------------------------------------------------------------------


def test_staff_create_list_and_switch_off_a_rule(api, business, program):
    created = api.post(
        f"{R}/rules",
        {
            "program_id": program.pk,
            "event": "block.completed",
            "condition": "weekend",
            "reward": "cash",
            "from_event": True,
        },
    )

    assert created.status_code == 201, created.content
    rule = created.json()
    assert (rule["program_id"], rule["event"], rule["condition"]) == (
        program.pk,
        "block.completed",
        "weekend",
    )
    assert rule["from_event"] is True and rule["active"] is True
    listed = api.get(f"{R}/rules", {"program": program.pk}).json()
    assert [r["id"] for r in listed["results"]] == [rule["id"]]

    changed = api.patch(f"{R}/rules/{rule['id']}", {"active": False, "amount": 300})

    assert changed.status_code == 200, changed.content
    assert changed.json()["active"] is False and changed.json()["amount"] == 300
    assert api.get(f"{R}/rules", {"active": True}).json()["count"] == 0


def test_a_badge_rule_and_a_donation_rule_name_what_they_give(api, owner_api, business, program):
    badge = api.post(f"{R}/badges", {"name_en": "First ride", "name_it": "Prima corsa"}).json()
    cause = owner_api.post(
        f"{R}/causes",
        {"name_it": "Ciclofficina", "account_holder": "Ciclofficina APS", "iban": SHOP_IBAN},
    ).json()

    as_badge = api.post(
        f"{R}/rules",
        {
            "program_id": program.pk,
            "event": "block.completed",
            "condition": "nth",
            "threshold": 1,
            "reward": "badge",
            "badge_id": badge["id"],
        },
    )
    as_donation = api.post(
        f"{R}/rules",
        {
            "program_id": program.pk,
            "event": "block.completed",
            "reward": "donation",
            "amount": 200,
            "cause_id": cause["id"],
        },
    )

    assert as_badge.status_code == as_donation.status_code == 201
    assert as_badge.json()["badge_id"] == badge["id"]
    assert as_donation.json()["cause_id"] == cause["id"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"event": "moon.landing"}, "event"),
        ({"reward": "gold"}, "reward"),
        ({"condition": "sometimes"}, "condition"),
        ({"amount": -5}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"amount": 10**20}, "amount"),
        ({"amount": 0}, "amount"),
        ({"threshold": 2**40}, "threshold"),
        ({"condition": "nth", "threshold": 0}, "threshold"),
        ({"reward": "badge"}, "badge_id"),
        ({"reward": "donation"}, "cause_id"),
        ({"reward": "badge", "badge_id": 10**9}, "badge_id"),
        ({"reward": "donation", "cause_id": 10**9}, "cause_id"),
        ({"reward": "donation", "cause_id": 10**20}, "cause_id"),
        ({"program_id": "first"}, "program_id"),
        ({"program_id": 2**63}, "program_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(api, program, changes, field):
    body = {"program_id": program.pk, "event": "block.completed", "reward": "cash", "amount": 100}

    response = api.post(f"{R}/rules", {**body, **changes})

    assert response.status_code == 422, response.content
    assert problem_fields(response) == [field]
    assert not RewardRule.objects.exists()


def test_another_businesss_badge_or_cause_cannot_go_in_a_rule(
    api, program, other_business, other_staff
):
    theirs = add_badge(other_business, other_staff, slug="lecce", name_it="Lecce")

    response = api.post(
        f"{R}/rules",
        {
            "program_id": program.pk,
            "event": "block.completed",
            "reward": "badge",
            "badge_id": theirs.pk,
        },
    )

    refused(response, 422, "validation_failed", ["badge_id"])


def test_a_rule_for_another_businesss_program_is_not_found(api, other_business):
    theirs = ProgramFactory(business=other_business)
    body = {"event": "block.completed", "reward": "cash", "amount": 100}

    response = api.post(f"{R}/rules", {**body, "program_id": theirs.pk})
    missing = api.post(f"{R}/rules", {**body, "program_id": 10**9})

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert not RewardRule.objects.exists()


def test_another_businesss_rule_and_program_budget_are_not_found(
    api, owner_api, other_business, other_staff
):
    their_program = ProgramFactory(business=other_business)
    theirs = add_rule(
        other_business,
        other_staff,
        their_program,
        event="block.completed",
        reward="cash",
        amount=100,
    )
    attempts = [
        (api, "patch", f"{R}/rules/{{id}}", theirs.pk, {"active": False}),
        (api, "get", f"{R}/programs/{{id}}", their_program.pk, None),
        (owner_api, "patch", f"{R}/programs/{{id}}", their_program.pk, {"peer_chooses": True}),
    ]
    for client, method, pattern, their_id, body in attempts:
        args = (body,) if body is not None else ()
        response = getattr(client, method)(pattern.format(id=their_id), *args)
        missing = getattr(client, method)(pattern.format(id=10**9), *args)
        assert response.status_code == 404, pattern
        assert response.json() == missing.json()
    theirs.refresh_from_db()
    assert theirs.active is True
    assert selectors.program_rewards_of(their_program.business, their_program).peer_chooses is False


# --- settings and budgets ------------------------------------------------------------------


def test_staff_read_the_settings_and_only_the_owner_changes_them(api, owner_api):
    read = api.get(f"{R}/settings").json()
    by_staff = api.patch(f"{R}/settings", {"payout_minimum_minor": 500})
    by_owner = owner_api.patch(
        f"{R}/settings",
        {"payout_minimum_minor": 500, "debtor_name": "Bici Gialla", "debtor_iban": SHOP_IBAN},
    )

    assert read["payout_minimum_minor"] == 2000
    refused(by_staff, 403, "permission_denied")
    assert by_owner.status_code == 200, by_owner.content
    body = by_owner.json()
    assert body["payout_minimum_minor"] == 500
    assert body["debtor_name"] == "Bici Gialla"
    assert body["debtor_iban"] == "IT60 **** **** **** **** ***3 456"
    assert api.get(f"{R}/settings").json()["payout_minimum_minor"] == 500


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"debtor_iban": "IT60X0542811101000000123457"}, "debtor_iban"),
        ({"debtor_bic": "NOTABIC"}, "debtor_bic"),
        ({"payout_minimum_minor": 0}, "payout_minimum_minor"),
        ({"payout_minimum_minor": 2**64}, "payout_minimum_minor"),
        ({"points_per_euro": "many"}, "points_per_euro"),
        ({"voucher_validity_days": 10**9}, "voucher_validity_days"),
        ({"ceiling_warning_percent": 101}, "ceiling_warning_percent"),
        ({"yearly_ceiling_minor": -1}, "yearly_ceiling_minor"),
        ({"debtor_name": None}, "debtor_name"),
        ({"debtor_name": "Bici\x00Gialla"}, "debtor_name"),
        ({"currency": "USD"}, "currency"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(owner_api, body, field):
    response = owner_api.patch(f"{R}/settings", body)

    assert response.status_code == 422, response.content
    assert problem_fields(response) == [field]


def test_the_owner_sets_a_programs_budget_and_reward_form(api, owner_api, program):
    by_staff = api.patch(f"{R}/programs/{program.pk}", {"monthly_budget_minor": 10000})
    by_owner = owner_api.patch(
        f"{R}/programs/{program.pk}", {"monthly_budget_minor": 10000, "peer_chooses": True}
    )
    cleared = owner_api.patch(f"{R}/programs/{program.pk}", {"monthly_budget_minor": None})

    refused(by_staff, 403, "permission_denied")
    assert by_owner.json() == {
        "program_id": program.pk,
        "monthly_budget_minor": 10000,
        "peer_chooses": True,
        "spent_this_month_minor": 0,
    }
    assert cleared.json()["monthly_budget_minor"] is None
    assert cleared.json()["peer_chooses"] is True  # left out: kept
    assert api.get(f"{R}/programs/{program.pk}").json() == cleared.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"monthly_budget_minor": -100}, "monthly_budget_minor"),
        ({"monthly_budget_minor": "a lot"}, "monthly_budget_minor"),
        ({"monthly_budget_minor": 10**19}, "monthly_budget_minor"),
        ({"peer_chooses": None}, "peer_chooses"),
        ({"peer_chooses": "perhaps"}, "peer_chooses"),
    ],
)
def test_a_bad_budget_is_refused_naming_the_field(owner_api, program, body, field):
    response = owner_api.patch(f"{R}/programs/{program.pk}", body)

    assert response.status_code == 422
    assert problem_fields(response) == [field]


# --- causes and badges ---------------------------------------------------------------------


def test_the_owner_adds_a_cause_whose_iban_is_shown_masked(api, owner_api):
    body = {
        "name_it": "Ciclofficina popolare",
        "name_en": "Community bike workshop",
        "account_holder": "Ciclofficina APS",
        "iban": "it60 x054 2811 1010 0000 0123 456",
    }

    by_staff = api.post(f"{R}/causes", body)
    created = owner_api.post(f"{R}/causes", body)
    bad = owner_api.post(f"{R}/causes", {**body, "iban": "IT60 X054"})

    refused(by_staff, 403, "permission_denied")
    assert created.status_code == 201, created.content
    assert created.json()["iban"] == "IT60 **** **** **** **** ***3 456"
    assert SHOP_IBAN.encode() not in api.get(f"{R}/causes").content
    assert [c["name_en"] for c in api.get(f"{R}/causes").json()["results"]] == [
        "Community bike workshop"
    ]
    refused(bad, 422, "validation_failed", ["iban"])


def test_staff_add_badges_with_a_code_unique_in_the_business(api):
    first = api.post(f"{R}/badges", {"name_en": "Night rider", "name_it": "Ciclista notturno"})
    again = api.post(f"{R}/badges", {"slug": "night-rider", "name_en": "Again"})
    nameless = api.post(f"{R}/badges", {"slug": "x"})

    assert first.status_code == 201
    assert first.json()["slug"] == "night-rider"
    refused(again, 422, "validation_failed", ["slug"])
    refused(nameless, 422, "validation_failed", ["name_it"])
    assert api.get(f"{R}/badges").json()["count"] == 1


# --- rewards held over budget --------------------------------------------------------------


def test_the_owner_pays_a_held_reward_and_staff_cannot(api, owner_api, business, owner, peer):
    reward = held_reward(business, owner, peer, amount=1500)

    listed = api.get(f"{R}/held").json()
    by_staff = api.post(f"{R}/held/{reward.pk}/approve")
    by_owner = owner_api.post(f"{R}/held/{reward.pk}/approve")
    again = owner_api.post(f"{R}/held/{reward.pk}/approve")

    assert [r["id"] for r in listed["results"]] == [reward.pk]
    assert listed["results"][0]["peer"] == {"id": peer.pk, "display_name": peer.display_name}
    refused(by_staff, 403, "permission_denied")
    assert by_owner.status_code == 200
    assert by_owner.json()["status"] == "posted"
    refused(again, 409, "invalid_transition")
    assert selectors.year_earned(business, peer.pk, timezone.localdate().year) == 1500
    assert api.get(f"{R}/held").json()["count"] == 0


def test_declining_a_held_reward_needs_a_reason_and_tells_the_peer(
    owner_api, business, owner, peer
):
    reward = held_reward(business, owner, peer)

    without = owner_api.post(f"{R}/held/{reward.pk}/decline", {})
    declined = owner_api.post(
        f"{R}/held/{reward.pk}/decline", {"reason": "The month's budget is spent."}
    )

    refused(without, 422, "validation_failed", ["reason"])
    assert declined.json()["status"] == "declined"
    assert declined.json()["decline_reason"] == "The month's budget is spent."
    assert OutboxMessage.objects.filter(recipient=peer.user.email).exists()


def test_another_businesss_held_reward_is_not_found(owner_api, other_business, other_staff):
    theirs = held_reward(other_business, other_staff, PeerFactory(business=other_business))

    for action, body in (("approve", None), ("decline", {"reason": "No"}), ("decline", {})):
        response = owner_api.post(f"{R}/held/{theirs.pk}/{action}", body)
        missing = owner_api.post(f"{R}/held/{10**9}/{action}", body)
        assert response.status_code == 404
        assert response.json() == missing.json()
    theirs.refresh_from_db()
    assert theirs.status == RewardStatus.HELD


# --- vouchers at the till ------------------------------------------------------------------


def test_a_voucher_is_looked_up_and_redeemed_in_part(api, business, peer):
    voucher = points_voucher(business, peer, points=2000)  # 20 €

    looked_up = api.get(f"{R}/vouchers/{voucher.code.lower()}").json()
    redeemed = api.post(f"{R}/vouchers/redeem", {"code": voucher.code, "amount_minor": 1250})

    assert looked_up["value_minor"] == looked_up["remaining_minor"] == 2000
    assert looked_up["peer_id"] == peer.pk and looked_up["expired"] is False
    assert redeemed.status_code == 201, redeemed.content
    assert redeemed.json()["amount_minor"] == 1250
    assert redeemed.json()["remaining_minor"] == 750
    assert api.get(f"{R}/vouchers/{voucher.code}").json()["remaining_minor"] == 750


def test_a_lookup_reads_the_code_as_the_redemption_does(api, business, peer):
    """One rule for a voucher's code (`inputs.VoucherCode`): spaces and lower case are fine,
    40 characters at most, no NUL; the lookup refuses what the redemption refuses."""
    voucher = points_voucher(business, peer, points=2000)
    spaced = voucher.code.lower().replace("-", " - ")

    looked_up = api.get(f"{R}/vouchers/{spaced}")
    too_long = api.get(f"{R}/vouchers/{'X' * 41}")
    with_nul = api.get(f"{R}/vouchers/AB%00CD")
    redeemed = api.post(f"{R}/vouchers/redeem", {"code": "X" * 41, "amount_minor": 1})

    assert looked_up.status_code == 200 and looked_up.json()["code"] == voucher.code
    refused(too_long, 422, "validation_failed", ["code"])
    refused(with_nul, 422, "validation_failed", ["code"])
    assert too_long.json()["errors"] == redeemed.json()["errors"]


def test_the_same_idempotency_key_redeems_once(api, business, peer):
    voucher = points_voucher(business, peer, points=2000)
    body = {"code": voucher.code, "amount_minor": 1500}

    first = api.post(f"{R}/vouchers/redeem", body, HTTP_IDEMPOTENCY_KEY="till-1-0042")
    retry = api.post(f"{R}/vouchers/redeem", body, HTTP_IDEMPOTENCY_KEY="till-1-0042")
    other_amount = api.post(
        f"{R}/vouchers/redeem", {**body, "amount_minor": 100}, HTTP_IDEMPOTENCY_KEY="till-1-0042"
    )
    other_voucher = api.post(
        f"{R}/vouchers/redeem",
        {**body, "code": points_voucher(business, peer, points=2000).code},
        HTTP_IDEMPOTENCY_KEY="till-1-0042",
    )
    without_key = api.post(f"{R}/vouchers/redeem", body)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json() == first.json()
    assert first.json()["remaining_minor"] == 500
    refused(other_amount, 409, "idempotency_key_reused")
    refused(other_voucher, 409, "idempotency_key_reused")
    refused(without_key, 409, "insufficient_balance")  # 15 € asked, 5 € left
    assert services.voucher_remaining(voucher) == 500


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount_minor": 0}, "amount_minor"),
        ({"amount_minor": -100}, "amount_minor"),
        ({"amount_minor": "ten"}, "amount_minor"),
        ({"amount_minor": 10**19}, "amount_minor"),
        ({"amount_minor": 1.5}, "amount_minor"),
        ({"code": "NOPE-NOPE-NOPE"}, "code"),
        ({"code": "X" * 41}, "code"),
        ({"code": None}, "code"),
    ],
)
def test_a_bad_redemption_is_refused_naming_the_field(api, business, peer, body, field):
    voucher = points_voucher(business, peer)

    response = api.post(f"{R}/vouchers/redeem", {"code": voucher.code, "amount_minor": 100, **body})

    assert response.status_code == 422, response.content
    assert problem_fields(response) == [field]
    assert services.voucher_remaining(voucher) == 1000


def test_an_expired_voucher_is_refused_at_the_till(api, business, peer):
    voucher = points_voucher(business, peer)
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(days=1))

    response = api.post(f"{R}/vouchers/redeem", {"code": voucher.code, "amount_minor": 100})

    refused(response, 422, "validation_failed", ["code"])
    assert api.get(f"{R}/vouchers/{voucher.code}").json()["expired"] is True


def test_another_businesss_voucher_does_not_exist_at_this_till(api, other_business):
    theirs = points_voucher(other_business, PeerFactory(business=other_business))

    looked_up = api.get(f"{R}/vouchers/{theirs.code}")
    redeemed = api.post(f"{R}/vouchers/redeem", {"code": theirs.code, "amount_minor": 100})

    assert looked_up.status_code == 404
    assert looked_up.json() == api.get(f"{R}/vouchers/NOPE-NOPE-NOPE").json()
    refused(redeemed, 422, "validation_failed", ["code"])
    assert services.voucher_remaining(theirs) == 1000


# --- the ledger ----------------------------------------------------------------------------


def test_transactions_are_listed_newest_first_with_their_entries(api, business, peer):
    first = grant(business, peer, amount=1500)
    points_voucher(business, peer, points=300)

    body = api.get(f"{R}/transactions", HTTP_ACCEPT_LANGUAGE="en").json()

    kinds = [t["kind"] for t in body["results"]]
    assert kinds == ["conversion", "reward", "reward"]
    reward = next(t for t in body["results"] if t["id"] == first.transaction_id)
    assert reward["reason"] == "reward.cash"
    assert reward["description"] == "Reward: a five-star rating"
    assert sorted((e["account"], e["unit"], e["amount"]) for e in reward["entries"]) == [
        (f"expenses:rewards:program-{first.program_id}", "EUR", 1500),
        (f"liabilities:peers:{peer.pk}:payable", "EUR", -1500),
    ]
    for txn in body["results"]:
        units = {e["unit"] for e in txn["entries"]}
        assert all(sum(e["amount"] for e in txn["entries"] if e["unit"] == u) == 0 for u in units)
    filtered = api.get(f"{R}/transactions", {"kind": "conversion"}).json()
    assert [t["kind"] for t in filtered["results"]] == ["conversion"]


def test_the_owner_corrects_a_transaction_once_with_a_note(api, owner_api, business, peer):
    reward = grant(business, peer, amount=1500)
    url = f"{R}/transactions/{reward.transaction_id}/correct"

    by_staff = api.post(url, {"memo": "Paid twice"})
    without_memo = owner_api.post(url, {})
    corrected = owner_api.post(url, {"memo": "Paid twice"})
    again = owner_api.post(url, {"memo": "Paid twice"})

    refused(by_staff, 403, "permission_denied")
    refused(without_memo, 422, "validation_failed", ["memo"])
    assert corrected.status_code == 201
    assert corrected.json()["reverses_id"] == reward.transaction_id
    assert corrected.json()["memo"] == "Paid twice"
    assert (again.status_code, again.json()["id"]) == (200, corrected.json()["id"])
    listed = {t["id"]: t for t in api.get(f"{R}/transactions").json()["results"]}
    assert listed[reward.transaction_id]["reversed_by_id"] == corrected.json()["id"]
    refused(
        owner_api.post(f"{R}/transactions/{corrected.json()['id']}/correct", {"memo": "x"}),
        409,
        "invalid_transition",
    )
    assert api.get(f"{R}/overview").json()["owed_to_peers_minor"] == 0


def test_the_owner_adjusts_what_a_peer_is_owed(api, owner_api, peer, peer_api):
    url = f"{R}/peers/{peer.pk}/adjust"

    by_staff = api.post(url, {"amount_minor": 500, "memo": "Tip"})
    added = owner_api.post(url, {"amount_minor": 500, "memo": "Tip from a customer"})
    too_much = owner_api.post(url, {"amount_minor": -501, "memo": "Oops"})

    refused(by_staff, 403, "permission_denied")
    assert added.status_code == 201
    assert added.json()["description"] == "Adjustment: Tip from a customer"
    refused(too_much, 409, "insufficient_balance")
    assert peer_api.get(WALLET).json()["payable_minor"] == 500


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount_minor": "five"}, "amount_minor"),
        ({"amount_minor": 10**19}, "amount_minor"),
        ({"amount_minor": -(10**19)}, "amount_minor"),
        ({"amount_minor": 0}, "amount_minor"),
        ({"amount_minor": None}, "amount_minor"),
        ({"memo": ""}, "memo"),
        ({"memo": "x" * 301}, "memo"),
    ],
)
def test_a_bad_adjustment_is_refused_naming_the_field(owner_api, peer, body, field):
    response = owner_api.post(
        f"{R}/peers/{peer.pk}/adjust", {"amount_minor": 100, "memo": "Tip", **body}
    )

    assert response.status_code == 422
    assert problem_fields(response) == [field]
    assert not Transaction.objects.exists()


def test_the_ledger_check_says_the_books_are_sound(api, business, peer):
    grant(business, peer, amount=1500)
    points_voucher(business, peer)

    body = api.get(f"{R}/ledger/check").json()

    assert body == {"ok": True, "violations": [], "totals": {"EUR": 0, "PTS": 0}}


def test_another_businesss_ledger_ids_are_not_found(owner_api, other_business, other_staff):
    their_peer = PeerFactory(business=other_business)
    theirs = grant(other_business, their_peer, amount=1500)
    attempts = [
        (f"{R}/transactions/{{id}}/correct", theirs.transaction_id, {"memo": "Mine"}),
        (f"{R}/transactions/{{id}}/correct", theirs.transaction_id, {}),
        (f"{R}/peers/{{id}}/adjust", their_peer.pk, {"amount_minor": 100, "memo": "Mine"}),
        (f"{R}/peers/{{id}}/adjust", their_peer.pk, {"amount_minor": 100}),
    ]
    for pattern, theirs_id, body in attempts:
        response = owner_api.post(pattern.format(id=theirs_id), body)
        missing = owner_api.post(pattern.format(id=10**9), body)
        assert response.status_code == 404, pattern
        assert response.json() == missing.json()
    assert Transaction.objects.filter(business=other_business).count() == 1
    assert owner_api.get(f"{R}/transactions").json()["count"] == 0


# --- a payout run, end to end --------------------------------------------------------------


def started_claim(program, peer, reward_minor):
    now = timezone.now().replace(microsecond=0)
    block = BlockFactory(
        program=program,
        starts_at=now - timedelta(hours=3),
        ends_at=now - timedelta(hours=1),
        reward_minor=reward_minor,
    )
    Block.objects.filter(pk=block.pk).update(seats_taken=1)
    return Claim.objects.create(
        business=program.business,
        block=block,
        peer=peer,
        starts_at=block.starts_at,
        ends_at=block.ends_at,
    )


def test_a_payout_run_from_completed_blocks_to_a_bank_file(
    api, owner_api, client, business, program
):
    # given a rule that pays what each block promised, and three peers who did their blocks
    anna = PeerFactory(business=business, display_name="Anna")
    bruno = PeerFactory(business=business, display_name="Bruno")
    carla = PeerFactory(business=business, display_name="Carla")
    rule = api.post(
        f"{R}/rules",
        {
            "program_id": program.pk,
            "event": "block.completed",
            "reward": "cash",
            "from_event": True,
        },
    )
    assert rule.status_code == 201
    for peer, cents in ((anna, 2500), (anna, 1800), (bruno, 3000), (carla, 4000)):
        claim = started_claim(program, peer, cents)
        assert api.post(f"/api/v1/blocks/claims/{claim.pk}/complete").status_code == 200
    # Anna and Bruno give their bank accounts; Carla has not yet
    for peer, iban in ((anna, ANNA_IBAN), (bruno, BRUNO_IBAN)):
        response = put(
            peer_client(client, business, peer),
            f"{WALLET}bank",
            {"account_holder": peer.display_name, "iban": iban},
        )
        assert response.status_code == 200, response.content
    settings = owner_api.patch(
        f"{R}/settings", {"debtor_name": "Bici Gialla S.r.l.", "debtor_iban": SHOP_IBAN}
    )
    assert settings.status_code == 200
    assert api.get(f"{R}/overview").json()["owed_to_peers_minor"] == 11300

    # when the staff prepare the run
    prepared = api.post(f"{PAYOUTS}/batches", {"kind": "peers"})

    # then Anna and Bruno are in it, Carla is left out saying why
    assert prepared.status_code == 201, prepared.content
    batch = prepared.json()["batch"]
    assert batch["status"] == "prepared" and batch["total_minor"] == 7300
    assert {(p["peer_id"], p["amount_minor"]) for p in batch["payouts"]} == {
        (anna.pk, 4300),
        (bruno.pk, 3000),
    }
    assert all("****" in p["iban"] for p in batch["payouts"])
    assert ANNA_IBAN.encode() not in prepared.content
    with translation.override(prepared.headers["Content-Language"]):
        why = translation.gettext("no bank account yet")  # in the language of the answer
    assert prepared.json()["skipped"] == [
        {"peer_id": carla.pk, "peer_name": "Carla", "reason": why}
    ]
    url = f"{PAYOUTS}/batches/{batch['id']}"

    # the file waits for the owner's approval, which the staff cannot give
    refused(api.get(f"{url}/sepa.xml"), 409, "invalid_transition")
    refused(api.post(f"{url}/approve"), 403, "permission_denied")
    approved = owner_api.post(f"{url}/approve")
    assert approved.json()["status"] == "approved"

    # the bank file is valid and asks for exactly these two transfers
    xml = api.get(f"{url}/sepa.xml")
    assert xml.status_code == 200
    assert xml["Content-Type"] == "application/xml"
    assert f"{batch['message_id']}.xml" in xml["Content-Disposition"]
    sepa.validate_pain001(xml.content)
    held = sepa.summary(xml.content)
    assert held["message_id"] == batch["message_id"]
    assert held["ctrl_sum_minor"] == 7300
    assert sorted((iban, cents) for _id, iban, cents in held["transfers"]) == sorted(
        [(ANNA_IBAN, 4300), (BRUNO_IBAN, 3000)]
    )

    # sent: the money is in transit; paid: it left the bank
    sent = api.post(f"{url}/sent")
    assert sent.json()["status"] == "sent"
    overview = api.get(f"{R}/overview").json()
    assert (overview["owed_to_peers_minor"], overview["in_transit_minor"]) == (4000, 7300)
    paid = api.post(f"{url}/paid")
    assert paid.json()["status"] == "paid"
    assert api.get(f"{R}/overview").json()["in_transit_minor"] == 0
    anna_wallet = peer_client(client, business, anna).get(WALLET).json()
    assert (anna_wallet["payable_minor"], anna_wallet["paid_minor"]) == (0, 4300)

    # the bank returns Bruno's payment: he is owed it again
    bruno_payout = next(p for p in paid.json()["payouts"] if p["peer_id"] == bruno.pk)
    without_reason = api.post(f"{PAYOUTS}/{bruno_payout['id']}/return", {})
    returned = api.post(f"{PAYOUTS}/{bruno_payout['id']}/return", {"reason": "Account closed"})
    refused(without_reason, 422, "validation_failed", ["reason"])
    assert returned.json()["status"] == "returned"
    assert returned.json()["return_reason"] == "Account closed"
    bruno_wallet = peer_client(client, business, bruno).get(WALLET).json()
    assert bruno_wallet["payable_minor"] == 3000
    listed = api.get(f"{PAYOUTS}/batches").json()
    assert [(b["id"], b["payout_count"]) for b in listed["results"]] == [(batch["id"], 2)]
    assert api.get(f"{R}/ledger/check").json()["ok"] is True


def test_an_owner_approves_a_run_they_prepared_only_with_confirm(owner_api, business, owner, peer):
    adjust(business, owner, peer, 5000, memo="Season bonus")
    set_bank(peer, account_holder="Anna", iban=ANNA_IBAN)
    batch = owner_api.post(f"{PAYOUTS}/batches", {}).json()["batch"]

    unconfirmed = owner_api.post(f"{PAYOUTS}/batches/{batch['id']}/approve")
    no_body = owner_api.post(f"{PAYOUTS}/batches/{batch['id']}/approve", "")
    not_a_yes = owner_api.post(f"{PAYOUTS}/batches/{batch['id']}/approve", {"confirm": "maybe"})
    not_json = owner_api.post(f"{PAYOUTS}/batches/{batch['id']}/approve", "{confirm")
    confirmed = owner_api.post(f"{PAYOUTS}/batches/{batch['id']}/approve", {"confirm": True})

    refused(unconfirmed, 422, "validation_failed", ["confirm"])
    refused(no_body, 422, "validation_failed", ["confirm"])
    refused(not_a_yes, 422, "validation_failed", ["confirm"])
    refused(not_json, 400, "invalid_json")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "approved"


def test_two_people_asked_for_refuse_the_owners_own_run(
    api, owner_api, business, owner, staff, peer
):
    adjust(business, owner, peer, 5000, memo="Season bonus")
    set_bank(peer, account_holder="Anna", iban=ANNA_IBAN)
    change_settings(business, owner, payouts_need_two_people=True)
    batch = owner_api.post(f"{PAYOUTS}/batches", {}).json()["batch"]

    response = owner_api.post(f"{PAYOUTS}/batches/{batch['id']}/approve", {"confirm": True})
    cancelled = owner_api.post(f"{PAYOUTS}/batches/{batch['id']}/cancel")

    assert refused(response, 403, "permission_denied")["detail"].startswith(
        "Your payout runs need two people"
    )
    assert cancelled.json()["status"] == "cancelled"
    assert {p["status"] for p in cancelled.json()["payouts"]} == {"cancelled"}


def test_the_bank_file_needs_the_businesss_account(api, owner_api, business, owner, peer):
    adjust(business, owner, peer, 5000, memo="Season bonus")
    set_bank(peer, account_holder="Anna", iban=ANNA_IBAN)
    batch = api.post(f"{PAYOUTS}/batches", {"execution_date": "2199-12-31"}).json()["batch"]
    owner_api.post(f"{PAYOUTS}/batches/{batch['id']}/approve")

    response = api.get(f"{PAYOUTS}/batches/{batch['id']}/sepa.xml")

    refused(response, 422, "validation_failed", ["debtor_iban"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "friends"}, "kind"),
        ({"execution_date": "next tuesday"}, "execution_date"),
        ({"execution_date": "2020-01-01"}, "execution_date"),
        ({"execution_date": "9999-01-01"}, "execution_date"),
        ({"kind": "peers", "extra": 1}, "extra"),
    ],
)
def test_a_bad_run_is_refused_naming_the_field(api, business, owner, peer, body, field):
    adjust(business, owner, peer, 5000, memo="Season bonus")
    set_bank(peer, account_holder="Anna", iban=ANNA_IBAN)

    response = api.post(f"{PAYOUTS}/batches", body)

    assert response.status_code == 422
    assert problem_fields(response) == [field]


def test_nothing_to_pay_is_said_in_words(api):
    refused(
        api.post(f"{PAYOUTS}/batches", {"kind": "donations"}), 422, "validation_failed", ["kind"]
    )


def test_another_businesss_payouts_are_not_found(api, other_business, other_staff):
    their_peer = PeerFactory(business=other_business)
    adjust(other_business, other_staff, their_peer, 5000, memo="Bonus")
    set_bank(their_peer, account_holder="Lecce", iban=ANNA_IBAN)

    batch, _skipped = prepare(other_business, other_staff)
    payout = batch.payouts.get()
    for method, url, body in [
        ("get", f"{PAYOUTS}/batches/{{b}}", None),
        ("get", f"{PAYOUTS}/batches/{{b}}/sepa.xml", None),
        ("post", f"{PAYOUTS}/batches/{{b}}/approve", None),
        ("post", f"{PAYOUTS}/batches/{{b}}/cancel", None),
        ("post", f"{PAYOUTS}/batches/{{b}}/sent", None),
        ("post", f"{PAYOUTS}/batches/{{b}}/paid", None),
        ("post", f"{PAYOUTS}/{{p}}/return", {"reason": "Closed"}),
        ("post", f"{PAYOUTS}/{{p}}/return", {}),
    ]:
        args = (body,) if body is not None else ()
        response = getattr(api, method)(url.format(b=batch.pk, p=payout.pk), *args)
        missing = getattr(api, method)(url.format(b=10**9, p=10**9), *args)
        assert response.status_code == 404, url
        assert response.json() == missing.json()
    batch.refresh_from_db()
    assert batch.status == "prepared"
    assert api.get(f"{PAYOUTS}/batches").json()["count"] == 0


# --- the peer's wallet ---------------------------------------------------------------------


def test_the_wallet_shows_money_points_vouchers_badges_and_donations(
    peer_api, api, owner_api, business, owner, peer
):
    grant(business, peer, amount=1500)
    grant(business, peer, reward="points", amount=250)
    voucher = points_voucher(business, peer, points=500)
    cause = add_cause(
        business,
        owner,
        name_it="Ciclofficina",
        name_en="Bike workshop",
        account_holder="Ciclofficina APS",
        iban=SHOP_IBAN,
    )
    grant(business, peer, reward="donation", amount=300, cause=cause)
    badge = add_badge(business, owner, slug="first", name_en="First ride", name_it="Prima corsa")
    grant(business, peer, reward="badge", amount=0, badge=badge)
    held_reward(business, owner, peer, amount=2000)

    body = peer_api.get(WALLET).json()

    assert body["currency"] == "EUR"
    assert (body["payable_minor"], body["pending_minor"]) == (1500, 2000)
    assert (body["in_transit_minor"], body["paid_minor"]) == (0, 0)
    assert body["points"] == 250
    assert body["year"] == timezone.localdate().year
    assert body["year_earned_minor"] == 1500
    assert body["vouchers"] == [
        {
            "code": voucher.code,
            "value_minor": 500,
            "remaining_minor": 500,
            "currency": "EUR",
            "expires_at": body["vouchers"][0]["expires_at"],
            "expired": False,
        }
    ]
    assert [b["name"] for b in body["badges"]] == ["First ride"]
    assert body["donations"] == [
        {"cause_id": cause.pk, "cause_name": "Bike workshop", "total_minor": 300}
    ]
    assert [h["amount"] for h in body["held"]] == [2000]
    assert body["choice"] is None and body["bank"] is None


def test_movements_say_why_in_the_peers_language(client, business, owner, peer):
    adjusted = adjust(business, owner, peer, 700, memo="Mancia")
    grant(business, peer, reward="points", amount=100)
    token = peer_client(client, business, peer).raw

    italian = ApiClient(client, token).get(f"{WALLET}movements", HTTP_ACCEPT_LANGUAGE="it")
    english = ApiClient(client, token).get(f"{WALLET}movements", HTTP_ACCEPT_LANGUAGE="en")

    assert [(m["amount"], m["unit"]) for m in english.json()["results"]] == [
        (100, "PTS"),
        (700, "EUR"),
    ]
    assert english.json()["results"][1]["reason"] == "Adjustment: Mancia"
    assert italian["Content-Language"] == "it"
    with translation.override("it"):
        in_italian = selectors.describe(adjusted, business)
    assert italian.json()["results"][1]["reason"] == in_italian


def test_movements_are_paginated_newest_first(peer_api, business, owner, peer):
    for cents in (100, 200, 300, 400, 500):
        adjust(business, owner, peer, cents, memo=f"Tip {cents}")

    first = peer_api.get(f"{WALLET}movements", {"limit": 2}).json()
    last = peer_api.get(f"{WALLET}movements", {"limit": 2, "offset": 4}).json()
    beyond = peer_api.get(f"{WALLET}movements", {"offset": 50}).json()

    assert first["count"] == 5
    assert [m["amount"] for m in first["results"]] == [500, 400]
    assert first["next"].endswith("?limit=2&offset=2")
    assert [m["amount"] for m in last["results"]] == [100]
    assert beyond["results"] == [] and beyond["count"] == 5


def test_a_statement_of_a_month_or_a_year_as_csv_and_pdf(peer_api, business, owner, peer):
    adjust(business, owner, peer, 1234, memo="Season bonus")
    today = timezone.localdate()

    month_csv = peer_api.get(f"{WALLET}statements/{today.year}/{today.month}.csv")
    year_csv = peer_api.get(f"{WALLET}statements/{today.year}/0.csv")
    month_pdf = peer_api.get(f"{WALLET}statements/{today.year}/{today.month}.pdf")

    assert month_csv.status_code == 200
    assert month_csv["Content-Type"].startswith("text/csv")
    assert f"statement-{today.year}-{today.month:02d}.csv" in month_csv["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(month_csv.content.decode("utf-8-sig"))))
    assert any("Adjustment: Season bonus" in cell for row in rows for cell in row)
    assert f"statement-{today.year}.csv" in year_csv["Content-Disposition"]
    assert b"Season bonus" in year_csv.content
    assert month_pdf["Content-Type"] == "application/pdf"
    assert month_pdf.content.startswith(b"%PDF")
    before = peer_api.get(f"{WALLET}statements/{today.year - 1}/0.pdf")
    assert before.status_code == 200 and b"Season bonus" not in before.content


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("2026/13.csv", "month"),
        ("2026/-1.csv", "month"),
        ("2026/may.pdf", "month"),
        ("1999/1.csv", "year"),
        ("99999999999999999999/1.csv", "year"),
    ],
)
def test_a_bad_statement_period_is_named(peer_api, path, field):
    response = peer_api.get(f"{WALLET}statements/{path}")

    assert response.status_code == 422
    assert problem_fields(response) == [field]


def test_a_peer_chooses_the_form_of_their_rewards(peer_api, business, owner, other_business):
    cause = add_cause(
        business,
        owner,
        name_it="Ciclofficina",
        name_en="Bike workshop",
        account_holder="Ciclofficina APS",
        iban=SHOP_IBAN,
    )
    theirs = Cause.objects.create(
        business=other_business, name_it="Lecce", name_en="Lecce", account_holder="L", iban="X"
    )

    points = put(peer_api, f"{WALLET}choice", {"form": "points"})
    no_cause = put(peer_api, f"{WALLET}choice", {"form": "donation"})
    foreign = put(peer_api, f"{WALLET}choice", {"form": "donation", "cause_id": theirs.pk})
    unknown = put(peer_api, f"{WALLET}choice", {"form": "gold"})
    donation = put(peer_api, f"{WALLET}choice", {"form": "donation", "cause_id": cause.pk})

    assert points.json() == {"form": "points", "cause_id": None, "cause_name": ""}
    refused(no_cause, 422, "validation_failed", ["cause_id"])
    refused(foreign, 422, "validation_failed", ["cause_id"])
    refused(unknown, 422, "validation_failed", ["form"])
    assert donation.json() == {
        "form": "donation",
        "cause_id": cause.pk,
        "cause_name": "Bike workshop",
    }
    assert peer_api.get(WALLET).json()["choice"]["form"] == "donation"


def test_a_peers_choice_changes_how_the_next_reward_is_paid(peer_api, business, owner, peer):
    program = ProgramFactory(business=business)
    change_program_rewards(business, owner, program, peer_chooses=True)
    put(peer_api, f"{WALLET}choice", {"form": "credit"})

    reward = grant(business, peer, program=program, amount=1500)

    assert reward.kind == "voucher"
    assert [v["value_minor"] for v in peer_api.get(WALLET).json()["vouchers"]] == [1500]


@pytest.mark.parametrize(
    ("iban", "words"),
    [
        ("IT60X0542811101000000123457", "check digits"),
        ("IT60 X054", "characters"),
        ("hello", "not an IBAN"),
        ("US12345678901234567890", "IBAN"),
        ("", "IBAN"),
    ],
)
def test_a_wrong_iban_is_named_and_explained(peer_api, peer, iban, words):
    response = put(peer_api, f"{WALLET}bank", {"account_holder": "Anna Rossi", "iban": iban})

    body = refused(response, 422, "validation_failed", ["iban"])
    assert words in body["errors"][0]["message"]
    assert not PayoutDetails.objects.exists()


def test_a_peer_sets_their_bank_account_and_reads_it_masked(peer_api, peer):
    response = put(
        peer_api,
        f"{WALLET}bank",
        {"account_holder": "Anna Rossi", "iban": "de89 3704 0044 0532 0130 00", "bic": ""},
    )

    assert response.status_code == 200, response.content
    assert response.json()["iban"] == "DE89 **** **** **** **30 00"
    assert ANNA_IBAN.encode() not in peer_api.get(WALLET).content
    assert PayoutDetails.objects.get(peer=peer).iban == ANNA_IBAN


def test_points_become_a_shop_voucher(peer_api, business, peer):
    grant(business, peer, reward="points", amount=1250)

    too_few = peer_api.post(f"{WALLET}points/convert", {"points": 50})
    too_many = peer_api.post(f"{WALLET}points/convert", {"points": 5000})
    converted = peer_api.post(f"{WALLET}points/convert", {"points": 1250})

    refused(too_few, 422, "validation_failed", ["points"])
    refused(too_many, 409, "insufficient_balance")
    assert converted.status_code == 201
    assert converted.json()["value_minor"] == 1200  # whole euros; 50 points stay
    assert converted.json()["remaining_minor"] == 1200
    assert peer_api.get(WALLET).json()["points"] == 50


@pytest.mark.parametrize("points", [0, -100, "many", 10**19, None])
def test_bad_points_are_named(peer_api, points):
    response = peer_api.post(f"{WALLET}points/convert", {"points": points})

    assert response.status_code == 422
    assert problem_fields(response) == ["points"]


# --- bad input anywhere is a problem, never a crash ----------------------------------------

BAD_VALUES = ["x", "", -1, 0, 2**64, -(2**64), 1.5, True, None, [], {}, "\x00", "9" * 400]


@pytest.fixture
def everything(business, owner, peer, program):
    """One of each object the endpoints take an id of."""
    adjust(business, owner, peer, 5000, memo="Bonus")
    set_bank(peer, account_holder="Anna", iban=ANNA_IBAN)
    batch, _skipped = prepare(business, owner)
    return {
        "rule": RewardRule.objects.create(
            business=business,
            program=program,
            event=Event.BLOCK_COMPLETED,
            reward="cash",
            amount=100,
        ),
        "held": held_reward(business, owner, PeerFactory(business=business)),
        "voucher": points_voucher(business, peer),
        "transaction": grant(business, peer).transaction_id,
        "payout": batch.payouts.get().pk,
    }


def test_no_value_in_any_field_is_a_server_error(owner_api, peer_api, program, everything):
    calls = [
        (
            "post",
            f"{R}/rules",
            {
                "program_id": program.pk,
                "event": "block.completed",
                "reward": "cash",
                "amount": 1,
                "threshold": 0,
                "badge_id": 1,
                "cause_id": 1,
                "from_event": False,
            },
        ),
        (
            "patch",
            f"{R}/rules/{everything['rule'].pk}",
            {"amount": 1, "active": True, "condition": "nth"},
        ),
        (
            "patch",
            f"{R}/settings",
            {
                "debtor_name": "B",
                "debtor_iban": SHOP_IBAN,
                "debtor_bic": "",
                "payout_minimum_minor": 1,
                "points_per_euro": 1,
                "voucher_validity_days": 1,
                "yearly_ceiling_minor": 0,
                "ceiling_warning_percent": 1,
            },
        ),
        ("patch", f"{R}/programs/{program.pk}", {"monthly_budget_minor": 1, "peer_chooses": True}),
        (
            "post",
            f"{R}/causes",
            {"name_it": "C", "account_holder": "A", "iban": SHOP_IBAN, "bic": ""},
        ),
        ("post", f"{R}/badges", {"slug": "s", "name_it": "B"}),
        ("post", f"{R}/held/{everything['held'].pk}/decline", {"reason": "No"}),
        ("post", f"{R}/vouchers/redeem", {"code": everything["voucher"].code, "amount_minor": 1}),
        ("post", f"{R}/transactions/{everything['transaction']}/correct", {"memo": "M"}),
        (
            "post",
            f"{R}/peers/{everything['voucher'].peer_id}/adjust",
            {"amount_minor": 1, "memo": "M"},
        ),
        ("post", f"{PAYOUTS}/batches", {"kind": "peers", "execution_date": "2199-01-01"}),
        ("post", f"{PAYOUTS}/{everything['payout']}/return", {"reason": "R"}),
        ("put", f"{WALLET}choice", {"form": "donation", "cause_id": 1}),
        ("put", f"{WALLET}bank", {"account_holder": "A", "iban": ANNA_IBAN, "bic": ""}),
        ("post", f"{WALLET}points/convert", {"points": 100}),
    ]
    for method, url, body in calls:
        client = peer_api if url.startswith(WALLET) else owner_api
        send = (lambda u, b, c=client: put(c, u, b)) if method == "put" else getattr(client, method)
        for field in body:
            for value in BAD_VALUES:
                response = send(url, {**body, field: value})
                where = f"{method.upper()} {url} {field}={value!r:.20}"
                assert response.status_code < 500, where
                if response.status_code >= 400:
                    problem_fields(response)
        assert send(url, "{not json").status_code == 400, url
        assert send(url, [body]).status_code == 422, url


@pytest.mark.parametrize(
    ("url", "param"),
    [
        (f"{R}/rules/{{}}", "rule_id"),
        (f"{R}/programs/{{}}", "program_id"),
        (f"{PAYOUTS}/batches/{{}}", "batch_id"),
    ],
)
@pytest.mark.parametrize("value", ["abc", "0", "-3", str(2**63), "1.5"])
def test_a_bad_id_in_the_address_is_named(api, url, param, value):
    response = api.get(url.format(value)) if "rules" not in url else api.patch(url.format(value))

    assert response.status_code == 422
    assert problem_fields(response) == [param]


def test_an_overlong_idempotency_key_is_named(api, business, peer):
    voucher = points_voucher(business, peer)

    response = api.post(
        f"{R}/vouchers/redeem",
        {"code": voucher.code, "amount_minor": 100},
        HTTP_IDEMPOTENCY_KEY="k" * 101,
    )

    assert response.status_code == 422
    assert problem_fields(response) == ["Idempotency-Key"]


# --- who may use these endpoints -----------------------------------------------------------


def test_a_peers_token_is_refused_on_every_staff_rewards_endpoint(peer_api, peer):
    for method, url in [
        ("get", f"{R}/overview"),
        ("get", f"{R}/transactions"),
        ("post", f"{R}/vouchers/redeem"),
        ("post", f"{R}/peers/{peer.pk}/adjust"),
        ("get", f"{PAYOUTS}/batches"),
        ("post", f"{PAYOUTS}/batches"),
    ]:
        response = getattr(peer_api, method)(url)
        assert response.status_code == 403, url
        assert response.json()["code"] == "permission_denied"
        assert "/api/v1/me/" in response.json()["detail"]
    assert not Transaction.objects.exists()


def test_a_staff_token_does_not_reach_a_wallet(api, business, staff):
    as_peer_too = PeerFactory(business=business, user=staff)
    adjust(business, OwnerFactory(business=business).user, as_peer_too, 500, memo="Tip")

    for response in (
        api.get(WALLET),
        api.get(f"{WALLET}movements"),
        put(api, f"{WALLET}bank", {"account_holder": "Me", "iban": ANNA_IBAN}),
    ):
        assert response.status_code == 403
        assert "peer" in response.json()["detail"]
    assert not PayoutDetails.objects.exists()


def test_a_wallet_shows_only_the_tokens_peer(client, business, owner, peer, other_business):
    adjust(business, owner, peer, 500, memo="Anna's tip")
    other = PeerFactory(business=business)
    lecce = PeerFactory(business=other_business)
    adjust(business, owner, other, 900, memo="Someone else's tip")

    mine = peer_client(client, business, peer)
    theirs = peer_client(client, other_business, lecce)

    assert mine.get(WALLET).json()["payable_minor"] == 500
    assert b"Someone else" not in mine.get(f"{WALLET}movements").content
    assert theirs.get(WALLET).json()["payable_minor"] == 0
    assert theirs.get(f"{WALLET}movements").json()["count"] == 0


# --- lists cost the same queries for more rows ---------------------------------------------


def _queries(api, url):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url)
        assert response.status_code == 200, response.content
    return len(ctx)


def _fill(business, owner, n):
    """n more peers, each with a reward, a held reward, a rule, a cause, a badge, a payout."""
    for i in range(n):
        peer = PeerFactory(business=business)
        grant(business, peer, amount=2500)
        held_reward(business, owner, peer)
        add_badge(business, owner, slug=f"badge-{peer.pk}", name_it=f"B{i}")
        add_cause(business, owner, name_it=f"C{i}", account_holder="APS", iban=SHOP_IBAN)
        set_bank(peer, account_holder="Peer", iban=ANNA_IBAN)

    prepare(business, owner)


@pytest.mark.parametrize(
    "url",
    [
        f"{R}/rules",
        f"{R}/held",
        f"{R}/causes",
        f"{R}/badges",
        f"{R}/transactions",
        f"{PAYOUTS}/batches",
        f"{R}/overview",
    ],
)
def test_staff_lists_cost_the_same_queries_for_more_rows(api, business, owner, url):
    _fill(business, owner, 1)
    _queries(api, url)  # the token's first use is recorded once
    few = _queries(api, url)
    _fill(business, owner, 4)

    assert _queries(api, url) == few


def test_a_batch_costs_the_same_queries_for_more_payouts(api, business, owner):
    def batch_queries(count):
        for _ in range(count):
            peer = PeerFactory(business=business)
            adjust(business, owner, peer, 5000, memo="Bonus")
            set_bank(peer, account_holder="Peer", iban=ANNA_IBAN)

        batch, _skipped = prepare(business, owner)
        _queries(api, f"{PAYOUTS}/batches/{batch.pk}")
        return _queries(api, f"{PAYOUTS}/batches/{batch.pk}")

    assert batch_queries(1) == batch_queries(5)


def test_a_batch_step_answers_its_payouts_for_the_same_queries(owner_api, business, owner, staff):
    """The step answers the batch with the payouts it read (the service's answer), not with a
    second read per step or per payout."""

    def approve_queries(more):
        for _ in range(more):
            peer = PeerFactory(business=business)
            adjust(business, owner, peer, 5000, memo="Bonus")
            set_bank(peer, account_holder="Peer", iban=ANNA_IBAN)
        batch, _skipped = prepare(business, staff)
        with CaptureQueriesContext(connection) as ctx:
            response = owner_api.post(f"{PAYOUTS}/batches/{batch.pk}/approve")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "approved" and body["payout_count"] == len(body["payouts"])
        assert [p["id"] for p in body["payouts"]] == list(
            batch.payouts.order_by("id").values_list("pk", flat=True)
        )
        payouts.cancel_batch(business, owner, batch)
        return len(ctx)

    owner_api.get(f"{R}/settings")  # the token's first use is recorded once
    assert approve_queries(1) == approve_queries(5)


def test_the_choice_is_answered_with_its_cause_without_reading_it_again(
    business, owner, peer, django_assert_num_queries
):
    from peerarmy.api.rewards import ChoiceOut
    from peerarmy.rewards.inputs import RewardChoiceInput

    cause = add_cause(
        business,
        owner,
        name_it="Ciclofficina",
        name_en="Bike workshop",
        account_holder="A",
        iban=SHOP_IBAN,
    )
    data = RewardChoiceInput.parse({"form": "donation", "cause_id": cause.pk})
    made = services.choose_reward_form(peer, data).value
    read = selectors.choice_of(peer)

    with django_assert_num_queries(0), translation.override("en"):
        assert ChoiceOut.resolve_cause_name(made) == "Bike workshop"
        assert ChoiceOut.resolve_cause_name(read) == "Bike workshop"


def _more_vouchers_and_movements(business, owner, peer, n):
    for i in range(n):
        adjust(business, owner, peer, 100 + i, memo="Tip")
        grant(business, peer, reward="points", amount=100)
        convert(peer, 100)


def test_the_wallet_costs_the_same_queries_for_more_vouchers(peer_api, business, owner, peer):
    _more_vouchers_and_movements(business, owner, peer, 1)
    _queries(peer_api, WALLET)
    few = _queries(peer_api, WALLET)
    _more_vouchers_and_movements(business, owner, peer, 4)

    assert _queries(peer_api, WALLET) == few


def test_movements_cost_the_same_queries_for_more_rows(peer_api, business, owner, peer):
    _more_vouchers_and_movements(business, owner, peer, 1)
    _queries(peer_api, f"{WALLET}movements")
    few = _queries(peer_api, f"{WALLET}movements")
    _more_vouchers_and_movements(business, owner, peer, 4)

    assert _queries(peer_api, f"{WALLET}movements") == few


# --- the documented API --------------------------------------------------------------------


def test_the_openapi_document_lists_every_rewards_operation(client):
    schema = client.get("/api/v1/openapi.json").json()
    found = {(e.method, e.path) for e in endpoints()}

    expected = {
        ("GET", "/api/v1/rewards/overview"),
        ("GET", "/api/v1/rewards/rules"),
        ("POST", "/api/v1/rewards/rules"),
        ("PATCH", "/api/v1/rewards/rules/{rule_id}"),
        ("GET", "/api/v1/rewards/settings"),
        ("PATCH", "/api/v1/rewards/settings"),
        ("GET", "/api/v1/rewards/programs/{program_id}"),
        ("PATCH", "/api/v1/rewards/programs/{program_id}"),
        ("GET", "/api/v1/rewards/causes"),
        ("POST", "/api/v1/rewards/causes"),
        ("GET", "/api/v1/rewards/badges"),
        ("POST", "/api/v1/rewards/badges"),
        ("GET", "/api/v1/rewards/held"),
        ("POST", "/api/v1/rewards/held/{reward_id}/approve"),
        ("POST", "/api/v1/rewards/held/{reward_id}/decline"),
        ("POST", "/api/v1/rewards/vouchers/redeem"),
        ("GET", "/api/v1/rewards/vouchers/{code}"),
        ("GET", "/api/v1/rewards/transactions"),
        ("POST", "/api/v1/rewards/transactions/{transaction_id}/correct"),
        ("POST", "/api/v1/rewards/peers/{peer_id}/adjust"),
        ("GET", "/api/v1/rewards/ledger/check"),
        ("GET", "/api/v1/payouts/batches"),
        ("POST", "/api/v1/payouts/batches"),
        ("GET", "/api/v1/payouts/batches/{batch_id}"),
        ("POST", "/api/v1/payouts/batches/{batch_id}/approve"),
        ("POST", "/api/v1/payouts/batches/{batch_id}/cancel"),
        ("POST", "/api/v1/payouts/batches/{batch_id}/sent"),
        ("POST", "/api/v1/payouts/batches/{batch_id}/paid"),
        ("GET", "/api/v1/payouts/batches/{batch_id}/sepa.xml"),
        ("POST", "/api/v1/payouts/{payout_id}/return"),
        ("GET", "/api/v1/me/wallet/"),
        ("GET", "/api/v1/me/wallet/movements"),
        ("GET", "/api/v1/me/wallet/statements/{year}/{month}.csv"),
        ("GET", "/api/v1/me/wallet/statements/{year}/{month}.pdf"),
        ("PUT", "/api/v1/me/wallet/choice"),
        ("PUT", "/api/v1/me/wallet/bank"),
        ("POST", "/api/v1/me/wallet/points/convert"),
    }
    assert expected <= found
    redeem = schema["paths"]["/api/v1/rewards/vouchers/redeem"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in redeem["parameters"]}
    assert "application/problem+json" in redeem["responses"]["409"]["content"]
    assert schema["paths"]["/api/v1/me/wallet/"]["get"]["security"] == [{"PeerTokenAuth": []}]
    assert schema["paths"]["/api/v1/rewards/overview"]["get"]["security"] == [{"ApiTokenAuth": []}]
    sepa_doc = schema["paths"]["/api/v1/payouts/batches/{batch_id}/sepa.xml"]["get"]
    assert "application/xml" in sepa_doc["responses"]["200"]["content"]
    # scheduling's /me/ endpoints are still there beside the wallet
    assert ("GET", "/api/v1/me/") in found and ("GET", "/api/v1/me/claims/") in found
