"""Scoring a business's customers from its stored data: what counts, ranking, explanations,
segments, the best score kept, and the settings a business may change."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from peerarmy.customers.models import FinancialStatus
from peerarmy.errors import PermissionDenied, ValidationFailed
from peerarmy.superfans.explain import component_rows, explanation
from peerarmy.superfans.models import SuperfanScore
from peerarmy.superfans.selectors import (
    ranked_scores,
    score_for_customer,
    scoring_settings,
    segment_counts,
)
from peerarmy.superfans.services import score_business, weights_for
from peerarmy.tenancy.tests.factories import CustomerFactory, PeerFactory, UserFactory

from .factories import (
    MentionFactory,
    NpsResponseFactory,
    OrderFactory,
    ReferralFactory,
    ReviewFactory,
    change_settings,
)

pytestmark = pytest.mark.django_db


def days_ago(n):
    return timezone.now() - timedelta(days=n)


def scored(business, customer):
    return SuperfanScore.objects.get(business=business, customer=customer)


def test_only_money_the_shop_kept_counts_towards_orders_and_spend(business):
    # Given a customer with one order of each kind
    anna = CustomerFactory(business=business, email="anna@example.org")
    OrderFactory(customer=anna, total_minor=10_000)  # paid: counts
    OrderFactory(
        customer=anna,
        total_minor=8_000,
        refunded_minor=3_000,
        financial_status=FinancialStatus.PARTIALLY_REFUNDED,
    )  # counts 50.00 net
    OrderFactory(
        customer=anna,
        total_minor=7_000,
        refunded_minor=7_000,
        financial_status=FinancialStatus.REFUNDED,
    )
    OrderFactory(customer=anna, total_minor=6_000, financial_status=FinancialStatus.VOIDED)
    OrderFactory(customer=anna, total_minor=5_000, financial_status=FinancialStatus.PENDING)
    OrderFactory(customer=anna, total_minor=4_000, financial_status=FinancialStatus.AUTHORIZED)
    OrderFactory(customer=anna, total_minor=3_000, cancelled_at=days_ago(1))  # paid, cancelled
    OrderFactory(
        customer=anna,
        total_minor=2_000,
        placed_at=days_ago(1),
        financial_status=FinancialStatus.PARTIALLY_PAID,
    )

    # When the business is scored
    score_business(business)

    # Then two orders count, for 150.00, and the last counted one is the paid one's date
    row = scored(business, anna)
    assert row.orders == 2
    assert row.spend_minor == 15_000
    assert row.last_order_at is not None
    assert (timezone.now() - row.last_order_at).days == 10


def test_an_order_of_many_lines_counts_once(business):
    marco = CustomerFactory(business=business)
    OrderFactory(customer=marco, total_minor=12_345, line_count=4)

    score_business(business)

    row = scored(business, marco)
    assert (row.orders, row.spend_minor) == (1, 12_345)
    assert row.components[1] == {**row.components[1], "key": "frequency", "value": 1}
    assert row.components[2]["value"] == 12_345


def test_a_loyal_promoter_ranks_above_a_one_time_buyer(business):
    # Given a promoter with many orders, a one-time buyer and a customer who never bought
    giulia = CustomerFactory(business=business, email="giulia@example.org")
    for n in range(8):
        OrderFactory(customer=giulia, placed_at=days_ago(10 + 30 * n), total_minor=9_000)
    NpsResponseFactory(customer=giulia, score=10)
    once = CustomerFactory(business=business, email="once@example.org")
    OrderFactory(customer=once, placed_at=days_ago(300), total_minor=4_000)
    never = CustomerFactory(business=business, email="never@example.org")

    result = score_business(business).value

    assert result.customers == 3
    ranked = list(ranked_scores(business))
    assert [row.customer.email for row in ranked] == [
        "giulia@example.org",
        "once@example.org",
        "never@example.org",
    ]
    assert ranked[-1].score == 0
    assert score_for_customer(business, never.pk).components[0]["percentile"] == 0


def test_the_score_explains_itself_in_english_and_italian(business):
    # Given the best customer of the shop: the most spend, 12 orders, 3 friends, NPS 10
    best = CustomerFactory(business=business)
    for n in range(12):
        OrderFactory(customer=best, placed_at=days_ago(21 + 20 * n), total_minor=15_000)
    for _ in range(3):
        ReferralFactory(customer=best)
    ReferralFactory(customer=best, converted=False, converted_at=None)  # not a customer (yet)
    NpsResponseFactory(customer=best, score=3, answered_at=days_ago(400))
    NpsResponseFactory(customer=best, score=10, answered_at=days_ago(30))  # the latest counts
    ReviewFactory(customer=best, rating=5)
    ReviewFactory(customer=best, rating=4)
    MentionFactory(customer=best, engagement=1500)
    for n in range(30):
        OrderFactory(customer=CustomerFactory(business=business), total_minor=1_000 + n)

    score_business(business)
    row = score_for_customer(business, best.pk)

    with translation.override("en"):
        text = explanation(row)
        rows = component_rows(row)
    assert text.startswith("Top 4% spend, 12 orders, last one 3 weeks ago")
    assert "3 friends referred" in text
    assert "NPS 10" in text
    assert "2 reviews averaging 4.5 stars" in text
    assert "1 social mention (1,500 interactions)" in text
    assert [r["label"] for r in rows] == [
        "Last order",
        "Orders",
        "Spend",
        "NPS",
        "Reviews",
        "Friends referred",
        "Social mentions",
    ]
    assert rows[2]["value_text"] == "€1,800.00"
    assert sum(r["share"] for r in rows) == pytest.approx(1)
    assert sum(r["points"] for r in rows) == pytest.approx(row.score)

    with translation.override("it"):
        testo = explanation(row)
        righe = component_rows(row)
    assert testo.startswith("Tra il 4% che spende di più, 12 ordini, l'ultimo 3 settimane fa")
    assert "3 amici presentati" in testo
    assert "NPS 10" in testo
    assert "4,5 stelle" in testo
    assert "1.500 interazioni" in testo
    assert righe[2]["label"] == "Spesa"
    assert righe[2]["value_text"] == "1.800,00\N{NO-BREAK SPACE}€"


def test_a_detractor_is_called_one(business):
    unhappy = CustomerFactory(business=business)
    OrderFactory(customer=unhappy)
    NpsResponseFactory(customer=unhappy, score=2)

    score_business(business)

    row = score_for_customer(business, unhappy.pk)
    with translation.override("en"):
        assert "detractor (NPS 2)" in explanation(row)
    with translation.override("it"):
        assert "detrattore (NPS 2)" in explanation(row)
    assert row.components[3]["points"] < 0


def test_a_customer_with_nothing_yet_is_explained_too(business):
    CustomerFactory(business=business)
    score_business(business)
    row = ranked_scores(business).get()
    with translation.override("en"):
        assert explanation(row) == "No counted orders or feedback yet."


def test_segments_select_superfans_promoters_not_yet_enrolled_and_lapsed_superfans(business):
    # Given a superfan, a promoter who is already a peer (linked), one who is a peer by
    # e-mail, a promoter who is not, and a former superfan who stopped buying
    settings = scoring_settings(business)
    star = CustomerFactory(business=business, email="star@example.org", accepts_marketing=True)
    for n in range(10):
        OrderFactory(customer=star, placed_at=days_ago(5 + n), total_minor=20_000)
    NpsResponseFactory(customer=star, score=10)
    ReferralFactory(customer=star)

    linked = CustomerFactory(business=business, email="linked@example.org")
    NpsResponseFactory(customer=linked, score=9)
    PeerFactory(business=business, customer=linked)

    by_email = CustomerFactory(business=business, email="ByEmail@example.org")
    NpsResponseFactory(customer=by_email, score=10)
    PeerFactory(business=business, user=UserFactory(email="byemail@example.org"))

    fan = CustomerFactory(business=business, email="fan@example.org")
    NpsResponseFactory(customer=fan, score=9)
    OrderFactory(customer=fan)

    gone = CustomerFactory(business=business, email="gone@example.org")
    OrderFactory(customer=gone, placed_at=days_ago(settings.lapsed_after_days + 30))
    for n in range(40):
        # fixed names: a random one (say "Starr") would match the search below
        CustomerFactory(
            business=business, email=f"quiet{n}@example.org", first_name="Q", last_name="Q"
        )
    score_business(business)
    # gone was a superfan once
    SuperfanScore.objects.filter(customer=gone).update(best_score=80)

    def emails(segment, **kwargs):
        return {row.customer.email for row in ranked_scores(business, segment=segment, **kwargs)}

    assert "star@example.org" in emails("superfans")
    assert emails("superfans") <= {
        "star@example.org",
        "fan@example.org",
        "gone@example.org",
        "linked@example.org",
        "ByEmail@example.org",
    }
    assert emails("promoters") == {"star@example.org", "fan@example.org"}
    assert emails("lapsed") == {"gone@example.org"}
    assert emails("superfans", consent_only=True) == {"star@example.org"}
    assert emails(None, q="STAR") == {"star@example.org"}
    assert emails(None, min_score=scored(business, star).score) == {"star@example.org"}
    counts = {key: count for key, _label, count in segment_counts(business)}
    assert counts["promoters"] == 2
    assert counts["lapsed"] == 1
    assert counts["superfans"] == len(emails("superfans"))


def test_the_top_percent_makes_superfans_even_below_the_threshold(business):
    settings = scoring_settings(business)
    settings.superfan_threshold = 100
    settings.top_percent = 10
    settings.save()
    customers = [CustomerFactory(business=business) for _ in range(20)]
    for n, customer in enumerate(customers):
        OrderFactory(customer=customer, total_minor=1_000 * (n + 1))

    score_business(business)

    top = list(ranked_scores(business, segment="superfans"))
    assert [row.customer for row in top] == [customers[-1], customers[-2]]


def test_an_unknown_segment_is_refused(business):
    with pytest.raises(ValidationFailed) as error:
        list(ranked_scores(business, segment="vips"))
    assert error.value.field == "segment"


def test_the_best_score_keeps_the_peak(business):
    regular = CustomerFactory(business=business)
    OrderFactory(customer=regular, placed_at=days_ago(3))
    NpsResponseFactory(customer=regular, score=10)
    score_business(business)
    peak = scored(business, regular).score

    # When the customer turns detractor and is scored again
    NpsResponseFactory(customer=regular, score=0, answered_at=days_ago(1))
    score_business(business)

    row = scored(business, regular)
    assert row.score < peak
    assert row.best_score == peak
    assert row.nps == 0


def test_scoring_reads_and_writes_in_bulk(business, other_business):
    def make(n):
        for _ in range(n):
            customer = CustomerFactory(business=business)
            OrderFactory(customer=customer)
            NpsResponseFactory(customer=customer)
            ReviewFactory(customer=customer)
            ReferralFactory(customer=customer)
            MentionFactory(customer=customer)

    make(3)
    score_business(business)  # the first run of a business copies straight in; measure updates
    with CaptureQueriesContext(connection) as few:
        score_business(business)
    make(30)
    with CaptureQueriesContext(connection) as many:
        result = score_business(business).value

    assert result.customers == 33
    assert len(many) == len(few)
    assert SuperfanScore.objects.filter(business=business).count() == 33
    # and another business's customers are not touched
    CustomerFactory(business=other_business)
    assert not SuperfanScore.objects.filter(business=other_business).exists()


def test_another_business_data_does_not_count(business, other_business):
    mine = CustomerFactory(business=business, email="same@example.org")
    theirs = CustomerFactory(business=other_business, email="same@example.org")
    for _ in range(5):
        OrderFactory(customer=theirs)
    NpsResponseFactory(customer=theirs, score=10)

    score_business(business)

    row = scored(business, mine)
    assert (row.orders, row.nps, row.score) == (0, None, 0)


# --- settings --------------------------------------------------------------------------


def test_the_owner_changes_the_weights(business, owner):
    settings = change_settings(
        business, owner, {"weight_mentions": 30, "superfan_threshold": 50, "top_percent": 5}
    )
    assert (settings.weight_mentions, settings.superfan_threshold, settings.top_percent) == (
        30,
        50,
        5,
    )
    assert scoring_settings(business).weight_mentions == 30


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"weight_nps": 101}, "weight_nps"),
        ({"weight_nps": -1}, "weight_nps"),
        ({"weight_nps": "many"}, "weight_nps"),
        ({"superfan_threshold": 101}, "superfan_threshold"),
        ({"top_percent": 0}, "top_percent"),
        ({"top_percent": 101}, "top_percent"),
        ({"lapsed_after_days": 29}, "lapsed_after_days"),
        ({"lapsed_after_days": 3651}, "lapsed_after_days"),
        ({"colour": "red"}, "colour"),
        (
            {
                f"weight_{key}": 0
                for key in (
                    "recency",
                    "frequency",
                    "monetary",
                    "nps",
                    "reviews",
                    "referrals",
                    "mentions",
                )
            },
            "weight_recency",
        ),
    ],
)
def test_settings_out_of_range_are_refused(business, owner, data, field):
    with pytest.raises(ValidationFailed) as error:
        change_settings(business, owner, data)
    assert error.value.field == field
    assert scoring_settings(business).weight_nps == 15


def test_only_members_change_the_settings(business, other_staff):
    with pytest.raises(PermissionDenied):
        change_settings(business, other_staff, {"weight_nps": 50})


# --- background scoring ----------------------------------------------------------------


def test_the_background_task_scores_the_business(business):
    from peerarmy.superfans.tasks import score_business_task

    customer = CustomerFactory(business=business)
    OrderFactory(customer=customer)

    result = score_business_task.enqueue(business.pk)

    assert result.return_value["customers"] == 1
    assert scored(business, customer).orders == 1


def test_the_background_task_skips_a_deleted_business(db):
    from peerarmy.superfans.tasks import score_business_task

    assert score_business_task.enqueue(10**9).return_value == {"customers": 0}


def test_new_weights_rescore_in_the_background(business, owner, django_capture_on_commit_callbacks):
    customer = CustomerFactory(business=business)
    MentionFactory(customer=customer)
    score_business(business)
    before = scored(business, customer).score

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        change_settings(business, owner, {"weight_mentions": 100, "weight_nps": 0})

    assert len(callbacks) == 1
    assert scored(business, customer).score > before


def test_a_new_threshold_alone_does_not_rescore(
    business, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        change_settings(business, owner, {"superfan_threshold": 70})
    assert callbacks == []


def test_the_settings_are_read_as_defaults_and_stored_by_the_first_change(business, staff):
    from peerarmy.superfans.models import ScoringSettings
    from peerarmy.superfans.tests.factories import change_settings

    defaults = scoring_settings(business)
    score_business(business)

    assert (defaults.pk, defaults.weight_monetary) == (None, 25)
    assert weights_for(defaults) == {
        "recency": 15,
        "frequency": 20,
        "monetary": 25,
        "nps": 15,
        "reviews": 10,
        "referrals": 10,
        "mentions": 5,
    }
    assert not ScoringSettings.objects.filter(business=business).exists()
    change_settings(business, staff, {"weight_mentions": 30})
    assert ScoringSettings.objects.get(business=business).weight_mentions == 30
