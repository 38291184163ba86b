"""The typed inputs of every change to a program (see `peerarmy.inputs`)."""

from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field, field_validator

from peerarmy.inputs import Input, Text, broken, text, whole
from peerarmy.peers.inputs import LanguageCodes

from .models import ProgramKind


def _title_required(value: str) -> str:
    if not value:
        raise broken(_("A title is required in both languages."))
    return value


Title = Annotated[text(120), AfterValidator(_title_required)]


class ProgramInput(Input):
    """A program's kind, address, texts in both languages, and who may join it."""

    kind: ProgramKind
    slug: text(60) | None = Field(
        None,
        description="The last part of the program's web address; made from the English "
        "title when left out or empty.",
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

    @field_validator("required_skills")
    @classmethod
    def _once_each(cls, values):
        return list(dict.fromkeys(values))

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
        )
