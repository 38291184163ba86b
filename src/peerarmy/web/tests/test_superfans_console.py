"""Story: the staff of Bici Gialla find their superfans in the console, see why each one
scores as they do, tune the score, and invite the best of them. Nobody else gets in."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerarmy.notifications.models import OutboxMessage
from peerarmy.superfans.models import Invitation, InvitationStatus, ScoringSettings, SuperfanScore
from peerarmy.superfans.tests.factories import (
    MentionFactory,
    NpsResponseFactory,
    OrderFactory,
    ReferralFactory,
    ReviewFactory,
)
from peerarmy.tenancy.tests.factories import (
    CustomerFactory,
    PeerFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/bicigialla/manage/superfans/"
INVITE = "/bicigialla/manage/superfans/invite/"
SETTINGS = "/bicigialla/manage/superfans/settings/"
INVITATIONS = "/bicigialla/manage/invitations/"


def scored(business, score, *, orders=3, spend_minor=12_345, nps=None, days=20, **customer):
    """A customer with a stored superfan score (as the scorer would write it)."""
    customer.setdefault("accepts_marketing", True)
    customer = CustomerFactory(business=business, **customer)
    points = {"recency": score * 0.2, "frequency": score * 0.3, "monetary": score * 0.5}
    values = {
        "recency": days,
        "frequency": orders,
        "monetary": spend_minor,
        "nps": nps,
        "reviews": {"count": 0, "avg": None},
        "referrals": 0,
        "mentions": {"count": 0, "engagement": 0},
    }
    components = [
        {
            "key": key,
            "value": value,
            "percentile": 96.0 if key in ("recency", "frequency", "monetary") else None,
            "points": points.get(key, 0.0),
            "share": points.get(key, 0.0) / score if score else 0.0,
        }
        for key, value in values.items()
    ]
    return SuperfanScore.objects.create(
        business=business,
        customer=customer,
        score=score,
        best_score=score,
        components=components,
        orders=orders,
        spend_minor=spend_minor,
        last_order_at=timezone.now() - timedelta(days=days) if orders else None,
        nps=nps,
        computed_at=timezone.now(),
    )


def names(response):
    """The customers listed, in order."""
    html = response.content.decode()
    return re.findall(r'<tr id="customer-\d+">.*?<strong>(.*?)</strong>', html, re.S)


# --- who gets in ------------------------------------------------------------------------


def test_a_peer_is_refused_and_anonymous_visitors_are_asked_to_log_in(client, business, peer):
    customer = scored(business, 80).customer
    pages = [LIST, SETTINGS, INVITATIONS, f"{LIST}{customer.pk}/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(peer.user)
    for url in pages:
        assert client.get(url).status_code == 403, url
    response = client.post(INVITE, {"customer": [customer.pk]})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_another_businesss_customers_and_invitations_do_not_exist_here(
    staff_en, business, other_business, other_staff
):
    theirs = CustomerFactory(business=other_business, accepts_marketing=True)
    from peerarmy.superfans.tests.factories import invite

    (their_invitation,) = invite(other_business, other_staff, [theirs]).invited

    assert staff_en.get(f"{LIST}{theirs.pk}/").status_code == 404
    assert staff_en.post(INVITE, {"customer": [theirs.pk]}).status_code == 404
    response = staff_en.post(f"{INVITATIONS}{their_invitation.pk}/revoke/")
    assert response.status_code == 404
    their_invitation.refresh_from_db()
    assert their_invitation.status == InvitationStatus.SENT
    assert Invitation.objects.filter(business=business).count() == 0


# --- the ranked list --------------------------------------------------------------------


def test_the_list_ranks_customers_and_says_why(staff_en, business):
    scored(business, 55, first_name="Luca", last_name="Neri", orders=1, spend_minor=4_000)
    scored(
        business,
        91,
        first_name="Mario",
        last_name="Rossi",
        email="mario@example.org",
        orders=12,
        spend_minor=123_450,
        nps=10,
    )

    response = staff_en.get(LIST)

    assert response.status_code == 200
    assert names(response) == ["Mario Rossi", "Luca Neri"]
    html = response.content.decode()
    mario = html[html.index("Mario Rossi") : html.index("Luca Neri")]
    assert "mario@example.org" in mario
    assert "€1,234.50" in mario
    assert "Top 4% spend, 12 orders, last one 2 weeks ago" in mario
    assert "NPS 10" in mario
    assert '<meter min="0" max="100"' in mario


def test_spend_is_written_the_italian_way_for_an_italian_reader(staff_client, business):
    scored(business, 91, spend_minor=123_450)
    staff_client.cookies["peerarmy_language"] = "it"

    html = staff_client.get(LIST).content.decode()

    assert "1.234,50\N{NO-BREAK SPACE}€" in html


def test_filters_segment_minimum_score_text_and_consent(staff_en, business):
    scored(business, 95, first_name="Top", last_name="Fan", nps=10)
    scored(business, 70, first_name="Quiet", last_name="Fan", accepts_marketing=False)
    scored(business, 30, first_name="Happy", last_name="Promoter", nps=9)
    enrolled = scored(business, 20, first_name="Already", last_name="Peer", nps=10)
    PeerFactory(business=business, customer=enrolled.customer)
    ScoringSettings.objects.create(business=business, superfan_threshold=60, top_percent=1)

    def listed(**params):
        return names(staff_en.get(LIST, params))

    assert listed() == ["Top Fan", "Quiet Fan", "Happy Promoter", "Already Peer"]
    assert listed(segment="superfans") == ["Top Fan", "Quiet Fan"]
    assert listed(segment="promoters") == ["Top Fan", "Happy Promoter"]
    assert listed(min_score=50) == ["Top Fan", "Quiet Fan"]
    assert listed(q="promot") == ["Happy Promoter"]
    assert listed(consent="on") == ["Top Fan", "Happy Promoter", "Already Peer"]
    assert listed(segment="superfans", consent="on") == ["Top Fan"]


def test_bad_filter_values_are_shown_not_crashed_on(staff_en, business):
    scored(business, 95)
    for params in ({"segment": "vip"}, {"min_score": "lots"}, {"min_score": "500"}):
        response = staff_en.get(LIST, params)
        assert response.status_code == 200


def test_the_list_shows_consent_and_invitation_status_and_offers_only_invitable_rows(
    staff_en, business, staff
):
    invitable = scored(business, 90, first_name="Ready", last_name="One")
    no_consent = scored(business, 80, first_name="No", last_name="Consent", accepts_marketing=False)
    invited = scored(business, 70, first_name="Open", last_name="Invite")
    in_army = scored(business, 60, first_name="In", last_name="Army")
    PeerFactory(business=business, customer=in_army.customer)
    from peerarmy.superfans.tests.factories import invite

    invite(business, staff, [invited.customer])

    html = staff_en.get(LIST).content.decode()

    checkboxes = set(re.findall(r'name="customer" value="(\d+)"', html))
    assert checkboxes == {str(invitable.customer.pk)}
    row = html[html.index(f'id="customer-{invited.customer.pk}"') :]
    assert "Invited" in row[: row.index("</tr>")]
    row = html[html.index(f'id="customer-{in_army.customer.pk}"') :]
    assert "In the army" in row[: row.index("</tr>")]
    row = html[html.index(f'id="customer-{no_consent.customer.pk}"') :]
    assert ">no<" in row[: row.index("</tr>")]


def test_a_past_due_invitation_not_yet_swept_can_be_sent_again_from_list_and_page(
    staff_en, business, staff
):
    from peerarmy.superfans.tests.factories import invite

    lapsed = scored(business, 90, first_name="Past", last_name="Due").customer
    (old,) = invite(business, staff, [lapsed]).invited
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))

    listed = staff_en.get(LIST).content.decode()
    page = staff_en.get(f"{LIST}{lapsed.pk}/").content.decode()

    assert set(re.findall(r'name="customer" value="(\d+)"', listed)) == {str(lapsed.pk)}
    row = listed[listed.index(f'id="customer-{lapsed.pk}"') :]
    assert "Expired" in row[: row.index("</tr>")]
    assert "An invitation is open" not in page and ">Invite</button>" in page
    response = staff_en.post(INVITE, {"customer": [lapsed.pk]}, follow=True)
    assert "1 customer invited" in response.content.decode()
    assert Invitation.objects.filter(customer=lapsed).count() == 2


def test_a_customer_page_says_why_a_customer_cannot_be_invited(staff_en, business, staff):
    from peerarmy.superfans.tests.factories import invite

    quiet = scored(business, 80, accepts_marketing=False).customer
    open_ = scored(business, 70).customer
    invite(business, staff, [open_])

    assert "has not agreed to receive your e-mails" in (
        staff_en.get(f"{LIST}{quiet.pk}/").content.decode()
    )
    assert "An invitation is open" in staff_en.get(f"{LIST}{open_.pk}/").content.decode()


def test_the_list_is_paginated_by_fifty_with_ranks_continuing(staff_en, business):
    for i in range(55):
        scored(business, 100 - i, first_name=f"C{i:02d}", last_name="X")

    first = staff_en.get(LIST).content.decode()
    second = staff_en.get(LIST, {"page": 2}).content.decode()

    assert first.count('<tr id="customer-') == 50
    assert second.count('<tr id="customer-') == 5
    assert 'data-label="Rank">51<' in second
    assert "Page 2 of 2" in second


def test_the_list_costs_the_same_queries_for_five_or_fifty_customers(
    staff_en, business, staff, django_assert_max_num_queries
):
    from peerarmy.superfans.tests.factories import invite

    def make(n):
        rows = [scored(business, 50 + i % 50) for i in range(n)]
        invite(business, staff, [r.customer for r in rows[:2]])
        PeerFactory(business=business, customer=rows[-1].customer)

    make(5)
    with CaptureQueriesContext(connection) as few:
        staff_en.get(LIST, {"segment": "superfans", "consent": "on"})
    make(45)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_en.get(LIST, {"segment": "superfans", "consent": "on"})
    assert response.status_code == 200
    assert len(few.captured_queries) <= 15


def test_score_now_scores_every_customer(staff_en, business):
    mario = CustomerFactory(business=business)
    OrderFactory(customer=mario, total_minor=20_000)
    luca = CustomerFactory(business=business)

    response = staff_en.post(f"{LIST}score/", follow=True)

    assert response.redirect_chain[-1][0] == LIST
    assert set(SuperfanScore.objects.values_list("customer", flat=True)) == {mario.pk, luca.pk}
    assert "Scores are up to date: 2 customers scored." in response.content.decode()
    assert names(response)[0] == mario.full_name


# --- inviting from the list -------------------------------------------------------------


def test_invite_selected_invites_and_reports_who_was_skipped_and_why(staff_en, business):
    ready = scored(business, 90, first_name="Ready", language="it")
    quiet = scored(business, 80, first_name="Quiet", last_name="Q", accepts_marketing=False)
    program = ProgramFactory(business=business)

    response = staff_en.post(
        INVITE,
        {
            "customer": [ready.customer.pk, quiet.customer.pk],
            "program": program.pk,
            "next": f"{LIST}?segment=superfans",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"{LIST}?segment=superfans"
    html = response.content.decode()
    assert "1 customer invited: the e-mail is on its way." in html
    assert "1 not invited: Quiet Q: no marketing consent" in html
    invitation = Invitation.objects.get()
    assert invitation.customer == ready.customer and invitation.program == program
    message = OutboxMessage.objects.get(event="invitation.sent")
    assert message.recipient == ready.customer.email and message.language == "it"


def test_inviting_nobody_or_to_a_draft_program_says_what_is_wrong(staff_en, business):
    ready = scored(business, 90)
    draft = ProgramFactory(business=business, status="draft")

    nobody = staff_en.post(INVITE, {"customer": []}, follow=True).content.decode()
    to_draft = staff_en.post(
        INVITE, {"customer": [ready.customer.pk], "program": draft.pk}, follow=True
    ).content.decode()
    garbage = staff_en.post(INVITE, {"customer": ["x"]}, follow=True)

    assert "Select at least one customer to invite." in nobody
    assert "Only a published program can be offered in an invitation." in to_draft
    assert garbage.status_code == 200
    assert "Enter a whole number." in garbage.content.decode()
    assert not Invitation.objects.exists()


# --- one customer -----------------------------------------------------------------------


def test_a_customer_page_shows_the_explanation_components_and_a_merged_timeline(
    staff_en, business, staff
):
    row = scored(business, 88, first_name="Mario", last_name="Rossi", nps=10, orders=2)
    mario = row.customer
    now = timezone.now()
    OrderFactory(
        customer=mario, external_id="#1001", total_minor=4_550, placed_at=now - timedelta(days=40)
    )
    OrderFactory(
        customer=mario,
        external_id="#1002",
        total_minor=9_900,
        refunded_minor=900,
        financial_status="partially_refunded",
        placed_at=now - timedelta(days=2),
    )
    ReviewFactory(customer=mario, rating=5, title="Best shop", reviewed_at=now - timedelta(days=30))
    NpsResponseFactory(customer=mario, score=10, answered_at=now - timedelta(days=20))
    ReferralFactory(
        customer=mario, referred_email="friend@example.org", referred_at=now - timedelta(days=10)
    )
    MentionFactory(customer=mario, platform="instagram", posted_at=now - timedelta(days=5))
    someone_else = CustomerFactory(business=business)
    OrderFactory(customer=someone_else, external_id="#9999")
    from peerarmy.superfans.tests.factories import invite

    invite(business, staff, [mario])

    response = staff_en.get(f"{LIST}{mario.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="wrap-anywhere">Mario Rossi</h1>' in html
    assert "88/100" in html
    # the components, with points and their share of the score in per cent
    assert '<th scope="row">Spend</th>' in html
    assert '<td data-label="Points">44.0</td>' in html
    assert '<td data-label="Share of the score">50%</td>' in html
    # the timeline: everything Mario did, newest first, nobody else's
    timeline = html[html.index('id="timeline-title"') :]
    order = [
        timeline.index(text)
        for text in (
            "#1002 · €99.00",
            "instagram",
            "Referred friend@example.org",
            "Answered 10 out of 10",
            "5 stars · Best shop",
            "#1001 · €45.50",
        )
    ]
    assert order == sorted(order)
    assert "Partially refunded" in timeline and "€9.00 refunded" in timeline
    assert "#9999" not in html
    # the invitation history
    assert "Invited" in html and f"by {staff.email}" in html
    assert "An invitation is open" in html


def test_the_timeline_says_each_order_and_review_in_one_sentence(staff_en, business):
    mario = scored(business, 50).customer
    now = timezone.now()
    OrderFactory(customer=mario, external_id="#1", refunded_minor=500, cancelled_at=now)
    OrderFactory(customer=mario, external_id="#2", cancelled_at=now)
    ReviewFactory(customer=mario, rating=1, title="")
    ReviewFactory(customer=mario, rating=4, title="Good")

    html = staff_en.get(f"{LIST}{mario.pk}/").content.decode()
    timeline = html[html.index('id="timeline-title"') :]

    assert "€5.00 refunded · cancelled" in timeline
    assert ">cancelled<" in timeline
    assert ">1 star<" in timeline and ">4 stars · Good<" in timeline


def test_a_customer_page_offers_the_invite_form_and_it_invites(staff_en, business):
    mario = scored(business, 88, first_name="Mario").customer
    url = f"{LIST}{mario.pk}/"
    assert f'name="customer" value="{mario.pk}"' in staff_en.get(url).content.decode()

    response = staff_en.post(INVITE, {"customer": [mario.pk], "next": url}, follow=True)

    assert response.redirect_chain[-1][0] == url
    assert Invitation.objects.get().customer == mario
    assert "An invitation is open" in response.content.decode()


def test_a_customer_without_a_score_still_has_a_page(staff_en, business):
    customer = CustomerFactory(business=business)
    response = staff_en.get(f"{LIST}{customer.pk}/")
    assert response.status_code == 200
    assert "no score yet" in response.content.decode()
    assert staff_en.get(f"{LIST}999999/").status_code == 404


# --- scoring settings -------------------------------------------------------------------


def good_settings(**changes):
    data = {
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
    data.update(changes)
    return data


def test_the_settings_form_shows_the_current_settings_and_saves_new_ones(staff_en, business):
    html = staff_en.get(SETTINGS).content.decode()
    assert 'name="weight_monetary"' in html and 'value="25"' in html
    # A read writes nothing: the defaults are stored by the first change.
    assert not ScoringSettings.objects.filter(business=business).exists()

    response = staff_en.post(SETTINGS, good_settings(), follow=True)

    assert response.redirect_chain[-1][0] == SETTINGS
    assert "The scoring settings are saved" in response.content.decode()
    saved = ScoringSettings.objects.get(business=business)
    assert (saved.weight_monetary, saved.superfan_threshold, saved.lapsed_after_days) == (
        40,
        70,
        180,
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"superfan_threshold": 150}, "superfan_threshold", "Enter a value of at most 100."),
        ({"weight_nps": -1}, "weight_nps", "Enter a value of at least 0."),
        ({"weight_reviews": "lots"}, "weight_reviews", "Enter a whole number."),
        ({"lapsed_after_days": ""}, "lapsed_after_days", "This field is required."),
        (
            {f"weight_{k}": 0 for k in ("recency", "frequency", "monetary", "nps", "reviews")}
            | {"weight_referrals": 0, "weight_mentions": 0},
            None,
            "At least one weight must be above zero.",
        ),
    ],
)
def test_the_settings_form_explains_what_is_wrong(staff_en, business, changes, field, message):
    response = staff_en.post(SETTINGS, good_settings(**changes))

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    if field:
        assert f'id="id_{field}"' in html and 'aria-invalid="true"' in html
    assert not ScoringSettings.objects.filter(business=business, weight_monetary=40).exists()


# --- the invitations list ---------------------------------------------------------------


def test_the_invitations_list_filters_by_status_and_shows_past_due_ones_expired(
    staff_en, business, staff
):
    from peerarmy.superfans.tests.factories import invite

    old = scored(business, 90, first_name="Old", last_name="One").customer
    new = scored(business, 80, first_name="New", last_name="One").customer
    result = invite(business, staff, [old, new])
    Invitation.objects.filter(customer=old).update(expires_at=timezone.now() - timedelta(days=1))

    everything = staff_en.get(INVITATIONS).content.decode()
    expired = staff_en.get(INVITATIONS, {"status": "expired"}).content.decode()
    sent = staff_en.get(INVITATIONS, {"status": "sent"}).content.decode()

    assert "Old One" in everything and "New One" in everything
    assert "Old One" in expired and "New One" not in expired
    assert "New One" in sent and "Old One" not in sent
    assert expired.count("badge-closed") == 1  # the "Expired" badge
    # A read writes nothing: the worker's sweep writes the expiry down.
    assert Invitation.objects.get(customer=old).status == InvitationStatus.SENT
    # only the open one can be revoked
    assert everything.count("Revoke…") == 1
    assert len(result.invited) == 2


def test_staff_revoke_an_open_invitation(staff_en, business, staff):
    from peerarmy.superfans.tests.factories import invite

    mario = scored(business, 90, first_name="Mario", last_name="Rossi").customer
    (invitation,) = invite(business, staff, [mario]).invited

    response = staff_en.post(f"{INVITATIONS}{invitation.pk}/revoke/", follow=True)

    assert response.redirect_chain[-1][0] == INVITATIONS
    assert "The invitation to Mario Rossi is revoked" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    again = staff_en.post(f"{INVITATIONS}{invitation.pk}/revoke/", follow=True)
    assert "only open invitations can be revoked" in again.content.decode()


def test_the_console_navigation_leads_to_superfans(staff_en, business):
    html = staff_en.get("/bicigialla/manage/").content.decode()
    assert f'href="{LIST}"' in html and ">Superfans<" in html
    listed = staff_en.get(LIST).content.decode()
    assert f'href="{INVITATIONS}"' in listed and f'href="{SETTINGS}"' in listed


def test_someone_who_signed_up_by_the_same_address_counts_as_in_the_army(staff_en, business):
    row = scored(business, 90, email="Anna@Example.org")
    PeerFactory(business=business, user=UserFactory(email="anna@example.org"))
    html = staff_en.get(LIST).content.decode()
    assert f'name="customer" value="{row.customer.pk}"' not in html
    assert "In the army" in html
