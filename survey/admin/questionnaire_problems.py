"""A definition's problems as an office worker reads them: in the reader's language, naming
the place the way the editor labels it ("Phần “Tiếp cận dịch vụ”, câu 2, mã câu hỏi"), and
tied to the field of the editor that shows it.

:mod:`survey.questionnaires.definition` has no Flask: it gives each problem's place as JSON
path parts and its message as an English text marked for the catalogs, with parameters.
Here the message is translated and the place named from the working definition. The English
line with its path stays beside it for experts (and is what the command line prints).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from survey.admin.questionnaire_editor import items_by_key, json_path, value_at
from survey.i18n import current_language
from survey.languages import LANGUAGE_NAMES
from survey.questionnaires.definition import Problem


@dataclass(frozen=True)
class ShownProblem:
    """One problem as the editor and the import page show it."""

    #: The id of the message on the page, for the error summary's link and aria-describedby.
    id: str
    #: The path parts of the field (or block) of the editor beside which it is shown.
    anchor: tuple
    #: Where it is, as the editor labels it ("" for a problem of the whole page).
    place: str
    #: What is wrong, in the reader's language.
    message: str
    #: The validator's English line with its JSON path, for experts ("" if none).
    technical: str


def shown_problems(data: Any, problems: Iterable[Problem | str]) -> list[ShownProblem]:
    """The problems in the reader's language; a plain string is a message of the whole page."""
    shown = []
    for number, problem in enumerate(problems, start=1):
        if isinstance(problem, Problem):
            parts = tuple(problem.parts)
            shown.append(
                ShownProblem(
                    f"problem-{number}",
                    editor_anchor(data, parts),
                    place_name(data, parts),
                    _translated(problem),
                    str(problem),
                )
            )
        else:
            shown.append(ShownProblem(f"problem-{number}", (), "", str(problem), ""))
    return shown


def _translated(problem: Problem) -> str:
    params = {name: _param_text(value) for name, value in problem.params.items()}
    return _(problem.message, **params)


def _param_text(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(element) for element in value)
    return value


# --------------------------------------------------------------------------------------
# Where the editor shows a problem
# --------------------------------------------------------------------------------------


def _is_scale_item(item: dict) -> bool:
    return item.get("type") == "scale"


def _scored_by_one_item(index: dict) -> bool:
    return index.get("source") == "questionnaire" and "rules" not in index


#: The fields beside which the editor shows problems: (the kind of their parent, their last
#: part, or ``str`` for any key) → when the editor shows the field, given the parent.
_FIELDS: dict[tuple[str, Any], Callable[[dict], bool]] = {
    **{
        (kind, name): lambda _parent: True
        for kind, names in {
            "root": ("title", "introduction", "closing"),
            "section": ("title", "description"),
            "item": ("text", "key"),
            "scale": ("not_applicable_label",),
            "value": ("label", "value"),
            "scoring": ("satisfied_values", "headline_item"),
            "satisfied": (str,),
            "factor": ("title", "items", "overall_item", "key"),
            "index": ("title", "note", "number", "source"),
            "rule": ("points",),
            "when": (str,),
            "onestop": ("officer_indices", "officer_maximum", "agency_maximum", "classification"),
            "band": ("minimum", "key", "label"),
        }.items()
        for name in names
    },
    ("item", "scale"): _is_scale_item,
    ("item", "allow_not_applicable"): _is_scale_item,
    ("item", "max_length"): lambda item: item.get("type") == "text",
    ("index", "item"): _scored_by_one_item,
    ("index", "points"): lambda index: _scored_by_one_item(index) and "points" in index,
    ("points", str): lambda _points: True,
    ("index", "rules"): lambda index: isinstance(index.get("rules"), list),
    ("onestop", "decimals"): lambda onestop: "decimals" in onestop,
}

#: The blocks that show their own problems (a section, a question, a factor...).
_BLOCKS = {
    "section",
    "item",
    "scale",
    "value",
    "factor",
    "index",
    "rule",
    "band",
    "scoring",
    "onestop",
}


def editor_anchor(data: Any, parts: tuple) -> tuple:
    """The longest start of ``parts`` that the editor shows problems at: a field, a text (or
    one language of it), the block it belongs to; ``()`` for the top of the page."""
    walked = _walk(data, parts)
    languages = data.get("languages", ()) if isinstance(data, dict) else ()
    for end in range(len(walked) - 1, 0, -1):
        (parent_kind, parent), (kind, _node) = walked[end - 1], walked[end]
        last = parts[end - 1]
        shown = kind in _BLOCKS or parent_kind == "criteria"
        if parent_kind == "text":
            shown = last in languages
        rule = _FIELDS.get((parent_kind, last)) or _FIELDS.get((parent_kind, type(last)))
        if shown or (rule is not None and isinstance(parent, dict) and rule(parent)):
            return parts[:end]
    return ()


def _walk(data: Any, parts: tuple) -> list[tuple[str, Any]]:
    """The kind of each start of ``parts`` and what stands there, from the root (kind
    "root") on; the walk stops at a part the editor has no name for."""
    walked: list[tuple[str, Any]] = [("root", data)]
    for part in parts:
        kind, node = walked[-1]
        if kind == "text" and part in LANGUAGE_NAMES:
            walked.append(("language", value_at(node, [part])))
            continue
        step = _step(kind, part)
        if step is None:
            break
        walked.append((step[0].rstrip("*"), value_at(node, [part])))
    return walked


def _step(kind: str, part: Any) -> tuple[str, Callable[[Any, Any, Any], str]] | None:
    return _STEPS.get((kind, part)) or _STEPS.get((kind, type(part)))


# --------------------------------------------------------------------------------------
# Naming a place as the editor labels it
# --------------------------------------------------------------------------------------


def place_name(data: Any, parts: tuple) -> str:
    """``("sections", 0, "items", 1, "key")`` → "Section “Access”, question 2, code of the
    question", in the reader's language; the JSON path for a part the editor does not show."""
    pieces: list[str] = []
    walked = _walk(data, parts)
    for position, ((kind, _parent), (_kind, node)) in enumerate(itertools.pairwise(walked)):
        part = parts[position]
        if kind == "text":
            pieces[-1] += f" ({LANGUAGE_NAMES[part]})"
            continue
        step = _step(kind, part)
        assert step is not None, "the walk stops where no step is known"
        label = step[1](part, node, data)
        if label and (position == len(parts) - 1 or not step[0].endswith("*")):
            pieces.append(label)
    if len(walked) <= len(parts):
        pieces.append(json_path(list(parts[len(walked) - 1 :])))
    if not pieces:
        return _("The questionnaire as a whole")
    return ", ".join([pieces[0], *(_lower_first(piece) for piece in pieces[1:])])


def _lower_first(text: str) -> str:
    # "Mã câu hỏi" inside a phrase reads "mã câu hỏi"; a quoted title keeps its capitals.
    return text[:1].lower() + text[1:] if text[:1].isalpha() else text


def in_reader_language(texts: Any) -> str:
    """A text of a definition in the reader's language, else in Vietnamese."""
    if not isinstance(texts, dict):
        return ""
    return str(texts.get(current_language()) or texts.get("vi") or "")


def _short(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _scale_words(scale: Any) -> str:
    values = scale.get("values", []) if isinstance(scale, dict) else []
    labels = [
        in_reader_language(option.get("label")) for option in values if isinstance(option, dict)
    ]
    return _short(" / ".join(label for label in labels if label))


def _question(item_key: Any, data: Any) -> str:
    item = items_by_key(data).get(item_key) if isinstance(item_key, str) else None
    return _short(in_reader_language(item.get("text")) if item else "") or str(item_key)


def _label(text: Callable[[], str]) -> Callable[[Any, Any, Any], str]:
    return lambda _part, _child, _data: text()


def _section(position: int, section: Any, _data: Any) -> str:
    title = in_reader_language(section.get("title")) if isinstance(section, dict) else ""
    if title:
        return _("Section “%(title)s”", title=_short(title))
    return _("Section %(number)s", number=position + 1)


def _numbered(text: Callable[..., str]) -> Callable[[Any, Any, Any], str]:
    return lambda position, _child, _data: text(number=position + 1)


def _factor(position: int, factor: Any, _data: Any) -> str:
    title = in_reader_language(factor.get("title")) if isinstance(factor, dict) else ""
    return _("Factor %(number)s: %(title)s", number=position + 1, title=_short(title))


def _index(position: int, index: Any, _data: Any) -> str:
    number = index.get("number", position + 1) if isinstance(index, dict) else position + 1
    title = in_reader_language(index.get("title")) if isinstance(index, dict) else ""
    if not title:
        return _("Index %(number)s", number=number)
    return _("Index %(number)s: %(title)s", number=number, title=_short(title))


#: How each part of a path is named: (the kind of the part before, the part, or ``int`` for a
#: position) → (the kind it starts, its label). A kind ending in "*" is named only when the
#: path ends there (a list, whose element names itself).
_STEPS: dict[tuple[str, Any], tuple[str, Callable[[Any, Any, Any], str]]] = {
    ("root", "title"): ("text", _label(lambda: _("Title"))),
    ("root", "introduction"): ("text", _label(lambda: _("Introduction"))),
    ("root", "closing"): ("text", _label(lambda: _("Closing words"))),
    ("root", "key"): ("field", _label(lambda: _("Code of the questionnaire"))),
    ("root", "languages"): ("entries", _label(lambda: _("Languages of the questionnaire"))),
    ("entries", int): ("field", _numbered(lambda number: _("entry %(number)s", number=number))),
    ("root", "sections"): ("sections*", _label(lambda: _("Sections and questions"))),
    ("sections", int): ("section", _section),
    ("section", "title"): ("text", _label(lambda: _("Section title"))),
    ("section", "description"): ("text", _label(lambda: _("Section description"))),
    ("section", "key"): ("field", _label(lambda: _("Code of the section"))),
    ("section", "items"): ("items*", _label(lambda: _("Questions"))),
    ("items", int): ("item", _numbered(lambda number: _("Question %(number)s", number=number))),
    ("item", "text"): ("text", _label(lambda: _("Wording"))),
    ("item", "key"): ("field", _label(lambda: _("Code of the question"))),
    ("item", "type"): ("field", _label(lambda: _("Kind of question"))),
    ("item", "scale"): ("field", _label(lambda: _("Answer scale"))),
    ("item", "max_length"): ("field", _label(lambda: _("Longest answer"))),
    ("item", "required"): ("field", _label(lambda: _("An answer is required"))),
    ("item", "allow_not_applicable"): ("field", _label(lambda: _("Offer “not applicable”"))),
    ("root", "scales"): ("scales*", _label(lambda: _("Answer scales"))),
    ("scales", str): (
        "scale",
        lambda key, scale, _data: _("Answer scale “%(words)s”", words=_scale_words(scale) or key),
    ),
    ("scale", "values"): ("values*", _label(lambda: _("Answers"))),
    ("scale", "kind"): ("field", _label(lambda: _("Kind of scale"))),
    ("scale", "not_applicable_label"): ("text", _label(lambda: _("Label of “not applicable”"))),
    ("values", int): ("value", _numbered(lambda number: _("Answer %(number)s", number=number))),
    ("value", "label"): ("text", _label(lambda: _("Wording"))),
    ("value", "value"): ("field", _label(lambda: _("Code stored"))),
    ("root", "scoring"): ("scoring*", _label(lambda: _("Scoring rules"))),
    ("scoring", "satisfied_values"): ("satisfied", _label(lambda: _("Satisfaction rate"))),
    ("satisfied", str): (
        "field",
        lambda key, _codes, data: _(
            "Answers counted as satisfied (%(scale)s)",
            scale=_scale_words(value_at(data, ["scales", key])) or key,
        ),
    ),
    ("scoring", "headline_item"): (
        "field",
        _label(lambda: _("Question on overall satisfaction, reported beside the index")),
    ),
    ("scoring", "factors"): (
        "factors*",
        _label(lambda: _("Factors of the satisfaction index (SIPAS)")),
    ),
    ("factors", int): ("factor", _factor),
    ("factor", "title"): ("text", _label(lambda: _("Name of the factor"))),
    ("factor", "key"): ("field", _label(lambda: _("Code of the factor"))),
    ("factor", "items"): ("criteria*", _label(lambda: _("Criteria"))),
    ("criteria", int): (
        "field",
        lambda position, key, data: _(
            "criterion %(number)s (“%(question)s”)",
            number=position + 1,
            question=_question(key, data),
        ),
    ),
    ("factor", "overall_item"): ("field", _label(lambda: _("Overall question of the factor"))),
    ("scoring", "onestop"): ("onestop*", _label(lambda: _("Points of the one-stop evaluation"))),
    ("onestop", "indices"): ("indices*", _label(lambda: _("Points of the one-stop evaluation"))),
    ("indices", int): ("index", _index),
    ("index", "title"): ("text", _label(lambda: _("Name of the index"))),
    ("index", "note"): ("text", _label(lambda: _("Method note printed with reports"))),
    ("index", "number"): ("field", _label(lambda: _("Number in the legal text"))),
    ("index", "source"): ("field", _label(lambda: _("Where the points come from"))),
    ("index", "item"): ("field", _label(lambda: _("Question whose answer gives the points"))),
    ("index", "points"): ("points", _label(lambda: _("Points for each answer"))),
    ("points", str): ("field", lambda code, _points, _data: _("answer code %(code)s", code=code)),
    ("index", "rules"): ("rules*", _label(lambda: _("Rules"))),
    ("rules", int): ("rule", _numbered(lambda number: _("Rule %(number)s", number=number))),
    ("rule", "when"): ("when*", _label(lambda: _("Conditions"))),
    ("when", str): (
        "field",
        lambda key, _codes, data: _(
            "When the answer to “%(question)s” is", question=_question(key, data)
        ),
    ),
    ("rule", "points"): ("field", _label(lambda: _("Points"))),
    ("index", "dossier_rules"): (
        "dossier_rules*",
        _label(lambda: _("Rules for imported dossiers")),
    ),
    ("dossier_rules", int): (
        "dossier_rule",
        _numbered(lambda number: _("Rule %(number)s for imported dossiers", number=number)),
    ),
    ("dossier_rule", "when"): ("dossier_when*", _label(lambda: _("Conditions"))),
    ("dossier_when", str): ("field", lambda fact, _condition, _data: fact),
    ("dossier_rule", "points"): ("field", _label(lambda: _("Points"))),
    ("index", "dossier_fields"): ("field", _label(lambda: _("Columns of the dossier import"))),
    ("index", "precedence"): (
        "field",
        _label(lambda: _("Which source counts for a rated dossier")),
    ),
    ("onestop", "officer_indices"): (
        "entries",
        _label(lambda: _("Indices that evaluate an individual official")),
    ),
    ("onestop", "officer_maximum"): (
        "field",
        _label(lambda: _("Highest total of an official (points)")),
    ),
    ("onestop", "agency_maximum"): (
        "field",
        _label(lambda: _("Highest total of an agency (points)")),
    ),
    ("onestop", "decimals"): ("field", _label(lambda: _("Decimals of each index's score"))),
    ("onestop", "classification"): (
        "bands*",
        _label(lambda: _("Classification of agencies by total points")),
    ),
    ("bands", int): (
        "band",
        _numbered(lambda number: _("Classification, band %(number)s", number=number)),
    ),
    ("band", "minimum"): ("field", _label(lambda: _("From (points)"))),
    ("band", "key"): ("field", _label(lambda: _("Code of the band"))),
    ("band", "label"): ("text", _label(lambda: _("Name of the band"))),
}
