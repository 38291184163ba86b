"""The typed inputs of people's rights (see `peerarmy.inputs`): asking for the e-mailed link to
one's data, asking for erasure (with its confirmation), a staff member's refusal, a staff
member's export for a subject-access request, and the audit trail's filters."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from pydantic import AfterValidator, model_validator

from peerarmy.inputs import Day, Email, Input, InvalidInput, broken, rule_errors, text

from .models import AccessAction


def _ticked(value: bool) -> bool:
    if not value:
        raise broken(_("Tick the box to confirm that you want your data erased."))
    return value


Confirmed = Annotated[bool, AfterValidator(_ticked)]


class DataLinkInput(Input):
    """A visitor without an account asks for the link to their data."""

    email: Email


class ErasureInput(Input):
    """A person asks for their data in the business to be erased. `confirm` is the second
    step: the request is made only when it is true."""

    confirm: Confirmed
    close_account: bool = False


class RefusalInput(Input):
    """Staff refuse an erasure, saying why (the person is told, word for word). The reason is
    required by the service, after it has found the request (another business's request is
    not found, whatever the body says)."""

    reason: text(2000) = ""

    def require(self):
        if not self.reason:
            raise InvalidInput([("reason", _("Say why: the person is e-mailed these words."))])


class SubjectExportInput(Input):
    """Staff export what the business holds on an address, for a subject-access request."""

    email: Email


ActionCode = Literal[tuple(AccessAction.values)]


class AuditFilterInput(Input):
    """The audit trail's filters: an action, a member, a period (days in the business's zone)."""

    action: ActionCode | Literal[""] = ""
    actor_id: int | None = None
    since: Day | None = None
    until: Day | None = None

    @model_validator(mode="after")
    def _period(self):
        if self.since and self.until and self.until < self.since:
            rule_errors([("until", _("The end of the period comes before its start."))])
        return self

    def days(self) -> tuple[date | None, date | None]:
        return self.since, self.until
