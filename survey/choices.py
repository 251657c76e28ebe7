"""Options of select and radio fields, as WTForms wants them.

WTForms 3.3 deprecates ``(value, label)`` tuples as choices and 3.4 removes them; every
form builds its options here instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def options(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """``SelectChoice`` options from ``(value, label)`` pairs, in order."""
    return [SelectChoice(value, label) for value, label in pairs]


def values_of(choices: Iterable[SelectChoice]) -> set:
    """The values a field offers."""
    return {choice.value for choice in choices}
