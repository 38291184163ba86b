"""Structured creditor references (ISO 11649, "RF18 5390 0754 7034") for chip-in pledges.

A pledge is paid by SEPA transfer quoting its reference; the bank's statement brings it back,
in the structured field when the payer's bank filled it in, otherwise somewhere inside the free
remittance text, mangled: cut in groups, with dashes, in lower case, glued to other words by
punctuation. `find_rf` digs it out; only a reference whose check digits are right is returned,
so a mistyped one is never taken for another pledge's.

The check digits are ISO 7064 MOD 97-10, computed and checked by python-stdnum.
"""

import re

from stdnum import iso11649
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_97_10

MAX_BODY = 21
_BODY = re.compile(r"[0-9A-Z]{1,21}")
_COMPACT = re.compile(r"RF[0-9]{2}[0-9A-Z]{1,21}")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")
# Where a reference may start: "RF" and its two check digits, each possibly after a space or
# a dash ("RF 18", "rf-1 8"). The rest is read by `_chunks`.
_START = re.compile(r"RF[\s\-\u2010-\u2015]{0,3}[0-9][\s\-\u2010-\u2015]{0,3}[0-9]", re.IGNORECASE)
# The pieces that may follow: letters and digits, split by at most three spaces or dashes;
# anything else (punctuation, an accented letter, the end of the text) ends the reference.
_CHUNK = re.compile(r"[\s\-\u2010-\u2015]{0,3}([0-9A-Za-z]+)")


class NotAReference(ValueError):
    """The text is not a structured creditor reference with the right check digits."""


def rf_reference(body):
    """'RF' + the two check digits + `body` (letters and digits, 1 to 21, upper-cased)."""
    text = str(body).upper()
    if not _BODY.fullmatch(text):
        raise NotAReference(f"{body!r} is not 1 to {MAX_BODY} letters and digits")
    return "RF" + mod_97_10.calc_check_digits(text + "RF") + text


def format_rf(ref):
    """The reference grouped by four for people: 'RF18 5390 0754 7034'."""
    return iso11649.format(clean_rf(ref))


def clean_rf(text):
    """The compact, upper-case reference; `NotAReference` when it is not a valid one."""
    compact = _SEPARATORS.sub("", str(text)).upper()
    if not _COMPACT.fullmatch(compact):
        raise NotAReference(f"{text!r} is not a structured creditor reference")
    try:
        return iso11649.validate(compact)
    except ValidationError as exc:
        raise NotAReference(f"{text!r} has wrong check digits") from exc


def _valid(compact):
    return 5 <= len(compact) <= 25 and iso11649.is_valid(compact)


def _chunks(text, pos):
    """The letters-and-digits pieces after `pos`, up to 25 characters in all."""
    chunks = []
    total = 0
    while total < MAX_BODY:
        match = _CHUNK.match(text, pos)
        if not match:
            break
        piece = match.group(1)
        chunks.append(piece.upper())
        total += len(piece)
        pos = match.end()
    return chunks


def _readings(check, chunks):
    """The candidate references at the ends of the pieces, most likely first.

    A reference written compact is its own piece. One grouped by four ('RF18 5390 0754 7034')
    does not end at a full group of four that another short group follows; such ends are
    tried last. Otherwise the shortest reading comes first.
    """
    if not chunks:
        return []
    first, rest = [], []
    body = ""
    grouped = True  # every piece so far is a group of four
    for index, piece in enumerate(chunks):
        body += piece
        if len(body) > MAX_BODY:
            break
        grouped = grouped and len(piece) == 4
        following = chunks[index + 1] if index + 1 < len(chunks) else ""
        candidate = "RF" + check + body
        if grouped and following and len(following) <= 4:
            rest.append(candidate)
        else:
            first.append(candidate)
    return first + rest[::-1]


def find_rf(text):
    """The first valid RF reference inside free text, compact and upper-case; None if none.

    Finds 'RF18 5390 0754 7034', 'rf18-5390-0754-7034', 'RF 18 539007547034',
    'CAUSALE:RF18539007547034;GRAZIE' and a reference at the very end of a cut text.
    """
    if not text:
        return None
    for match in _START.finditer(text):
        check = _SEPARATORS.sub("", match.group()[2:])
        for candidate in _readings(check, _chunks(text, match.end())):
            if _valid(candidate):
                return candidate
    return None
