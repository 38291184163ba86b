"""The typed inputs of every change to a peer (see `peerarmy.inputs`)."""

from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import AfterValidator

from peerarmy.inputs import Text, broken

from .models import LANGUAGE_NAMES


def _known_languages(codes: list[str]) -> list[str]:
    for code in codes:
        if code not in LANGUAGE_NAMES:
            raise broken(_("Unknown language “%(code)s”.") % {"code": code})
    return list(dict.fromkeys(codes))


# ISO 639-1 codes a peer can declare (it, en, fr, ...), each once.
LanguageCodes = Annotated[list[Text], AfterValidator(_known_languages)]
