"""Every raw statement of scheduling (`scheduling/sql.py`) is filtered by business: run for one
business with another business's rows present, it neither reads nor changes them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from peerarmy.scheduling import sql
from peerarmy.scheduling.models import Block, Claim, ClaimStatus
from peerarmy.scheduling.services import claim_block
from peerarmy.tenancy.tests.factories import PeerFactory, ProgramFactory

from .factories import BlockFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_business):
    """Lecce B&B's full block, claimed by their own peer."""
    block = BlockFactory(program=ProgramFactory(business=other_business), capacity=1)
    peer = PeerFactory(business=other_business)
    claim = claim_block(peer, block.pk).value
    block.refresh_from_db()
    return {"block": block, "peer": peer, "claim": claim}


@pytest.fixture
def ours(business, program, peer):
    block = BlockFactory(program=program, capacity=2)
    claim = claim_block(peer, block.pk).value
    return {"block": block, "peer": peer, "claim": claim}


def unchanged(theirs):
    block = Block.objects.get(pk=theirs["block"].pk)
    claims = list(Claim.objects.filter(business=theirs["block"].business).values_list("pk"))
    return (block.seats_taken, block.status) == (1, "open") and claims == [(theirs["claim"].pk,)]


def since():
    return timezone.now() - timedelta(days=8)


def test_held_claims_reads_only_the_business_claims(business, ours, theirs):
    assert [row[0] for row in sql.held_claims(business.pk, ours["peer"].pk, since())] == [
        ours["block"].pk
    ]
    # Their peer's claims, asked for with our business: nothing.
    assert sql.held_claims(business.pk, theirs["peer"].pk, since()) == []
    assert unchanged(theirs)


def test_seems_full_sees_no_other_business_block(business, ours, theirs):
    assert not sql.seems_full(business.pk, ours["peer"].pk, theirs["block"].pk, None)
    assert unchanged(theirs)


def test_claim_facts_read_nothing_of_another_business(business, ours, theirs):
    facts = sql.claim_facts(business.pk, ours["peer"].pk, ours["block"].pk, None, since())
    assert facts.block.pk == ours["block"].pk
    assert [h[0] for h in facts.held] == [ours["block"].pk]
    # Their block, or their peer, with our business: nothing at all.
    assert sql.claim_facts(business.pk, ours["peer"].pk, theirs["block"].pk, None, since()) is None
    assert (
        sql.claim_facts(business.pk, theirs["peer"].pk, theirs["block"].pk, None, since()) is None
    )
    assert unchanged(theirs)


def test_take_seat_changes_no_other_business_block(business, ours, theirs):
    Block.objects.filter(pk=theirs["block"].pk).update(capacity=2)  # a seat to take

    assert sql.take_seat(business.pk, theirs["block"].pk) is None
    assert (
        sql.take_seat_and_claim(
            business.pk, theirs["block"].pk, ours["peer"].pk, timezone.now(), None
        )
        is None
    )
    Block.objects.filter(pk=theirs["block"].pk).update(capacity=1)
    assert unchanged(theirs)
    assert sql.take_seat(business.pk, ours["block"].pk) is not None  # ours: taken


def test_a_claim_is_written_for_the_business_it_names(business, ours, theirs):
    block = ours["block"]
    other = PeerFactory(business=business)
    made = sql.take_seat_and_claim(business.pk, block.pk, other.pk, timezone.now(), "k")

    claim = Claim.objects.get(pk=made[0])
    assert (claim.business_id, claim.status, claim.idempotency_key) == (
        business.pk,
        ClaimStatus.ACTIVE,
        "k",
    )
    assert (
        (claim.starts_at, claim.ends_at) == (made[1], made[2]) == (block.starts_at, block.ends_at)
    )
    assert unchanged(theirs)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the function only ever existed on PostgreSQL",
)
def test_no_claim_rule_is_left_in_the_database():
    """ADR 11: the claim's database function is gone (migration 0007)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'scheduling_quick_claim'")
        assert cursor.fetchone()[0] == 0


def _query(business, peer, program_ids, **extra):
    return sql.CandidateQuery(
        business_id=business.pk,
        peer_id=peer.pk,
        program_ids=tuple(program_ids),
        now=timezone.now(),
        **extra,
    )


def test_candidate_rows_read_only_the_business_blocks(business, program, ours, theirs):
    fields = ("id", "business_id", "starts_at")
    ours_open = BlockFactory(program=program)
    theirs_program = theirs["block"].program_id

    rows = sql.candidate_rows(
        _query(business, ours["peer"], [program.pk, theirs_program]), fields, limit=50
    )
    # Even asked for their program's id, none of their blocks is read.
    assert {values[0] for values, _skills in rows} == {ours["block"].pk, ours_open.pk}
    assert all(values[1] == business.pk for values, _skills in rows)
    held_out = sql.candidate_rows(
        _query(business, ours["peer"], [program.pk], without_held=True), fields, limit=50
    )
    assert [values[0] for values, _skills in held_out] == [ours_open.pk]
    assert unchanged(theirs)


def test_candidate_rows_find_a_place_as_icontains_does(business, program, ours):
    fields = ("id",)
    odd = BlockFactory(program=program, place_name="Officina 50%_off", address="Via \\ Roma")
    remote = BlockFactory(program=program, is_remote=True, place_name="Anywhere")

    def found(place, remote_too=False):
        query = _query(business, ours["peer"], [program.pk], place=place, place_remote=remote_too)
        return {values[0] for values, _s in sql.candidate_rows(query, fields, limit=50)}

    assert found("50%_") == {odd.pk}
    assert found("OFFICINA") == {odd.pk}
    assert found("\\ ro") == {odd.pk}
    assert found("%") == {odd.pk}
    assert found("Remote", remote_too=True) == {remote.pk}


def test_the_claimable_context_reads_nothing_of_another_business(
    business, other_business, program, ours, theirs
):
    from peerarmy.programs.models import ProgramStatus
    from peerarmy.scheduling.models import WaitlistEntry, WaitlistStatus
    from peerarmy.tenancy.tests.factories import SkillFactory

    ProgramFactory(business=other_business, status=ProgramStatus.PUBLISHED)
    program.status = ProgramStatus.PUBLISHED
    program.save()
    WaitlistEntry.objects.create(
        business=other_business,
        block=theirs["block"],
        peer=theirs["peer"],
        status=WaitlistStatus.WAITING,
    )
    ours["peer"].skills.add(SkillFactory(business=business))

    published = sql.published_programs(business.pk)
    assert [p.program.pk for p in published] == [program.pk]
    assert all(p.program.business_id == business.pk for p in published)
    skills, _languages = sql.peer_skills_and_languages(business.pk, ours["peer"].pk)
    assert len(skills) == 1
    # Their peer, asked for with our business: nothing.
    assert sql.peer_skills_and_languages(business.pk, theirs["peer"].pk) == (
        frozenset(),
        frozenset(),
    )
    assert sql.waiting_block_ids(business.pk, theirs["peer"].pk) == set()
    assert sql.waiting_block_ids(other_business.pk, theirs["peer"].pk) == {theirs["block"].pk}
    assert unchanged(theirs)
