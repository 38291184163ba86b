"""The typed inputs of every change in support (see `peerarmy.inputs`): opening a ticket (a
peer's, a visitor's with their name and e-mail, the staff's on someone's behalf), a reply or
an internal note, an assignment, a status, a canned reply and a category's SLA targets.

The links to a block, match, reward or payout are ids; whether they are of this business and,
for a peer, their own, is the service's rule. Attachments are files, not fields: the service
checks them and names the field `attachments`."""

from typing import Literal

from django.utils.translation import gettext as _
from pydantic import model_validator

from peerarmy.inputs import ID, Email, Input, rule_errors, text, whole

CategoryCode = Literal["question", "payment", "no_show", "safety", "complaint", "damage", "other"]
StatusCode = Literal["new", "open", "waiting", "resolved", "closed"]

MAX_BODY = 5000
# a week of business days at most, in minutes of business time
MAX_TARGET_MINUTES = 60 * 24 * 60


class TicketInput(Input):
    """A ticket as a peer opens it, about something of theirs or not."""

    category: CategoryCode
    subject: text(160, min_length=1)
    body: text(MAX_BODY, min_length=1)
    block_id: ID | None = None
    match_id: ID | None = None
    reward_id: ID | None = None
    payout_id: ID | None = None


class ConsumerTicketInput(Input):
    """A ticket as a visitor without an account opens it: they are written to at `email`."""

    name: text(80, min_length=1)
    email: Email
    category: CategoryCode
    subject: text(160, min_length=1)
    body: text(MAX_BODY, min_length=1)


class StaffTicketInput(TicketInput):
    """A ticket the staff open: for one of the business's peers, for someone who wrote or
    phoned (name and e-mail), or for the staff themselves (neither)."""

    peer_id: ID | None = None
    name: text(80) = ""
    email: Email | None = None


class ReplyInput(Input):
    """A post in a ticket's thread; `internal` (staff only) is a note the requester never sees.
    `status` (staff only) is where the ticket goes with a public reply; by default it waits
    on the requester."""

    body: text(MAX_BODY, min_length=1)
    internal: bool = False
    status: StatusCode | None = None


class AssignInput(Input):
    """Who handles the ticket: a member's user id, or none."""

    assignee_id: ID | None = None


class StatusInput(Input):
    status: StatusCode


class CannedReplyInput(Input):
    title: text(80, min_length=1)
    body_it: text(MAX_BODY, min_length=1)
    body_en: text(MAX_BODY, min_length=1)


class SlaTargetInput(Input):
    category: CategoryCode
    first_response_minutes: whole(ge=1, le=MAX_TARGET_MINUTES)
    resolution_minutes: whole(ge=1, le=MAX_TARGET_MINUTES)


class SettlementInput(Input):
    """How a payment discrepancy is settled in the books: the linked reward's transaction
    reversed (`reverse`), or the peer's balance adjusted by `amount_minor` cents (negative to
    take some off); `note` says why and goes to the requester with the ticket resolved."""

    reverse: bool = False
    amount_minor: whole(ge=-(10**9), le=10**9) | None = None
    note: text(250, min_length=1)

    @model_validator(mode="after")
    def _one_way(self):
        errors = []
        if self.reverse and self.amount_minor is not None:
            errors.append(("amount_minor", _("Either reverse the reward or adjust by an amount.")))
        elif not self.reverse and not self.amount_minor:
            errors.append(("amount_minor", _("Enter the amount in cents, other than zero.")))
        rule_errors(errors, type(self).__name__)
        return self


class FaqEntryInput(Input):
    """A question and its answer in both languages."""

    question_it: text(200, min_length=1)
    answer_it: text(MAX_BODY, min_length=1)
    question_en: text(200, min_length=1)
    answer_en: text(MAX_BODY, min_length=1)
    published: bool = True


class DeflectionInput(Input):
    """A requester says an FAQ entry answered them: what they had typed, and which entry."""

    entry_id: ID
    query: text(200) = ""
