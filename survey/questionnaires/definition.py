"""Questionnaire definitions: load, validate, read, and check a citizen's answers.

A questionnaire version is JSON data (see ``schema.json`` beside this module): texts in
several languages, answer scales, sections of items, and the scoring rules (which answers
count as satisfied, SIPAS factors, Circular 01/2018 one-stop points). The rules change
often, so they live in the data and this module only interprets them.

Every closed answer is an integer code of a scale, so the database can count answers
with ``GROUP BY item, value``. "Not applicable" is an answer without a value.

Pure Python: no Flask, no database. The application wraps it.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, NamedTuple

import jsonschema

__all__ = [
    "FORM_ERROR_KEY",
    "NOT_APPLICABLE",
    "Answer",
    "AnswerError",
    "DefinitionError",
    "Factor",
    "Item",
    "OnestopIndex",
    "OnestopRules",
    "PointRule",
    "Problem",
    "QuestionnaireDefinition",
    "Scale",
    "Scoring",
    "Section",
    "ValidatedAnswers",
    "builtin_definitions",
    "definition_schema",
    "load_definition",
    "scoring_for_analysis",
    "validate_answers",
]

#: The submitted value meaning "not applicable" (Không áp dụng), compared case-insensitively.
NOT_APPLICABLE = "na"

#: Key in ``ValidatedAnswers.errors`` for errors about the submission as a whole.
FORM_ERROR_KEY = "__all__"

_REQUIRED_LANGUAGES = ("vi", "en")
_FALLBACK_LANGUAGE = "vi"
_MAX_RULE_COMBINATIONS = 10_000


def N_(message: str) -> str:
    """Marks a problem's message for the catalogs without translating it here: this module
    has no Flask, so the application translates :attr:`Problem.message` when it shows it."""
    return message


@dataclass(frozen=True)
class Problem:
    """One problem of a definition: where it is and what is wrong, for a machine and a person.

    ``path`` is the JSON path as written in the definition (``scoring.factors[0].items``);
    ``parts`` the same place as keys and positions (``("scoring", "factors", 0, "items")``),
    possibly one step deeper when the problem is a missing part; ``message`` is an English
    text with ``%(name)s`` placeholders filled from ``params``, marked for translation.
    ``str(problem)`` is the English line a command or a log prints.
    """

    path: str
    parts: tuple[str | int, ...]
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.path}: {self.message % self.params if self.params else self.message}"


def _problem(path: str, message: str, parts: tuple | None = None, **params: Any) -> Problem:
    return Problem(path, _parse_path(path) if parts is None else parts, message, params)


_PATH_PART = re.compile(r'\.?([A-Za-z_$][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def _parse_path(path: str) -> tuple[str | int, ...]:
    """The parts of a path as :func:`_format_path` writes it (``(root)`` has none)."""
    parts: list[str | int] = []
    for name, position, quoted in _PATH_PART.findall("" if path == "(root)" else path):
        parts.append(int(position) if position else json.loads(quoted) if quoted else name)
    return tuple(parts)


class DefinitionError(ValueError):
    """A questionnaire definition is invalid.

    ``problems`` lists every problem found as an English line starting with the JSON path of
    the offending part, for example ``sections[2].items[0].scale: unknown scale 'foo'``;
    ``details`` the same as :class:`Problem` objects, for the application to translate and
    to place beside the field each names.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.details = list(problems)
        self.problems = [str(problem) for problem in problems]
        summary = "; ".join(self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"invalid questionnaire definition: {summary}{more}")


# --------------------------------------------------------------------------------------
# The definition as read-only objects
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """An answer scale. ``values`` are integer codes in display order."""

    key: str
    kind: str  # "satisfaction" | "ordinal" | "nominal"
    values: tuple[int, ...]
    labels: Mapping[int, Mapping[str, str]]
    not_applicable_label: Mapping[str, str] | None


@dataclass(frozen=True)
class Item:
    """One question. ``scale`` is set for scale items, ``max_length`` for text items."""

    key: str
    type: str  # "scale" | "text"
    text: Mapping[str, str]
    required: bool
    scale: Scale | None
    allow_not_applicable: bool
    max_length: int | None
    section_key: str


@dataclass(frozen=True)
class Section:
    key: str
    title: Mapping[str, str]
    description: Mapping[str, str] | None
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Factor:
    """A SIPAS factor (yếu tố): criterion items (tiêu chí) and an optional overall question."""

    key: str
    title: Mapping[str, str]
    item_keys: tuple[str, ...]
    overall_item_key: str | None


@dataclass(frozen=True)
class PointRule:
    """Points given when each named item's answer is one of the listed codes."""

    when: Mapping[str, frozenset[int]]
    points: int

    def matches(self, values: Mapping[str, int | None]) -> bool:
        return all(values.get(key) in allowed for key, allowed in self.when.items())


#: The dossier facts a ``dossier_rules`` condition may name → the import columns they read.
DOSSIER_FACT_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "timeliness": ("due_at", "returned_at"),
        "complaint": ("complaint",),
        "channel": ("channel",),
        "extra_visits": ("extra_visits",),
        "agencies_contacted": ("agencies_contacted",),
        "one_stop_desk": ("one_stop_desk",),
        "procedure_published": ("procedure_published",),
        "feedback_handling": ("feedback_handling",),
        "online_service": ("online_service",),
    }
)


@dataclass(frozen=True)
class DossierRule:
    """Points given when each named fact of an imported dossier meets its condition: one of
    the listed words (timeliness and the coded columns) or a ``(min, max)`` range of a count
    (either end None when open)."""

    when: Mapping[str, frozenset[str] | tuple[int | None, int | None]]
    points: int


@dataclass(frozen=True)
class OnestopIndex:
    """One Circular 01/2018 evaluation index.

    ``item_key`` and ``points`` are set for the simple form (points per answer code of one
    item); ``rules`` is always set for questionnaire indices (the simple form is turned into
    one rule per code) and empty for ``source == "case_system"``.
    """

    number: int
    title: Mapping[str, str]
    source: str  # "questionnaire" | "case_system"
    item_key: str | None
    points: Mapping[int, int] | None
    rules: tuple[PointRule, ...]
    item_keys: tuple[str, ...]
    note: Mapping[str, str] | None
    #: Columns of the dossier import that supply this index (empty: none does yet).
    dossier_fields: tuple[str, ...] = ()
    #: How an imported dossier scores the index (empty: the import does not score it).
    dossier_rules: tuple[DossierRule, ...] = ()
    #: "citizen" or "dossier": which source wins for a rated dossier linked to its rating.
    precedence: str | None = None
    #: The data that would supply an index no import column supplies.
    dossier_field_needed: Mapping[str, str] | None = None

    def points_for(self, values: Mapping[str, int | None]) -> int | None:
        """Points of one dossier from its answers (item key → code; None or absent when
        unanswered or not applicable).

        Rules are tried in order and the first that matches gives the points. A rule that
        names an unanswered item cannot be decided, so the result is None (no data for this
        dossier), unless an earlier rule already matched: with index 7, "any complaint"
        gives 0 even when the timeliness question was not answered. Case-system indices
        always give None.
        """
        for rule in self.rules:
            if any(values.get(key) is None for key in rule.when):
                return None
            if rule.matches(values):
                return rule.points
        return None


@dataclass(frozen=True)
class OfficerClassification:
    """An official's class by the share of their dossiers whose officer-index points add up
    to ``minimum_points`` or more (never the agency's bands)."""

    minimum_points: float
    bands: tuple[tuple[float, str, Mapping[str, str]], ...]  # (minimum percent, key, label)

    def classify(self, percent: float | Fraction) -> tuple[float, str, Mapping[str, str]]:
        """The class of a share (in percent) of dossiers reaching the mark."""
        return next(band for band in self.bands if percent >= band[0])


@dataclass(frozen=True)
class OnestopRules:
    indices: tuple[OnestopIndex, ...]
    officer_indices: tuple[int, ...]
    officer_maximum: float
    agency_maximum: float
    classification: tuple[tuple[float, str, Mapping[str, str]], ...]  # (minimum, key, label)
    decimals: int = 1
    officer_classification: OfficerClassification | None = None

    def index(self, number: int) -> OnestopIndex:
        for candidate in self.indices:
            if candidate.number == number:
                return candidate
        raise KeyError(number)

    def classify(self, total: float) -> tuple[float, str, Mapping[str, str]]:
        """The classification band of an agency total (bands are highest first)."""
        for band in self.classification:
            if total >= band[0]:
                return band
        return self.classification[-1]


@dataclass(frozen=True)
class Scoring:
    satisfied: Mapping[str, frozenset[int]]
    factors: tuple[Factor, ...]
    headline_item_key: str | None
    onestop: OnestopRules | None

    def satisfied_values(self, scale_key: str) -> frozenset[int]:
        """Codes of ``scale_key`` counted as satisfied; empty if none are declared."""
        return self.satisfied.get(scale_key, frozenset())


@dataclass(frozen=True, eq=False)
class QuestionnaireDefinition:
    """A validated questionnaire version. ``data`` is a private copy of the raw JSON dict.

    Compared and hashed by identity, so it can be used as a cache key.
    """

    data: Mapping[str, Any]
    key: str
    version: int
    languages: tuple[str, ...]
    one_rating_per_dossier: bool
    scales: Mapping[str, Scale]
    sections: tuple[Section, ...]
    items: tuple[Item, ...]
    scoring: Scoring
    _items_by_key: Mapping[str, Item] = field(repr=False)

    def item(self, key: str) -> Item:
        """The item with this key; KeyError if there is none."""
        return self._items_by_key[key]

    def has_item(self, key: str) -> bool:
        return key in self._items_by_key

    def text(self, texts: Mapping[str, str], lang: str | None) -> str:
        """``texts`` in ``lang``, falling back to Vietnamese.

        ``lang`` may be a locale such as ``vi-VN`` or ``en_US``; a language the
        questionnaire does not offer, or a text not translated into it, gives Vietnamese.
        """
        code = _language_code(lang)
        if code in self.languages and code in texts:
            return texts[code]
        return texts[_FALLBACK_LANGUAGE]

    def title(self, lang: str | None) -> str:
        return self.text(self.data["title"], lang)

    def introduction(self, lang: str | None) -> str | None:
        texts = self.data.get("introduction")
        return None if texts is None else self.text(texts, lang)

    def closing(self, lang: str | None) -> str | None:
        texts = self.data.get("closing")
        return None if texts is None else self.text(texts, lang)


def _language_code(lang: str | None) -> str:
    if not lang:
        return _FALLBACK_LANGUAGE
    return re.split(r"[-_]", lang.strip(), maxsplit=1)[0].lower()


# --------------------------------------------------------------------------------------
# Loading and validation of definitions
# --------------------------------------------------------------------------------------


@cache
def definition_schema() -> Mapping[str, Any]:
    """The JSON Schema (draft 2020-12) of a definition, as published for import/export."""
    text = resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8")
    return MappingProxyType(json.loads(text))


@cache
def _schema_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(dict(definition_schema()))


def builtin_definitions() -> dict[str, dict]:
    """Raw dicts of the built-in questionnaires, keyed by their ``key``.

    Each call reads the files again, so callers may modify the dicts they get.
    """
    folder = resources.files(__package__).joinpath("builtin")
    definitions: dict[str, dict] = {}
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            definitions[data["key"]] = data
    return definitions


@cache
def builtin_keys() -> tuple[str, ...]:
    """The keys of the built-in questionnaires, read once (the files ship with the code);
    for callers that need only the keys, without parsing the files on every request."""
    return tuple(builtin_definitions())


def load_definition(data: Mapping[str, Any]) -> QuestionnaireDefinition:
    """Validate ``data`` and return the questionnaire it defines.

    First the JSON Schema; if the shape is right, the rules between parts (unique keys,
    references, point tables...). Raises DefinitionError listing all problems of the
    first stage that fails.
    """
    data = copy.deepcopy(dict(data)) if isinstance(data, Mapping) else data
    problems = [
        _schema_problem(error)
        for error in sorted(
            _schema_validator().iter_errors(data), key=lambda error: list(error.absolute_path)
        )
    ]
    if problems:
        raise DefinitionError(problems)
    problems = _semantic_problems(data)
    if problems:
        raise DefinitionError(problems)
    return _build(data)


def parsed_definition(data: Mapping[str, Any]) -> QuestionnaireDefinition:
    """:func:`load_definition` of a stored definition, once per distinct content.

    For reading published versions (they never change): validating one takes about 0.1 s,
    and reports and count queries read them on every request.
    """
    return _parsed_definition(json.dumps(data, sort_keys=True))


@lru_cache(maxsize=64)
def _parsed_definition(definition_json: str) -> QuestionnaireDefinition:
    return load_definition(json.loads(definition_json))


#: What each schema pattern allows, in words (the patterns are in schema.json).
_PATTERN_MESSAGES = {
    "^[a-z][a-z0-9_]{0,62}$": N_(
        "a code is lowercase Latin letters, digits and _, starting with a letter, "
        "at most 63 characters"
    ),
    "^[a-z][a-z0-9-]{0,62}$": N_(
        "a code is lowercase Latin letters, digits and -, starting with a letter, "
        "at most 63 characters"
    ),
    "^[a-z]{2,3}$": N_("a language is a code of 2 or 3 lowercase letters, such as vi"),
    "^-?[0-9]{1,3}$": N_("an answer code is a whole number of at most 3 digits"),
    "\\S": N_("must not be empty"),
}

_TYPE_MESSAGES = {
    "integer": N_("must be a whole number"),
    "number": N_("must be a number"),
    "string": N_("must be a text"),
    "boolean": N_("must be yes or no (true or false)"),
    "array": N_("must be a list"),
    "object": N_("must be a group of named parts"),
}


def _schema_problem(error: jsonschema.ValidationError) -> Problem:
    """A schema error as a :class:`Problem` whose message names the rule in words."""
    path = _format_path(error.absolute_path)
    parts = tuple(error.absolute_path)
    rule, limit, instance = error.validator, error.validator_value, error.instance
    if rule == "required":
        # One error per missing part: point at the part itself, so the editor's field shows it.
        name = next(
            (name for name in limit if isinstance(instance, dict) and name not in instance), ""
        )
        return Problem(
            path, (*parts, name), N_("%(name)s is a required property"), {"name": repr(name)}
        )
    if rule == "not" and limit == {}:
        # `"not": {}` marks a property this kind of part cannot have (e.g. max_length on
        # a scale item); the generic message would repeat the whole value.
        return Problem(path, parts, N_("not allowed here"))
    if rule in ("minItems", "maxItems"):
        message = (
            N_("%(count)s entries, at least %(limit)s allowed")
            if rule == "minItems"
            else N_("%(count)s entries, at most %(limit)s allowed")
        )
        return Problem(path, parts, message, {"count": len(instance), "limit": limit})
    message, params = _schema_rule_message(error)
    return Problem(path, parts, message, params)


def _schema_rule_message(error: jsonschema.ValidationError) -> tuple[str, dict[str, Any]]:
    rule, limit, instance = error.validator, error.validator_value, error.instance
    if rule == "type" and isinstance(limit, str) and limit in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[limit], {}
    if rule == "pattern" and limit in _PATTERN_MESSAGES:
        return _PATTERN_MESSAGES[limit], {}
    if (rule == "minLength" and limit == 1) or rule == "minProperties":
        return N_("must not be empty"), {}
    if rule in ("minimum", "maximum", "exclusiveMinimum"):
        message = {
            "minimum": N_("must be at least %(limit)s"),
            "maximum": N_("must be at most %(limit)s"),
            "exclusiveMinimum": N_("must be more than %(limit)s"),
        }[rule]
        return message, {"limit": limit}
    if rule == "enum":
        return N_("must be one of %(choices)s"), {"choices": ", ".join(map(str, limit))}
    if rule == "const":
        return N_("must be %(value)s"), {"value": limit}
    if rule == "contains" and isinstance(limit, dict) and "const" in limit:
        return N_("must include %(value)s"), {"value": limit["const"]}
    if rule == "uniqueItems":
        return N_("an entry is repeated"), {}
    if rule == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = sorted(str(name) for name in instance if name not in known)
        return N_("unknown parts: %(names)s"), {"names": ", ".join(extra)}
    detail = error.message if len(error.message) <= 200 else error.message[:199] + "…"
    return N_("does not follow the schema: %(detail)s"), {"detail": detail}


def _format_path(path: Any) -> str:
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_-]*", part):
            parts.append(f".{part}" if parts else part)
        else:
            parts.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(parts) or "(root)"


def _walk_texts(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[str, Mapping]]:
    """Every localized text in a definition (objects whose values are strings, with 'vi' and
    'en'), with its formatted path."""
    if isinstance(node, Mapping):
        if "vi" in node and "en" in node and all(isinstance(v, str) for v in node.values()):
            yield _format_path(path), node
            return
        for key, value in node.items():
            if key != "$comment":
                yield from _walk_texts(value, (*path, key))
    elif isinstance(node, list):
        for position, value in enumerate(node):
            yield from _walk_texts(value, (*path, position))


def _semantic_problems(data: Mapping[str, Any]) -> list[Problem]:
    check = _SemanticCheck(data)
    check.texts()
    check.scales()
    check.sections()
    check.satisfied_values()
    scoring = data["scoring"]
    if "headline_item" in scoring:
        check.satisfaction_item("scoring.headline_item", scoring["headline_item"])
    check.factors()
    if "onestop" in scoring:
        check.problems.extend(
            _onestop_problems(scoring["onestop"], check.items, check.scale_of, check.scale_values)
        )
    return check.problems


class _SemanticCheck:
    """The rules the JSON schema cannot say, checked step by step; each step adds to
    :attr:`problems` and may record what later steps look up (values, items)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.scales_by_key: Mapping[str, Any] = data["scales"]
        self.problems: list[Problem] = []
        #: The values of each scale, in order (filled by :meth:`scales`).
        self.scale_values: dict[str, list[int]] = {}
        #: The first item of each key (filled by :meth:`sections`).
        self.items: dict[str, Mapping[str, Any]] = {}

    def report(self, path: str, message: str, **params: Any) -> None:
        self.problems.append(_problem(path, message, **params))

    def texts(self) -> None:
        """Every text is in a declared language and in Unicode NFC form."""
        languages = set(self.data["languages"])
        for path, texts in _walk_texts(self.data):
            for lang, text in texts.items():
                if lang not in languages:
                    self.report(
                        f"{path}.{lang}",
                        N_("language %(language)s is not listed in languages"),
                        language=repr(lang),
                    )
                if unicodedata.normalize("NFC", text) != text:
                    self.report(f"{path}.{lang}", N_("text is not in Unicode NFC form"))

    def scales(self) -> None:
        """No scale repeats a value."""
        for scale_key, scale in self.scales_by_key.items():
            values: list[int] = []
            for position, option in enumerate(scale["values"]):
                if option["value"] in values:
                    self.report(
                        f"scales.{scale_key}.values[{position}].value",
                        N_("duplicate value %(value)s"),
                        value=option["value"],
                    )
                values.append(option["value"])
            self.scale_values[scale_key] = values

    def sections(self) -> None:
        """Section and item keys are unique; scale items name a scale that fits them."""
        section_keys: set[str] = set()
        for section_position, section in enumerate(self.data["sections"]):
            section_path = f"sections[{section_position}]"
            if section["key"] in section_keys:
                self.report(
                    f"{section_path}.key",
                    N_("duplicate section key %(key)s"),
                    key=repr(section["key"]),
                )
            section_keys.add(section["key"])
            for item_position, item in enumerate(section["items"]):
                self._item(f"{section_path}.items[{item_position}]", item)

    def _item(self, item_path: str, item: Mapping[str, Any]) -> None:
        if item["key"] in self.items:
            self.report(f"{item_path}.key", N_("duplicate item key %(key)s"), key=repr(item["key"]))
        else:
            self.items[item["key"]] = item
        if item["type"] != "scale":
            return
        scale = self.scales_by_key.get(item["scale"])
        if scale is None:
            self.report(
                f"{item_path}.scale", N_("unknown scale %(scale)s"), scale=repr(item["scale"])
            )
        elif item.get("allow_not_applicable") and "not_applicable_label" not in scale:
            self.report(
                f"{item_path}.allow_not_applicable",
                N_("scale %(scale)s has no not_applicable_label"),
                scale=repr(item["scale"]),
            )

    def scale_of(self, item_key: str) -> str | None:
        """The scale of a scale item with a known scale, else None."""
        item = self.items.get(item_key)
        if item is None or item["type"] != "scale" or item["scale"] not in self.scales_by_key:
            return None
        return item["scale"]

    def satisfied_values(self) -> None:
        """Satisfied values name satisfaction scales, and values those scales have."""
        for scale_key, values in self.data["scoring"]["satisfied_values"].items():
            path = f"scoring.satisfied_values.{scale_key}"
            if scale_key not in self.scales_by_key:
                self.report(path, N_("unknown scale %(scale)s"), scale=repr(scale_key))
                continue
            if self.scales_by_key[scale_key]["kind"] != "satisfaction":
                self.report(
                    path, N_("scale %(scale)s is not a satisfaction scale"), scale=repr(scale_key)
                )
            extra = sorted(set(values) - set(self.scale_values[scale_key]))
            if extra:
                self.report(
                    path,
                    N_("values %(values)s are not values of scale %(scale)s"),
                    values=extra,
                    scale=repr(scale_key),
                )

    def satisfaction_item(self, path: str, item_key: str) -> None:
        """``item_key`` is an item on a satisfaction scale that has satisfied values."""
        if item_key not in self.items:
            self.report(path, N_("unknown item %(item)s"), item=repr(item_key))
            return
        scale_key = self.scale_of(item_key)
        if scale_key is None:
            self.report(path, N_("item %(item)s is not a scale item"), item=repr(item_key))
        elif self.scales_by_key[scale_key]["kind"] != "satisfaction":
            self.report(
                path, N_("item %(item)s is not on a satisfaction scale"), item=repr(item_key)
            )
        elif scale_key not in self.data["scoring"]["satisfied_values"]:
            self.report(
                path,
                N_("scale %(scale)s of item %(item)s has no satisfied_values"),
                scale=repr(scale_key),
                item=repr(item_key),
            )

    def factors(self) -> None:
        """Factor keys are unique; each criterion belongs to one factor, and a factor's
        criteria share a satisfaction scale; its overall item is not one of them."""
        factor_of_item: dict[str, str] = {}
        factor_keys: set[str] = set()
        for position, factor in enumerate(self.data["scoring"].get("factors", [])):
            path = f"scoring.factors[{position}]"
            if factor["key"] in factor_keys:
                self.report(
                    f"{path}.key", N_("duplicate factor key %(key)s"), key=repr(factor["key"])
                )
            factor_keys.add(factor["key"])
            for item_position, item_key in enumerate(factor["items"]):
                item_path = f"{path}.items[{item_position}]"
                self.satisfaction_item(item_path, item_key)
                if item_key in factor_of_item:
                    self.report(
                        item_path,
                        N_("item %(item)s already belongs to factor %(factor)s"),
                        item=repr(item_key),
                        factor=repr(factor_of_item[item_key]),
                    )
                factor_of_item.setdefault(item_key, factor["key"])
            factor_scales = {self.scale_of(key) for key in factor["items"]} - {None}
            if len(factor_scales) > 1:
                self.report(f"{path}.items", N_("criteria of one factor must share a scale"))
            if "overall_item" in factor:
                self.satisfaction_item(f"{path}.overall_item", factor["overall_item"])
                if factor["overall_item"] in factor["items"]:
                    self.report(
                        f"{path}.overall_item",
                        N_("%(item)s is also one of the criteria"),
                        item=repr(factor["overall_item"]),
                    )


def _onestop_problems(onestop, items, scale_of, scale_values) -> list[Problem]:
    problems: list[Problem] = []

    def report(path: str, message: str, **params: Any) -> None:
        problems.append(_problem(path, message, **params))

    numbers: set[int] = set()
    for position, index in enumerate(onestop["indices"]):
        path = f"scoring.onestop.indices[{position}]"
        if index["number"] in numbers:
            report(
                f"{path}.number", N_("duplicate index number %(number)s"), number=index["number"]
            )
        numbers.add(index["number"])
        problems.extend(_dossier_problems(path, index))
        has_simple = "item" in index or "points" in index
        has_rules = "rules" in index
        if index["source"] == "case_system":
            if has_simple or has_rules:
                report(path, N_("a case_system index has no item, points or rules"))
            continue
        if has_simple and has_rules:
            report(path, N_("give either item and points, or rules, not both"))
            continue
        if not has_rules and not ("item" in index and "points" in index):
            report(path, N_("a questionnaire index needs item and points, or rules"))
            continue
        if has_rules:
            problems.extend(_rule_problems(path, index["rules"], items, scale_of, scale_values))
            continue
        item_key = index["item"]
        if item_key not in items:
            report(f"{path}.item", N_("unknown item %(item)s"), item=repr(item_key))
            continue
        scale_key = scale_of(item_key)
        if scale_key is None:
            report(f"{path}.item", N_("item %(item)s is not a scale item"), item=repr(item_key))
            continue
        expected = {str(value) for value in scale_values[scale_key]}
        given = set(index["points"])
        if given != expected:
            report(
                f"{path}.points",
                N_("keys %(keys)s must be exactly the values %(values)s of scale %(scale)s"),
                keys=sorted(given),
                values=sorted(expected),
                scale=repr(scale_key),
            )

    for position, number in enumerate(onestop["officer_indices"]):
        if number not in numbers:
            report(
                f"scoring.onestop.officer_indices[{position}]",
                N_("unknown index number %(number)s"),
                number=number,
            )

    bands = onestop["classification"]
    keys: set[str] = set()
    for position, band in enumerate(bands):
        path = f"scoring.onestop.classification[{position}]"
        if band["key"] in keys:
            report(f"{path}.key", N_("duplicate classification key %(key)s"), key=repr(band["key"]))
        keys.add(band["key"])
        if position and band["minimum"] >= bands[position - 1]["minimum"]:
            report(f"{path}.minimum", N_("minimums must strictly decrease"))
    if bands[-1]["minimum"] != 0:
        report(
            f"scoring.onestop.classification[{len(bands) - 1}].minimum", N_("the last must be 0")
        )
    if bands[0]["minimum"] > onestop["agency_maximum"]:
        report("scoring.onestop.classification[0].minimum", N_("above agency_maximum"))
    if onestop["officer_maximum"] > onestop["agency_maximum"]:
        report("scoring.onestop.officer_maximum", N_("above agency_maximum"))
    if "officer_classification" in onestop:
        problems.extend(_officer_class_problems(onestop))
    return problems


def _officer_class_problems(onestop: Mapping[str, Any]) -> list[Problem]:
    """What is wrong with the officials' classification: a mark above the officer maximum,
    shares that do not strictly decrease to 0, a repeated key."""
    problems: list[Problem] = []
    path = "scoring.onestop.officer_classification"
    raw = onestop["officer_classification"]
    if raw["minimum_points"] > onestop["officer_maximum"]:
        problems.append(_problem(f"{path}.minimum_points", N_("above officer_maximum")))
    bands = raw["bands"]
    for position, band in enumerate(bands):
        if band["key"] in (other["key"] for other in bands[:position]):
            problems.append(
                _problem(
                    f"{path}.bands[{position}].key",
                    N_("duplicate classification key %(key)s"),
                    key=repr(band["key"]),
                )
            )
        if position and band["minimum_percent"] >= bands[position - 1]["minimum_percent"]:
            problems.append(
                _problem(
                    f"{path}.bands[{position}].minimum_percent",
                    N_("minimums must strictly decrease"),
                )
            )
    if bands[-1]["minimum_percent"] != 0:
        problems.append(
            _problem(f"{path}.bands[{len(bands) - 1}].minimum_percent", N_("the last must be 0"))
        )
    return problems


def _dossier_problems(path: str, index: Mapping[str, Any]) -> list[Problem]:
    """What is wrong with an index's ``dossier_rules`` and ``precedence``."""
    problems: list[Problem] = []
    fields = set(index.get("dossier_fields", ()))
    for position, rule in enumerate(index.get("dossier_rules", ())):
        for fact, condition in rule["when"].items():
            condition_path = f"{path}.dossier_rules[{position}].when.{fact}"
            missing = sorted(set(DOSSIER_FACT_COLUMNS[fact]) - fields)
            if missing:
                problems.append(
                    _problem(condition_path, N_("needs dossier_fields %(fields)s"), fields=missing)
                )
            if isinstance(condition, dict) and condition.get("min", 0) > condition.get(
                "max", condition.get("min", 0)
            ):
                problems.append(_problem(condition_path, N_("min is above max")))
    both = index["source"] == "questionnaire" and "dossier_rules" in index
    if both and "precedence" not in index:
        problems.append(
            _problem(f"{path}.precedence", N_("needed with both questionnaire and dossier points"))
        )
    if "precedence" in index and not both:
        problems.append(
            _problem(f"{path}.precedence", N_("only for an index scored by both sources"))
        )
    return problems


def _rule_problems(path, rules, items, scale_of, scale_values) -> list[Problem]:
    problems: list[Problem] = []

    def report(path: str, message: str, **params: Any) -> None:
        problems.append(_problem(path, message, **params))

    named: dict[str, str] = {}  # item key -> scale key
    for rule_position, rule in enumerate(rules):
        for item_key, values in rule["when"].items():
            condition_path = f"{path}.rules[{rule_position}].when.{item_key}"
            if item_key not in items:
                report(condition_path, N_("unknown item %(item)s"), item=repr(item_key))
                continue
            scale_key = scale_of(item_key)
            if scale_key is None:
                report(condition_path, N_("item %(item)s is not a scale item"), item=repr(item_key))
                continue
            named[item_key] = scale_key
            extra = sorted(set(values) - set(scale_values[scale_key]))
            if extra:
                report(
                    condition_path,
                    N_("values %(values)s are not values of scale %(scale)s"),
                    values=extra,
                    scale=repr(scale_key),
                )
    if problems:
        return problems
    keys = sorted(named)
    choices = [scale_values[named[key]] for key in keys]
    combinations = 1
    for values in choices:
        combinations *= len(values)
    if combinations > _MAX_RULE_COMBINATIONS:
        return [
            _problem(
                f"{path}.rules",
                N_("too many answer combinations to check (%(combinations)s)"),
                combinations=combinations,
            )
        ]
    for combination in itertools.product(*choices):
        answers = dict(zip(keys, combination, strict=True))
        if not any(
            all(answers[key] in values for key, values in rule["when"].items()) for rule in rules
        ):
            described = ", ".join(f"{key}={value}" for key, value in answers.items())
            report(
                f"{path}.rules", N_("no rule matches the answers %(answers)s"), answers=described
            )
    return problems


def _texts(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


def _optional_texts(value: Mapping[str, str] | None) -> Mapping[str, str] | None:
    return None if value is None else _texts(value)


def _build(data: Mapping[str, Any]) -> QuestionnaireDefinition:
    scales = {
        key: Scale(
            key=key,
            kind=raw["kind"],
            values=tuple(option["value"] for option in raw["values"]),
            labels=MappingProxyType(
                {option["value"]: _texts(option["label"]) for option in raw["values"]}
            ),
            not_applicable_label=_optional_texts(raw.get("not_applicable_label")),
        )
        for key, raw in data["scales"].items()
    }
    sections = tuple(
        Section(
            key=raw_section["key"],
            title=_texts(raw_section["title"]),
            description=_optional_texts(raw_section.get("description")),
            items=tuple(
                Item(
                    key=raw["key"],
                    type=raw["type"],
                    text=_texts(raw["text"]),
                    required=raw.get("required", False),
                    scale=scales[raw["scale"]] if raw["type"] == "scale" else None,
                    allow_not_applicable=raw.get("allow_not_applicable", False),
                    max_length=raw.get("max_length"),
                    section_key=raw_section["key"],
                )
                for raw in raw_section["items"]
            ),
        )
        for raw_section in data["sections"]
    )
    items = tuple(item for section in sections for item in section.items)
    raw_scoring = data["scoring"]
    factors = tuple(
        Factor(
            key=raw["key"],
            title=_texts(raw["title"]),
            item_keys=tuple(raw["items"]),
            overall_item_key=raw.get("overall_item"),
        )
        for raw in raw_scoring.get("factors", [])
    )
    onestop = _build_onestop(raw_scoring["onestop"]) if "onestop" in raw_scoring else None
    scoring = Scoring(
        satisfied=MappingProxyType(
            {key: frozenset(values) for key, values in raw_scoring["satisfied_values"].items()}
        ),
        factors=factors,
        headline_item_key=raw_scoring.get("headline_item"),
        onestop=onestop,
    )
    return QuestionnaireDefinition(
        data=data,
        key=data["key"],
        version=data["version"],
        languages=tuple(data["languages"]),
        one_rating_per_dossier=data["one_rating_per_dossier"],
        scales=MappingProxyType(scales),
        sections=sections,
        items=items,
        scoring=scoring,
        _items_by_key=MappingProxyType({item.key: item for item in items}),
    )


def _build_onestop(raw_onestop: Mapping[str, Any]) -> OnestopRules:
    return OnestopRules(
        indices=tuple(_build_index(raw) for raw in raw_onestop["indices"]),
        officer_indices=tuple(raw_onestop["officer_indices"]),
        officer_maximum=raw_onestop["officer_maximum"],
        agency_maximum=raw_onestop["agency_maximum"],
        classification=tuple(
            (band["minimum"], band["key"], _texts(band["label"]))
            for band in raw_onestop["classification"]
        ),
        decimals=raw_onestop.get("decimals", 1),
        officer_classification=_officer_classification(raw_onestop.get("officer_classification")),
    )


def _officer_classification(raw: Mapping[str, Any] | None) -> OfficerClassification | None:
    if raw is None:
        return None
    return OfficerClassification(
        minimum_points=raw["minimum_points"],
        bands=tuple(
            (band["minimum_percent"], band["key"], _texts(band["label"])) for band in raw["bands"]
        ),
    )


def _build_index(raw: Mapping[str, Any]) -> OnestopIndex:
    points = None
    rules: tuple[PointRule, ...] = ()
    if "points" in raw:
        points = MappingProxyType({int(code): value for code, value in raw["points"].items()})
        rules = tuple(
            PointRule(when=MappingProxyType({raw["item"]: frozenset({code})}), points=value)
            for code, value in points.items()
        )
    elif "rules" in raw:
        rules = tuple(
            PointRule(
                when=MappingProxyType(
                    {key: frozenset(values) for key, values in rule["when"].items()}
                ),
                points=rule["points"],
            )
            for rule in raw["rules"]
        )
    item_keys = tuple(dict.fromkeys(key for rule in rules for key in rule.when))
    return OnestopIndex(
        number=raw["number"],
        title=_texts(raw["title"]),
        source=raw["source"],
        item_key=raw.get("item"),
        points=points,
        rules=rules,
        item_keys=item_keys,
        note=_optional_texts(raw.get("note")),
        dossier_fields=tuple(raw.get("dossier_fields", ())),
        dossier_rules=tuple(
            DossierRule(
                when=MappingProxyType(
                    {
                        fact: (condition.get("min"), condition.get("max"))
                        if isinstance(condition, dict)
                        else frozenset(condition)
                        for fact, condition in rule["when"].items()
                    }
                ),
                points=rule["points"],
            )
            for rule in raw.get("dossier_rules", ())
        ),
        precedence=raw.get("precedence"),
        dossier_field_needed=_optional_texts(raw.get("dossier_field_needed")),
    )


# --------------------------------------------------------------------------------------
# Checking a citizen's answers
# --------------------------------------------------------------------------------------


class Answer(NamedTuple):
    """One accepted answer: a scale code, a cleaned text, or "not applicable" (no value)."""

    item_key: str
    value: int | None
    text: str | None
    is_not_applicable: bool


class AnswerError(NamedTuple):
    """Why an answer was refused: a code for the app to translate, and its parameters.

    Codes: ``required``, ``unknown_item``, ``not_a_level``, ``not_applicable_not_allowed``,
    ``not_text``, ``too_long``, ``repeated_field``, ``too_many_fields`` and ``no_rating``
    (both under ``FORM_ERROR_KEY``).
    """

    code: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class ValidatedAnswers:
    answers: tuple[Answer, ...]
    errors: Mapping[str, AnswerError]

    @property
    def is_valid(self) -> bool:
        return not self.errors


# Characters that are invisible or reorder text: removed from free text so that what an
# officer reads (and exports) is what the citizen saw.
_INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# C0 and C1 control characters and DEL, except newline (tab becomes a space first).
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_CODE = re.compile(r"(?:0|-?[1-9][0-9]{0,2})")


def clean_text(text: str) -> str:
    """Free text as it is stored: NFC, no control, invisible or bidi-override characters.

    Line breaks are kept (CR LF and CR become LF, at most one blank line in a row), tabs and
    runs of spaces become one space, and the ends are stripped. NUL and other control
    characters are removed rather than rejected: a citizen never means to type them.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _SURROGATE.sub("", _CONTROL.sub("", _INVISIBLE.sub("", text)))
    text = unicodedata.normalize("NFC", text)
    text = "\n".join(line.strip() for line in _SPACES.sub(" ", text).split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def validate_answers(
    definition: QuestionnaireDefinition,
    raw: Mapping[str, object],
    *,
    max_fields: int = 200,
) -> ValidatedAnswers:
    """Check a submission server-side and turn it into answers.

    Parameters
    ----------
    definition
        The questionnaire version being answered.
    raw
        Item key → submitted value, only for answer fields: the caller removes its own
        fields (security token, dossier code, honeypot...) first, since any other key is
        refused as ``unknown_item``. Values come from an HTML form (strings) or JSON
        (int, str or None). A scale answer is the code as an int or a decimal string
        (``5`` or ``"5"``); "not applicable" is the string ``"na"``. ``None``, ``""`` or
        blank text means "not answered". A list (a repeated form field) is accepted if it
        has one element and refused as ``repeated_field`` otherwise: pass
        ``request.form.to_dict(flat=False)`` rather than the MultiDict itself, whose
        ``items()`` would silently keep only the first of repeated values.
    max_fields
        More fields than this refuse the whole submission (``too_many_fields``).

    Returns
    -------
    ValidatedAnswers
        ``answers`` in questionnaire order, and ``errors`` by item key (codes only, for the
        app to translate). Store the answers only if ``errors`` is empty.
    """
    if len(raw) > max_fields:
        return ValidatedAnswers(
            answers=(),
            errors={
                FORM_ERROR_KEY: AnswerError(
                    "too_many_fields", {"maximum": max_fields, "received": len(raw)}
                )
            },
        )
    errors: dict[str, AnswerError] = {}
    accepted: dict[str, Answer] = {}
    for key, submitted in raw.items():
        if not isinstance(key, str) or not definition.has_item(key):
            errors[str(key)[:100]] = AnswerError("unknown_item", {})
            continue
        item = definition.item(key)
        if isinstance(submitted, list | tuple):
            if len(submitted) != 1:
                errors[key] = AnswerError("repeated_field", {"count": len(submitted)})
                continue
            submitted = submitted[0]
        outcome = _check_scale(item, submitted) if item.scale else _check_text(item, submitted)
        if isinstance(outcome, AnswerError):
            errors[key] = outcome
        elif outcome is not None:
            accepted[key] = outcome
    for item in definition.items:
        if item.required and item.key not in accepted and item.key not in errors:
            errors[item.key] = AnswerError("required", {})
    answers = tuple(accepted[item.key] for item in definition.items if item.key in accepted)
    if not errors and not any(_is_rating(definition, answer) for answer in answers):
        errors[FORM_ERROR_KEY] = AnswerError("no_rating", {})
    return ValidatedAnswers(answers=answers, errors=errors)


def _is_rating(definition: QuestionnaireDefinition, answer: Answer) -> bool:
    """Whether ``answer`` rates the service: a level chosen on a satisfaction scale (or on any
    scale, for a questionnaire without a satisfaction scale). A response stores at least one."""
    scale = definition.item(answer.item_key).scale
    if scale is None or answer.value is None:
        return False
    return scale.kind == "satisfaction" or not any(
        item.scale is not None and item.scale.kind == "satisfaction" for item in definition.items
    )


def _check_scale(item: Item, submitted: object) -> Answer | AnswerError | None:
    assert item.scale is not None
    if submitted is None:
        return None
    if isinstance(submitted, str):
        submitted = submitted.strip()
        if submitted == "":
            return None
        if submitted.lower() == NOT_APPLICABLE:
            if not item.allow_not_applicable:
                return AnswerError("not_applicable_not_allowed", {})
            return Answer(item.key, None, None, True)
        # ASCII digits only: int() would also accept "５" or "٣" or "1_0".
        if not _CODE.fullmatch(submitted):
            return AnswerError("not_a_level", {"allowed": item.scale.values})
        submitted = int(submitted)
    # bool is an int subclass (True == 1) and floats are not codes, even 5.0.
    if type(submitted) is not int or submitted not in item.scale.values:
        return AnswerError("not_a_level", {"allowed": item.scale.values})
    return Answer(item.key, submitted, None, False)


def _check_text(item: Item, submitted: object) -> Answer | AnswerError | None:
    assert item.max_length is not None
    if submitted is None:
        return None
    if not isinstance(submitted, str):
        return AnswerError("not_text", {})
    text = clean_text(submitted)
    if not text:
        return None
    if len(text) > item.max_length:
        return AnswerError("too_long", {"maximum": item.max_length, "length": len(text)})
    return Answer(item.key, None, text, False)


# --------------------------------------------------------------------------------------
# For the statistics library
# --------------------------------------------------------------------------------------


def scoring_for_analysis(definition: QuestionnaireDefinition) -> dict[str, Any]:
    """What ``analysis`` needs to compute indices from count tables, as plain data.

    Returns a dict with:

    ``satisfied_values``
        item key → sorted satisfied codes, for every item on a satisfaction scale.
    ``headline_item``
        key of the overall-satisfaction item, or None.
    ``factors``
        for each factor: ``key``, ``title`` (Vietnamese), ``criterion_items``,
        ``overall_item``, and the ``levels`` (ascending) and ``satisfied`` codes of the
        factor's scale, as ``analysis.sipas_index`` takes them.
    ``onestop``
        None, or the keyword arguments of ``analysis.OneStopScoringDefinition`` (index
        numbers with Vietnamese titles, possible points, officer indices, classification).

    "Not applicable" answers are stored without a value, so they are never in a denominator.
    """
    scoring = definition.scoring
    satisfied = {
        item.key: sorted(scoring.satisfied_values(item.scale.key))
        for item in definition.items
        if item.scale is not None and scoring.satisfied_values(item.scale.key)
    }
    factors = []
    for factor in scoring.factors:
        scale = definition.item(factor.item_keys[0]).scale
        assert scale is not None  # guaranteed by load_definition
        factors.append(
            {
                "key": factor.key,
                "title": factor.title["vi"],
                "criterion_items": list(factor.item_keys),
                "overall_item": factor.overall_item_key,
                "levels": sorted(scale.values),
                "satisfied": sorted(scoring.satisfied_values(scale.key)),
            }
        )
    onestop = None
    if scoring.onestop is not None:
        rules = scoring.onestop
        points = {rule.points for index in rules.indices for rule in index.rules}
        onestop = {
            "title": definition.title("vi"),
            "indices": [(index.number, index.title["vi"]) for index in rules.indices],
            "point_values": sorted(points | {0}, reverse=True),
            "officer_indices": list(rules.officer_indices),
            "classification": [
                (minimum, key, label["vi"]) for minimum, key, label in rules.classification
            ],
            "decimals": rules.decimals,
        }
    return {
        "key": definition.key,
        "version": definition.version,
        "satisfied_values": satisfied,
        "headline_item": scoring.headline_item_key,
        "factors": factors,
        "onestop": onestop,
    }
