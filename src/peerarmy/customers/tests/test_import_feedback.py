"""Importing what customers say and do for the shop: NPS answers, reviews, referrals, social
mentions. Linked to the customer by e-mail; kept without one when nobody has the e-mail."""

from datetime import UTC, datetime

import pytest

from peerarmy.customers.models import Mention, NpsResponse, Order, Referral, Review
from peerarmy.tenancy.tests.factories import CustomerFactory

from .files import csv_bytes, imported, italian_excel, line, shopify_order, shopify_orders

pytestmark = pytest.mark.django_db


def test_nps_answers_from_italian_excel(business):
    giulia = CustomerFactory(business=business, email="giulia@example.org")
    data = italian_excel(
        [
            ["E-mail", "Data", "Voto", "Commento"],
            ["Giulia@Example.org", "15/01/2024", "10", "Perché la bottega è sempre gentilissima"],
            ["anonimo@example.org", "16/01/2024 12:30", "6", "Così così, però onesti"],
            ["", "17/01/2024", "3", "Troppa attesa"],
        ]
    )

    result = imported(business, "nps", data)

    assert (result.format, result.encoding, result.created, result.errors) == (
        "generic",
        "cp1252",
        3,
        [],
    )
    answers = {a.score: a for a in NpsResponse.objects.filter(business=business)}
    assert answers[10].customer == giulia
    assert answers[10].comment == "Perché la bottega è sempre gentilissima"
    assert answers[10].answered_at == datetime(2024, 1, 14, 23, 0, tzinfo=UTC)
    assert answers[6].customer is None and answers[6].email == "anonimo@example.org"
    assert answers[3].email == ""


def test_answers_imported_before_their_customer_are_linked_when_the_customer_arrives(business):
    imported(
        business,
        "nps",
        csv_bytes([["email", "date", "score"], ["ada@example.org", "2024-01-01", "9"]]),
    )
    assert NpsResponse.objects.get(business=business).customer is None

    imported(
        business, "customers", csv_bytes([["email", "first_name"], ["ada@example.org", "Ada"]])
    )

    assert NpsResponse.objects.get(business=business).customer.first_name == "Ada"


def test_reviews_with_their_stars(business):
    anna = CustomerFactory(business=business, email="anna@example.org")
    data = csv_bytes(
        [
            ["Review ID", "Email", "Rating", "Title", "Body", "Date"],
            ["g-1", "anna@example.org", "5", "Bravissimi", "Riparazione veloce", "2024-02-01"],
            ["g-2", "", "4,0", "Buono", "", "2024-02-02"],
        ]
    )

    result = imported(business, "reviews", data)

    assert (result.created, result.errors) == (2, [])
    review = Review.objects.get(business=business, external_id="g-1")
    assert (review.customer, review.rating, review.title) == (anna, 5, "Bravissimi")
    assert Review.objects.get(business=business, external_id="g-2").rating == 4


def test_a_referral_converts_when_the_friend_has_placed_a_counted_order(business):
    CustomerFactory(business=business, email="giulia@example.org")
    imported(
        business,
        "orders",
        shopify_orders(
            [(shopify_order("#7001", "marco@example.org", "40.00",
                            created="2024-03-10 10:00:00 +0100"), [line()])]
        ),
    )  # fmt: skip
    data = italian_excel(
        [
            ["Email invitante", "Email amico", "Data invito"],
            ["giulia@example.org", "marco@example.org", "01/03/2024"],
            ["giulia@example.org", "lucia@example.org", "02/03/2024"],
        ]
    )

    result = imported(business, "referrals", data)

    assert (result.created, result.errors) == (2, [])
    marco = Referral.objects.get(business=business, referred_email="marco@example.org")
    assert marco.converted and marco.converted_at == datetime(2024, 3, 10, 9, 0, tzinfo=UTC)
    assert marco.customer.email == "giulia@example.org"
    assert marco.referred_customer.email == "marco@example.org"
    lucia = Referral.objects.get(business=business, referred_email="lucia@example.org")
    assert not lucia.converted

    # Lucia buys later: the next orders import converts her referral.
    imported(
        business,
        "orders",
        shopify_orders(
            [(shopify_order("#7002", "lucia@example.org", "25.00",
                            created="2024-04-01 10:00:00 +0200"), [line()])]
        ),
    )  # fmt: skip
    lucia.refresh_from_db()
    assert lucia.converted and lucia.referred_customer is not None
    # … and importing the referrals again changes nothing.
    again = imported(business, "referrals", data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_referral_the_file_marks_as_converted_stays_converted(business):
    data = csv_bytes(
        [
            ["referrer", "friend", "date", "converted"],
            ["giulia@example.org", "pietro@example.org", "2024-03-01", "yes"],
        ]
    )

    imported(business, "referrals", data)

    assert Referral.objects.get(business=business).converted is True


def test_social_mentions_with_their_engagement(business):
    CustomerFactory(business=business, email="ale@example.org")
    data = csv_bytes(
        [
            ["Platform", "URL", "Email", "Date", "Likes", "Comments", "Shares"],
            ["Instagram", "https://instagram.example/p/1", "ale@example.org", "2024-05-01", "120",
             "14", "3"],
            ["TikTok", "https://tiktok.example/v/2", "", "2024-05-02", "", "", ""],
        ]
    )  # fmt: skip

    result = imported(business, "mentions", data)

    assert result.created == 2
    post = Mention.objects.get(business=business, platform="Instagram")
    assert (post.engagement, post.customer.email) == (137, "ale@example.org")


def test_a_file_without_ids_is_still_imported_once(business):
    data = csv_bytes([["email", "date", "score"], ["a@example.org", "2024-01-01", "9"]])

    first = imported(business, "nps", data)
    second = imported(business, "nps", data)

    assert (first.created, second.created, second.unchanged) == (1, 0, 1)
    assert NpsResponse.objects.filter(business=business).count() == 1
    assert Order.objects.count() == 0
