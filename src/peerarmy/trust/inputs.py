"""The typed inputs of the trust app's changes (ADR 10): one rating, one moderation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from peerarmy.inputs import ID, Input, text, whole

# Tags a rater may choose, per rated party (the words are in `explain.TAG_LABELS`).
PEER_TAGS = ("punctual", "friendly", "knowledgeable", "careful", "helpful", "clear")
CONSUMER_TAGS = ("punctual", "friendly", "respectful", "clear")
ALL_TAGS = PEER_TAGS + tuple(t for t in CONSUMER_TAGS if t not in PEER_TAGS)
MAX_TAGS = 6
TagName = Literal[ALL_TAGS]


class RatingInput(Input):
    """One side's rating of a completed block claim or match: stars 1-5, tags from the list
    of the rated party (`PEER_TAGS` for a peer, `CONSUMER_TAGS` for a visitor), a comment."""

    subject_kind: Literal["claim", "match"]
    subject_id: ID
    stars: whole(1, 5)
    tags: list[TagName] = Field(default_factory=list, max_length=MAX_TAGS)
    comment: text(1000) = ""


class HideCommentInput(Input):
    """Hide a rating's comment (its stars still count), with the reason for the log."""

    reason: text(300, min_length=3)
