"""The typed inputs of every change to customers (see `peerarmy.inputs`).

An import's options are its input; the file itself is not a field of it (the console and the
API receive it as an upload, the CLI and the demo as a path), and what is wrong with a file is
said by the service, on the field `file`.
"""

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from peerarmy.inputs import Input
from peerarmy.tenancy.inputs import SiteLanguage

from .models import ImportKind


class ImportFormat(StrEnum):
    """The formats an import reads; found from the file's header when not given."""

    shopify = "shopify"
    woocommerce = "woocommerce"
    generic = "generic"


def _empty_is_missing(value):
    # A form field sent empty (multipart has no null) was not filled in.
    if value == "":
        raise PydanticCustomError("missing", "Field required")
    return value


def _empty_is_none(value):
    return None if value == "" else value


class ImportInput(Input):
    """What a file holds and, optionally, its format."""

    kind: Annotated[ImportKind, BeforeValidator(_empty_is_missing)] = Field(
        description="customers, orders, reviews, nps, referrals or mentions."
    )
    format: Annotated[ImportFormat | None, BeforeValidator(_empty_is_none)] = Field(
        None, description="shopify, woocommerce or generic; found from the file's header when "
        "left out or empty."
    )  # fmt: skip


class ImportCommandInput(ImportInput):
    """`peerarmy import`'s options: the import's, and the language of its messages (the
    business's when left out). The console and the API take the reader's language instead,
    so theirs is context, not a field."""

    language: Annotated[SiteLanguage | None, BeforeValidator(_empty_is_none)] = None
