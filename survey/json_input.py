"""JSON that anyone may send, bounded before and while it is parsed.

Python's parser recurses once per level of nesting, and Python refuses integers of more than
4,300 digits with a ValueError of its own: 5,000 nested arrays or a 5,001-digit number would
end in a server error. :func:`loads` refuses both with a message saying why, before any
recursion: nesting is measured on the text first (brackets outside strings), and every
number is checked as it is read.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask_babel import gettext as _

#: No questionnaire definition, scoring rule or rating is nested nearly this deep.
MAX_DEPTH = 32
#: Digits of a number (an answer value, a weight): far more than any needs.
MAX_NUMBER_DIGITS = 30

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class JsonRefused(ValueError):
    """The JSON is too deep or holds too long a number; ``str()`` says which, translated."""


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (brackets inside strings skipped)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _number(text: str, convert):
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise JsonRefused(_("A number has more than %(digits)s digits.", digits=MAX_NUMBER_DIGITS))
    return convert(text)


def parse_json(text: str, **hooks: Any) -> Any:
    """``json.loads`` with the bounds above; raises :class:`JsonRefused` or
    :class:`json.JSONDecodeError` (both ``ValueError``)."""
    if nesting_depth(text) > MAX_DEPTH:
        raise JsonRefused(_("The JSON is nested more than %(depth)s levels deep.", depth=MAX_DEPTH))
    return json.loads(
        text,
        parse_int=lambda number: _number(number, int),
        parse_float=lambda number: _number(number, float),
        **hooks,
    )
