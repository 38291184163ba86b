"""The page of peers that PostgreSQL writes as JSON (`peers/sql.py`) is the page the ORM and
the API's `PeerOut` would write, filters and order included, and keeps to its business: a
peer, skill or language of another business never shows, even with the same slug, name or
address."""

from datetime import UTC, datetime

import orjson
import pytest
from django.db import connection
from django.test import RequestFactory

from peerarmy.api.api import OrjsonRenderer
from peerarmy.api.pagination import LimitOffset
from peerarmy.api.peers import PeerOut
from peerarmy.peers import selectors, sql
from peerarmy.peers.models import LanguageLevel, Peer, PeerLanguage, PeerStatus
from peerarmy.tenancy.tests.factories import ApplicantFactory, PeerFactory, SkillFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the JSON page is PostgreSQL's own"
    ),
]


def orm_page(business, limit=50, offset=0, **filters):
    """What the API answers without the database's JSON: the ORM's page through PeerOut."""
    page = LimitOffset().paginate_queryset(
        selectors.peers_for_business(business, **filters),
        LimitOffset.Input(limit=limit, offset=offset),
        RequestFactory().get("/api/v1/peers/"),
    )
    written = OrjsonRenderer().render(
        None,
        [PeerOut.model_validate(peer).model_dump() for peer in page["results"]],
        response_status=200,
    )
    return page["count"], orjson.loads(written)


def sql_page(business, limit=50, offset=0, **filters):
    count, body = selectors.peers_page_json(business, limit=limit, offset=offset, **filters)
    return count, orjson.loads(body)


@pytest.fixture
def crowd(business):
    repair = SkillFactory(business=business, slug="repair")
    guide = SkillFactory(business=business, slug="guide")
    marco = PeerFactory(
        business=business,
        display_name="Marco",
        skills=[repair, guide],
        languages=["it", "en"],
        reliability=87,
        showcase_links=["https://example.org/marco"],
        bio='Quotes " and \\ backslashes, àccènts, emoji 🚲',
    )
    anna = PeerFactory(
        business=business,
        display_name="Anna",
        languages=["de"],
        latitude=None,
        longitude=None,
        home_address="Via Saragozza 1_00%",
    )
    luca = ApplicantFactory(business=business, display_name="Luca", languages=[])
    rejected = PeerFactory(
        business=business, display_name="Zoe", status=PeerStatus.REJECTED, languages=["fr"]
    )
    PeerLanguage.objects.filter(peer=anna).update(level=LanguageLevel.BASIC)
    # A decision to the microsecond, and one on the whole second.
    Peer.objects.filter(pk=rejected.pk).update(
        decided_at=datetime(2026, 12, 6, 9, 30, 15, 123456, tzinfo=UTC),
        rejection_reason="Too far",
    )
    Peer.objects.filter(pk=marco.pk).update(
        decided_at=datetime(2026, 12, 6, 9, 30, tzinfo=UTC),
        applied_at=datetime(2026, 12, 1, 8, 0, 0, 500, tzinfo=UTC),
    )
    return {"marco": marco, "anna": anna, "luca": luca, "zoe": rejected}


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": PeerStatus.ACTIVE},
        {"status": PeerStatus.APPLICANT},
        {"skill": "repair"},
        {"language": "de"},
        {"q": "saragozza"},
        {"q": "1_00%"},
        {"q": "_"},
        {"q": "%"},
        {"q": "  MARCO "},
        {"status": PeerStatus.ACTIVE, "skill": "guide", "language": "en", "q": "mar"},
    ],
    ids=repr,
)
def test_the_database_writes_the_page_the_api_would(crowd, business, filters):
    assert sql_page(business, **filters) == orm_page(business, **filters)


def test_pages_split_the_list_as_the_orm_does(crowd, business):
    for offset in range(5):
        assert sql_page(business, limit=2, offset=offset) == orm_page(
            business, limit=2, offset=offset
        )


def test_every_field_of_the_api_is_written(crowd, business):
    _count, rows = sql_page(business)
    assert all(set(row) == set(PeerOut.model_fields) for row in rows)
    zoe = next(row for row in rows if row["display_name"] == "Zoe")
    assert zoe["decided_at"] == "2026-12-06T09:30:15.123Z"
    marco = next(row for row in rows if row["display_name"] == "Marco")
    assert marco["decided_at"] == "2026-12-06T09:30:00Z"
    assert marco["skills"] == ["guide", "repair"]


def test_another_business_never_shows(crowd, business, other_business):
    # Same name, same skill slug, same language, same address: only the business differs.
    theirs_skill = SkillFactory(business=other_business, slug="repair")
    theirs = PeerFactory(
        business=other_business,
        display_name="Marco",
        skills=[theirs_skill],
        languages=["de"],
        home_address="Via Saragozza 1_00%",
    )
    for filters in ({}, {"skill": "repair"}, {"language": "de"}, {"q": "marco"}):
        _count, rows = sql_page(business, **filters)
        assert theirs.pk not in {row["id"] for row in rows}
    count, rows = sql_page(other_business)
    assert (count, [row["id"] for row in rows]) == (1, [theirs.pk])
    assert rows[0]["skills"] == ["repair"]


def test_a_skill_of_another_business_is_not_counted_as_the_peers(crowd, business, other_business):
    """Even a link that should not exist (our peer tied to their skill) does not show."""
    theirs = SkillFactory(business=other_business, slug="sailing")
    Peer.skills.through.objects.create(peer_id=crowd["anna"].pk, skill_id=theirs.pk)

    assert sql_page(business, skill="sailing") == (0, [])
    anna = next(r for r in sql_page(business)[1] if r["id"] == crowd["anna"].pk)
    assert anna["skills"] == []


def test_no_statement_where_the_database_is_not_postgresql(business, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert sql.peer_page_json(business.pk, limit=10, offset=0) is None
