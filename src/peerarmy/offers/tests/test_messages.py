"""A message about many offers lists the first twenty, counts them all, and its push names the
earliest piece of work, a visitor's request as well as a block."""

from datetime import timedelta

import pytest

from peerarmy.matching.tests.factories import matching_program, next_monday, open_request
from peerarmy.offers.messages import new_work_message
from peerarmy.scheduling.tests.factories import BlockFactory
from peerarmy.tenancy.tests.factories import PeerFactory

pytestmark = pytest.mark.django_db


def test_a_request_before_twenty_five_blocks_leads_the_push_and_is_counted(business, program):
    peer = PeerFactory(business=business, display_name="Giulia")
    waiting = open_request(matching_program(business))  # next week's Monday, 10:00
    start = next_monday(business, 10) + timedelta(days=1)
    blocks = [
        BlockFactory(program=program, starts_at=start + timedelta(hours=n)) for n in range(25)
    ]

    message = new_work_message(peer, business, blocks, [waiting], language="en", digest=False)

    assert message.push["title"] == "26 new offers of work at Bici Gialla"
    assert message.push["body"].startswith(waiting.program.title_en)
    assert message.push["body"].endswith("and 25 more")
    assert message.push["url"] == f"/{business.slug}/me/blocks/"
    assert "And 6 more offers" in message.body_text  # twenty blocks listed, the rest a link away
    assert f"#block-{blocks[19].pk}" in message.body_text
    assert f"#block-{blocks[20].pk}" not in message.body_text


def test_one_block_alone_is_named_and_linked(business, program):
    peer = PeerFactory(business=business)
    block = BlockFactory(program=program, starts_at=next_monday(business, 9))

    message = new_work_message(peer, business, [block], [], language="en", digest=False)

    assert message.push["title"] == f"New block: {program.title_en}"
    assert message.push["url"].endswith(f"#block-{block.pk}")
