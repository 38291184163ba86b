"""The typed inputs of every change to superfans (see `peerarmy.inputs`): the scoring settings
and inviting customers. Scoring now and revoking an invitation take only ids; applying with
an invitation takes the peers' application input."""

from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field, model_validator

from peerarmy.inputs import ID, Input, broken, rule_errors, whole

from .scoring import COMPONENTS

# Every weight's field (`weight_<component>`), in the order of the score's components.
WEIGHT_FIELDS = tuple(f"weight_{key}" for key in COMPONENTS)
SEGMENT_FIELDS = ("superfan_threshold", "top_percent", "lapsed_after_days")
DEFAULT_EXPIRES_IN_DAYS = 14
MAX_EXPIRES_IN_DAYS = 60
MAX_CUSTOMERS_PER_INVITE = 200

Weight = Annotated[whole(0, 100), Field(description="Relative: only the ratios matter.")]


class ScoringSettingsInput(Input):
    """A business's weights (relative: only their ratios matter, and at least one is above
    zero) and how its segments are drawn. Every field is given: the API's PATCH fills the
    ones it does not send from the stored settings; the model holds the defaults."""

    weight_recency: Weight
    weight_frequency: Weight
    weight_monetary: Weight
    weight_nps: Weight
    weight_reviews: Weight
    weight_referrals: Weight
    weight_mentions: Weight
    superfan_threshold: whole(0, 100) = Field(
        description="A score from which a customer is a superfan."
    )
    top_percent: whole(1, 100) = Field(description="The top N% of customers are superfans too.")
    lapsed_after_days: whole(30, 3650) = Field(
        description="A superfan with no counted order for this long has lapsed."
    )

    @model_validator(mode="after")
    def _one_weight_counts(self):
        if not any(getattr(self, name) > 0 for name in WEIGHT_FIELDS):
            rule_errors([("weight_recency", _("At least one weight must be above zero."))])
        return self

    @classmethod
    def of(cls, settings) -> "ScoringSettingsInput":
        """The input that describes `settings` as they are (the base of a PATCH)."""
        return cls.model_construct(
            **{name: getattr(settings, name) for name in (*WEIGHT_FIELDS, *SEGMENT_FIELDS)}
        )


def _some_customers(ids: list[int]) -> list[int]:
    if not ids:
        raise broken(_("Select at least one customer to invite."))
    if len(ids) > MAX_CUSTOMERS_PER_INVITE:
        raise broken(_("Invite at most %(n)d customers at once.") % {"n": MAX_CUSTOMERS_PER_INVITE})
    return list(dict.fromkeys(ids))


class InviteInput(Input):
    """Customers to invite to the army, optionally to a published program."""

    customer_ids: Annotated[list[ID], AfterValidator(_some_customers)] = Field(
        json_schema_extra={"minItems": 1, "maxItems": MAX_CUSTOMERS_PER_INVITE},
        description="Customers to invite. Only those who accept e-mail marketing are invited.",
    )
    program_id: ID | None = Field(None, description="A published program to offer them (optional).")
    expires_in_days: whole(1, MAX_EXPIRES_IN_DAYS) = Field(
        DEFAULT_EXPIRES_IN_DAYS, description="How long the link stays valid."
    )
