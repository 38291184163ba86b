"""The typed inputs of every change to alliances (see `peerarmy.inputs`): founding one and
naming it, inviting a partner, answering an invitation, a peer's consent, and applying to a
partner through the alliance."""

from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field, model_validator

from peerarmy.inputs import ID, Input, Text, rule_errors, text
from peerarmy.tenancy.inputs import Slug


def _lower(value: str) -> str:
    return value.lower()


# The address of a business or an alliance as a person types it ("Lecce-BnB " is "lecce-bnb").
Address = Annotated[text(50, min_length=1), AfterValidator(_lower)]


class AllianceTextsInput(Input):
    """How the alliance is named and described on its public page, in both languages."""

    name: text(120, min_length=1) = Field(description="Shown on the alliance's page.")
    description_it: text(2000) = ""
    description_en: text(2000) = ""


class AllianceInput(AllianceTextsInput):
    """A new alliance, founded by the business of the owner who makes it."""

    slug: Slug = Field(description="The alliance's address: /a/<slug>/.")


class PartnerInput(Input):
    """The business an owner invites, or whose invitation they withdraw, by its address."""

    business: Address = Field(description="The business's address, as in /<address>/.")


class AllianceRefInput(Input):
    """The alliance whose invitation is accepted or declined, by its address."""

    alliance: Address = Field(description="The alliance's address, as in /a/<address>/.")


class ConsentInput(Input):
    """What the peer lets the partners of their business see. Off by default; both can be
    turned off at any time."""

    share_profile: bool = Field(
        False,
        description="Show me the partners' programs; applying to one brings my profile, since "
        "when I am active here and what was verified of me.",
    )
    share_reliability: bool = Field(
        False, description="Bring my reliability score too (needs share_profile)."
    )

    @model_validator(mode="after")
    def _score_with_profile(self):
        if self.share_reliability and not self.share_profile:
            rule_errors(
                [
                    (
                        "share_reliability",
                        _("To bring your reliability score, share your profile too."),
                    )
                ],
                type(self).__name__,
            )
        return self


class AllianceApplyInput(Input):
    """Applying with one click to a partner of the peer's business, from one of its programs."""

    business: Address = Field(description="The partner's address, as in /<address>/.")
    program_id: ID | None = Field(
        None, description="The partner's published program the peer applies from, if any."
    )


__all__ = [
    "AllianceApplyInput",
    "AllianceInput",
    "AllianceRefInput",
    "AllianceTextsInput",
    "ConsentInput",
    "PartnerInput",
    "Text",
]
