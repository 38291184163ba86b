"""The typed inputs of the changes to accounts and API tokens (see `peerarmy.inputs`)."""

from pydantic import Field

from peerarmy.inputs import Input, text


class TokenInput(Input):
    """A new API token: only its name, to tell it apart later."""

    name: text(100) = Field(
        "",
        description="What the token is for, e.g. “shop website”; “API token” when left empty.",
    )
