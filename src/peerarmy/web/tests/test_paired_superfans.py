"""The scoring settings and an invitation go through one input on the console and the API:
the same bad input is refused on both, naming the same fields with the same words (the
invitation, which the console sends from a list and answers with messages, with the same
words), and nothing is saved or sent."""

import pytest

from peerarmy.notifications.models import OutboxMessage
from peerarmy.superfans.models import Invitation, ScoringSettings
from peerarmy.tenancy.tests.factories import CustomerFactory, ProgramFactory
from peerarmy.web.tests.paired import api_errors, assert_same_errors

pytestmark = pytest.mark.django_db

SETTINGS_PAGE = "/bicigialla/manage/superfans/settings/"
SETTINGS_API = "/api/v1/superfans/settings"
INVITE_PAGE = "/bicigialla/manage/superfans/invite/"
INVITE_API = "/api/v1/invitations/"

GOOD_SETTINGS = {
    "weight_recency": 10,
    "weight_frequency": 20,
    "weight_monetary": 40,
    "weight_nps": 10,
    "weight_reviews": 10,
    "weight_referrals": 5,
    "weight_mentions": 5,
    "superfan_threshold": 70,
    "top_percent": 5,
    "lapsed_after_days": 180,
}
ZERO_WEIGHTS = {name: 0 for name in GOOD_SETTINGS if name.startswith("weight_")}

BAD_SETTINGS = [
    ({"weight_nps": 101}, {"weight_nps"}),
    ({"weight_nps": -1}, {"weight_nps"}),
    ({"weight_reviews": "lots"}, {"weight_reviews"}),
    ({"superfan_threshold": 150}, {"superfan_threshold"}),
    ({"top_percent": 0}, {"top_percent"}),
    ({"lapsed_after_days": 29}, {"lapsed_after_days"}),
    ({"lapsed_after_days": 3651}, {"lapsed_after_days"}),
    (ZERO_WEIGHTS, {"weight_recency"}),
    (
        {"weight_nps": 101, "top_percent": 0, "lapsed_after_days": "soon"},
        {"weight_nps", "top_percent", "lapsed_after_days"},
    ),
]


def as_form(body):
    return {name: str(value) for name, value in body.items()}


@pytest.mark.parametrize(("bad", "fields"), BAD_SETTINGS)
def test_bad_scoring_settings_are_refused_alike_on_both_paths(
    staff_api, staff_en, business, bad, fields
):
    body = {**GOOD_SETTINGS, **bad}

    on_api = staff_api.patch(SETTINGS_API, body)
    on_page = staff_en.post(SETTINGS_PAGE, as_form(body))

    assert_same_errors(on_api, on_page, expected=fields)
    assert not ScoringSettings.objects.filter(business=business, weight_monetary=40).exists()


def test_good_scoring_settings_are_saved_alike_on_both_paths(staff_api, staff_en, business):
    on_api = staff_api.patch(SETTINGS_API, {**GOOD_SETTINGS, "weight_monetary": 41})
    assert on_api.status_code == 200
    assert ScoringSettings.objects.get(business=business).weight_monetary == 41

    on_page = staff_en.post(SETTINGS_PAGE, as_form(GOOD_SETTINGS))
    assert on_page.status_code == 302
    assert ScoringSettings.objects.get(business=business).weight_monetary == 40


# --- inviting ---------------------------------------------------------------------------


def page_messages(response):
    """The messages the console showed after the invitation form came back (followed to the
    list it returns to, which shows them once)."""
    assert response.redirect_chain and response.status_code == 200, response.status_code
    return sorted(str(m) for m in response.context["messages"])


def invite_cases(business):
    customer = CustomerFactory(business=business, accepts_marketing=True)
    draft = ProgramFactory(business=business, status="draft")
    return [
        ({"customer_ids": []}, {"customer_ids"}),
        ({"customer_ids": [customer.pk] * 2 + list(range(1, 200))}, {"customer_ids"}),
        ({"customer_ids": [customer.pk, "x"]}, {"customer_ids"}),
        ({"customer_ids": [0]}, {"customer_ids"}),
        ({"customer_ids": [customer.pk], "program_id": "x"}, {"program_id"}),
        ({"customer_ids": [customer.pk], "program_id": draft.pk}, {"program_id"}),
        ({"customer_ids": [], "program_id": "x"}, {"customer_ids", "program_id"}),
    ]


def invite_form(body):
    """What the console's list sends for a body: ticked customers and the chosen program."""
    form = {"customer": [str(pk) for pk in body["customer_ids"]]}
    if "program_id" in body:
        form["program"] = str(body["program_id"])
    return form


def test_a_bad_invitation_is_refused_alike_on_both_paths(staff_api, staff_en, business):
    for body, fields in invite_cases(business):
        on_api = staff_api.post(INVITE_API, body)
        on_page = staff_en.post(INVITE_PAGE, invite_form(body), follow=True)

        errors = api_errors(on_api)
        assert set(errors) == fields, body
        api_messages = sorted(m for messages in errors.values() for m in messages)
        assert api_messages == page_messages(on_page), body
    assert not Invitation.objects.exists()
    assert not OutboxMessage.objects.filter(event="invitation.sent").exists()


def test_another_businesss_customer_or_program_is_not_found_on_both_paths(
    staff_api, staff_en, business, other_business
):
    ours = CustomerFactory(business=business, accepts_marketing=True)
    theirs = CustomerFactory(business=other_business, accepts_marketing=True)
    their_program = ProgramFactory(business=other_business)

    for body in (
        {"customer_ids": [ours.pk, theirs.pk]},
        {"customer_ids": [ours.pk], "program_id": their_program.pk},
    ):
        assert staff_api.post(INVITE_API, body).status_code == 404
        assert staff_en.post(INVITE_PAGE, invite_form(body)).status_code == 404
    assert not Invitation.objects.exists()
