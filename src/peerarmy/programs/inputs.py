"""The typed inputs of every change to a program (see `peerarmy.inputs`)."""

from typing import Annotated, Literal

from django.utils.text import slugify
from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from peerarmy.inputs import Input, Text, broken, rule_errors, text, whole
from peerarmy.peers.inputs import LanguageCodes

from .models import ProgramKind


def _title_required(value: str) -> str:
    if not value:
        raise broken(_("A title is required in both languages."))
    return value


Title = Annotated[text(120), AfterValidator(_title_required)]

ADDRESS_LENGTH = 60  # the model's slug


def _address(value: str) -> str | None:
    """An address as typed, as the web writes it ("Bike guides" is "bike-guides"); an
    empty one is none."""
    if not value:
        return None
    slug = slugify(value)
    if not slug:
        raise broken(_("Enter a valid address."))
    if len(slug) > ADDRESS_LENGTH:
        raise broken(_("Use at most %(n)d characters.") % {"n": ADDRESS_LENGTH})
    return slug


class ProgramInput(Input):
    """A program's kind, address, texts in both languages, and who may join it."""

    kind: ProgramKind
    slug: Annotated[text(ADDRESS_LENGTH), AfterValidator(_address)] | None = Field(
        None,
        description="The last part of the program's web address, written as the web writes "
        "it (“Bike guides” is bike-guides); made from the English title when left out or "
        "empty (an edit keeps the address the program has).",
    )
    title_it: Title
    title_en: Title
    summary_it: text(280) = ""
    summary_en: text(280) = ""
    description_it: text(10000) = ""
    description_en: text(10000) = ""
    required_skills: list[Text] = Field(
        [], max_length=50, description="Slugs of the skills a peer needs, every one."
    )
    required_languages: LanguageCodes = Field(
        [], max_length=20, description="A peer needs one of these languages (e.g. it, en)."
    )
    min_reliability: whole(0, 100) = 0
    required_verifications: list[Literal["phone", "identity"]] = Field(
        [],
        max_length=2,
        description="What the business must have verified of a peer: phone, identity (in person).",
    )

    @field_validator("required_skills", "required_verifications")
    @classmethod
    def _once_each(cls, values):
        return list(dict.fromkeys(values))

    @property
    def address(self) -> str:
        """The address typed, or one made from the English (else the Italian) title."""
        if self.slug:
            return self.slug
        return slugify(self.title_en or self.title_it)[:ADDRESS_LENGTH].strip("-")

    @model_validator(mode="after")
    def _an_address(self, info: ValidationInfo):
        # A new program whose titles are only signs ("???") makes no address: one must be
        # typed. An edit (the context names the `program`) without one keeps the program's.
        editing = (info.context or {}).get("program") is not None
        if not self.address and not editing:
            rule_errors([("slug", _("Enter a valid address."))], type(self).__name__)
        return self

    @classmethod
    def of(cls, program) -> "ProgramInput":
        """The input that describes `program` as it is (the base of a PATCH)."""
        return cls.model_construct(
            kind=ProgramKind(program.kind),
            slug=program.slug,
            title_it=program.title_it,
            title_en=program.title_en,
            summary_it=program.summary_it,
            summary_en=program.summary_en,
            description_it=program.description_it,
            description_en=program.description_en,
            required_skills=[s.slug for s in program.required_skills.all()],
            required_languages=list(program.required_languages or []),
            min_reliability=program.min_reliability,
            required_verifications=list(program.required_verifications or []),
        )
