"""The questionnaire editor's data side: the posted fields of the editor page applied to the
working definition, and what changed between two definitions.

The editor is stateless: the page carries the working definition and posts every field;
:func:`apply_edits` applies them (and a structural action: add or remove an item or a
scale value); :func:`survey.questionnaires.definition.load_definition` then decides.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from survey.languages import LANGUAGES
from survey.questionnaires.definition import N_, Problem


def json_path(parts: list) -> str:
    """``["sections", 0, "items", 2, "text", "vi"]`` → ``sections[0].items[2].text.vi``, the
    way :class:`DefinitionError` names a place."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _split(path: str) -> list:
    return [int(part) if part.isdigit() else part for part in path.split("/")]


def value_at(data: Any, parts: list) -> Any:
    """What stands at ``parts`` in ``data``; None where the path leads nowhere."""
    for part in parts:
        if isinstance(data, dict) and isinstance(part, int):
            part = str(part)  # a key of points by answer code, such as "1"
        in_mapping = isinstance(data, dict) and isinstance(part, str) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not (in_mapping or in_list):
            return None
        data = data[part]
    return data


def _clean(text: str) -> str:
    # Browsers on some systems send decomposed Vietnamese letters; the definition wants NFC.
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").strip())


@dataclass
class Edit:
    data: dict
    #: Problems found before validation (a field that is not a number, a control character).
    problems: list[Problem]


#: Optional texts that may be added or emptied in the editor, by the path of their parent.
OPTIONAL_TEXTS = {"introduction", "closing", "description", "not_applicable_label", "note"}


def apply_edits(base: dict, form: dict[str, list[str]], key: str, number: int) -> Edit:
    """The working definition with the posted fields and the requested action applied.

    A field's name says what it sets: ``kind|path[|attribute]``, the path as
    :func:`value_at` reads it with ``/`` between its parts (see :data:`_FIELD_KINDS`).
    """
    data = copy.deepcopy(base)
    data["key"], data["version"] = key, number
    problems: list[Problem] = []
    for name, values in form.items():
        kind, _bar, rest = name.partition("|")
        if kind in _FIELD_KINDS:
            _FIELD_KINDS[kind](data, rest, values[-1], form, problems)
    _assign_factors(data, form)
    _tidy_onestop(data)
    _apply_action(data, form.get("action", ["save"])[-1])
    return Edit(data, problems)


def _refuse(problems: list[Problem], parts: list, message: str) -> None:
    problems.append(Problem(json_path(parts), tuple(parts), message))


#: Characters no one types into a text (NUL and other controls): refused, never stored.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text_field(data: dict, rest: str, value: str, _form: dict, problems: list) -> None:
    path, _bar, language = rest.rpartition("|")
    if _CONTROL.search(value):
        _refuse(problems, [*_split(path), language], N_("contains a control character"))
    else:
        _set_text(data, _split(path), language, _clean(value))


def _item_field(data: dict, rest: str, value: str, _form: dict, problems: list) -> None:
    path, _bar, attribute = rest.rpartition("|")
    item = value_at(data, _split(path))
    if isinstance(item, dict) and attribute in ("key", "scale"):
        item[attribute] = value.strip()
    elif isinstance(item, dict) and attribute == "max_length" and item.get("type") == "text":
        if value.strip().isdigit():
            item["max_length"] = int(value)
        else:
            _refuse(problems, [*_split(path), "max_length"], N_("must be a number"))


def _flag_field(data: dict, rest: str, _value: str, form: dict, _problems: list) -> None:
    path, _bar, attribute = rest.rpartition("|")
    item = value_at(data, _split(path))
    if isinstance(item, dict) and attribute in ("required", "allow_not_applicable"):
        ticked = f"check|{path}|{attribute}" in form
        if ticked or attribute in item:  # an unticked box leaves the default (false) unwritten
            item[attribute] = ticked


def _value_field(data: dict, rest: str, value: str, _form: dict, problems: list) -> None:
    option = value_at(data, _split(rest))
    if isinstance(option, dict):
        text = value.strip()
        if text.lstrip("-").isdigit():
            option["value"] = int(text)
        else:
            _refuse(problems, [*_split(rest), "value"], N_("must be a whole number"))


_WHOLE = re.compile(r"-?[0-9]{1,9}")
_DECIMAL = re.compile(r"-?[0-9]{1,9}[.,][0-9]{1,6}")


def _number_field(data: dict, rest: str, value: str, _form: dict, problems: list) -> None:
    """A number of the scoring rules (points, maxima, band minimums); "3,5" is 3.5."""
    text = value.strip()
    if _WHOLE.fullmatch(text):
        _set_at(data, _split(rest), int(text))
    elif _DECIMAL.fullmatch(text):
        _set_at(data, _split(rest), float(text.replace(",", ".")))
    else:
        _refuse(problems, _split(rest), N_("must be a number"))


def _choice_field(data: dict, rest: str, value: str, _form: dict, _problems: list) -> None:
    """A key chosen or typed (an item, a source, a band's key); empty removes it."""
    parts = _split(rest)
    parent = value_at(data, parts[:-1])
    if value.strip():
        _set_at(data, parts, value.strip())
    elif isinstance(parent, dict):
        parent.pop(parts[-1], None)


def _codes_field(data: dict, rest: str, _value: str, form: dict, _problems: list) -> None:
    """The answer codes (or index numbers) ticked among ``code|<path>|<code>`` boxes."""
    prefix = f"code|{rest}|"
    ticked = sorted(
        int(name[len(prefix) :])
        for name in form
        if name.startswith(prefix) and _WHOLE.fullmatch(name[len(prefix) :])
    )
    parts = _split(rest)
    if ticked or value_at(data, parts) is not None:
        _set_at(data, parts, ticked)


def _set_at(data: dict, parts: list, value: Any) -> None:
    parent, last = value_at(data, parts[:-1]), parts[-1]
    if isinstance(parent, dict):
        parent[str(last)] = value  # points are keyed by the answer code as text
    elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        parent[last] = value


#: What each kind of posted field sets (the ``check|`` and ``code|`` boxes are read by
#: ``flag|`` and ``codes|``, which say that the boxes were shown; ``factor|`` by
#: :func:`_assign_factors`).
_FIELD_KINDS = {
    "text": _text_field,
    "item": _item_field,
    "flag": _flag_field,
    "value": _value_field,
    "number": _number_field,
    "choice": _choice_field,
    "codes": _codes_field,
}


def _scoring(data: dict) -> dict:
    scoring = data.get("scoring")
    return scoring if isinstance(scoring, dict) else {}


def _onestop(data: dict) -> dict:
    onestop = _scoring(data).get("onestop")
    return onestop if isinstance(onestop, dict) else {}


def _list_at(data: dict, parts: list) -> list:
    found = value_at(data, parts)
    return found if isinstance(found, list) else []


def _assign_factors(data: dict, form: dict[str, list[str]]) -> None:
    """Each factor's criteria, from the factor chosen beside each question (in form order)."""
    factors = _list_at(data, ["scoring", "factors"])
    if not any(name.startswith("factor|") for name in form) or not factors:
        return
    criteria: list[list[str]] = [[] for _factor in factors]
    for s, section in enumerate(_list_at(data, ["sections"])):
        for i, item in enumerate(section.get("items", []) if isinstance(section, dict) else []):
            chosen = form.get(f"factor|sections/{s}/items/{i}", [""])[-1]
            if chosen.isdigit() and int(chosen) < len(factors) and isinstance(item, dict):
                criteria[int(chosen)].append(str(item.get("key")))
    for factor, keys in zip(factors, criteria, strict=True):
        if isinstance(factor, dict):
            factor["items"] = keys


def items_by_key(data: dict) -> dict[str, dict]:
    """The definition's items by key (the first of a repeated key)."""
    found: dict[str, dict] = {}
    for section in _list_at(data, ["sections"]):
        for item in section.get("items", []) if isinstance(section, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                found.setdefault(item["key"], item)
    return found


def scale_codes(data: dict, item_key: Any) -> list[int]:
    """The answer codes of a scale item's scale, in display order; [] for any other."""
    item = items_by_key(data).get(item_key) if isinstance(item_key, str) else None
    scale = value_at(data, ["scales", item.get("scale")]) if item else None
    values = scale.get("values", []) if isinstance(scale, dict) else []
    return [option["value"] for option in values if isinstance(option, dict) and "value" in option]


def _tidy_onestop(data: dict) -> None:
    """What a change of source or item implies: a case-system index has no item, points or
    rules; an index's points are given for exactly the codes of its item's scale."""
    for index in _onestop(data).get("indices", []):
        if not isinstance(index, dict):
            continue
        if index.get("source") == "case_system":
            for name in ("item", "points", "rules"):
                index.pop(name, None)
        elif "item" in index and "rules" not in index:
            found = index.get("points")
            old: dict = found if isinstance(found, dict) else {}
            codes = [str(code) for code in scale_codes(data, index["item"])]
            if codes and set(codes) != set(old):
                index["points"] = {code: old.get(code, 0) for code in codes}


def _set_text(data: dict, parts: list, language: str, value: str) -> None:
    if language not in LANGUAGES or not parts:
        return
    parent = value_at(data, parts[:-1])
    if not isinstance(parent, dict):
        return
    texts = parent.get(parts[-1])
    if texts is None:
        if not value or parts[-1] not in OPTIONAL_TEXTS:
            return
        texts = parent[parts[-1]] = {}
    if not isinstance(texts, dict):
        return
    if value or language in ("vi", "en"):
        texts[language] = value
    else:
        texts.pop(language, None)
    if parts[-1] in OPTIONAL_TEXTS and not any(texts.values()):
        del parent[parts[-1]]


def _apply_action(data: dict, action: str) -> None:
    """Structural changes: add or remove an item of a section, a value of a scale, a factor,
    an index, a rule of an index or a classification band."""
    verb, _colon, argument = action.partition(":")
    if verb in _SCORING_ACTIONS:
        _SCORING_ACTIONS[verb](data, [int(part) for part in argument.split(":") if part.isdigit()])
        return
    found_sections, found_scales = data.get("sections"), data.get("scales")
    sections: list = found_sections if isinstance(found_sections, list) else []
    scales: dict = found_scales if isinstance(found_scales, dict) else {}
    if verb == "add_item" and argument.isdigit() and int(argument) < len(sections):
        items = sections[int(argument)].setdefault("items", [])
        item = {"key": f"item_{len(items) + 1}", "type": "scale", "required": False}
        item["scale"] = next(iter(scales), "")
        item["text"] = {"vi": "", "en": ""}
        items.append(item)
    elif verb == "add_text_item" and argument.isdigit() and int(argument) < len(sections):
        items = sections[int(argument)].setdefault("items", [])
        items.append(
            {
                "key": f"comment_{len(items) + 1}",
                "type": "text",
                "max_length": 1000,
                "required": False,
                "text": {"vi": "", "en": ""},
            }
        )
    elif verb == "remove_item":
        section, _colon, position = argument.partition(":")
        if section.isdigit() and position.isdigit() and int(section) < len(sections):
            items = sections[int(section)].get("items", [])
            if int(position) < len(items):
                del items[int(position)]
    elif verb == "add_value" and argument in scales:
        values = scales[argument].setdefault("values", [])
        codes = [option.get("value") for option in values if isinstance(option.get("value"), int)]
        values.append({"value": max(codes, default=0) + 1, "label": {"vi": "", "en": ""}})
    elif verb == "remove_value":
        scale, _colon, position = action.removeprefix("remove_value:").rpartition(":")
        if scale in scales and position.isdigit():
            values = scales[scale].get("values", [])
            if int(position) < len(values):
                del values[int(position)]


def opened_by(action: str, data: dict) -> list[str]:
    """The folded part of the editor that ``action`` changed (``"sections/2"``), to show it
    open when the page comes back: a new factor, index or band is the last one."""
    verb, _colon, argument = action.partition(":")
    position = argument.split(":")[0]
    if verb in ("add_item", "add_text_item", "remove_item"):
        return [f"sections/{position}"]
    if verb in ("add_value", "remove_value"):
        return [f"scales/{action.partition(':')[2].rpartition(':')[0] or argument}"]
    if verb in ("add_rule", "remove_rule"):
        return [f"scoring/onestop/indices/{position}"]
    if verb == "add_factor":
        return [f"scoring/factors/{len(_list_at(data, ['scoring', 'factors'])) - 1}"]
    if verb == "add_index":
        return [f"scoring/onestop/indices/{len(_onestop(data).get('indices', [])) - 1}"]
    if verb in ("add_band", "remove_band"):
        return ["scoring/onestop/classification"]
    return []


_FOLDED = re.compile(
    r"^(sections\[\d+\]|scales\.[^.\[]+|scoring\.factors\[\d+\]|scoring\.onestop\.indices\[\d+\]"
    r"|scoring\.onestop\.classification)"
)


def opened_by_changes(changes: list[dict]) -> list[str]:
    """The folded parts that a save changed (paths as :func:`changed_values` gives them)."""
    found = (_FOLDED.match(change["path"]) for change in changes)
    parts = (
        re.sub(r"\[(\d+)\]", r"/\1", match.group(1)).replace(".", "/") for match in found if match
    )
    return list(dict.fromkeys(parts))


def _blank_texts() -> dict:
    return {"vi": "", "en": ""}


def _remove(items: list, position: list[int]) -> None:
    if position and position[0] < len(items):
        del items[position[0]]


def _add_factor(data: dict, _position: list[int]) -> None:
    factors = _scoring(data).setdefault("factors", [])
    factors.append({"key": f"factor_{len(factors) + 1}", "title": _blank_texts(), "items": []})


def _add_index(data: dict, _position: list[int]) -> None:
    indices = _onestop(data).get("indices")
    if isinstance(indices, list):
        numbers = [index.get("number", 0) for index in indices if isinstance(index, dict)]
        number = max((n for n in numbers if isinstance(n, int)), default=0) + 1
        indices.append({"number": number, "title": _blank_texts(), "source": "case_system"})


def _add_rule(data: dict, position: list[int]) -> None:
    """A rule accepting every answer of the items the index's rules name, worth 0 points."""
    index = value_at(data, ["scoring", "onestop", "indices", *position[:1]])
    if not position or not isinstance(index, dict) or not isinstance(index.get("rules"), list):
        return
    named = dict.fromkeys(
        key for rule in index["rules"] if isinstance(rule, dict) for key in rule.get("when", {})
    )
    when = {key: scale_codes(data, key) for key in named}
    index["rules"].append({"when": when, "points": 0})


def _remove_rule(data: dict, position: list[int]) -> None:
    if len(position) == 2:
        _remove(
            _list_at(data, ["scoring", "onestop", "indices", position[0], "rules"]), position[1:]
        )


def _add_band(data: dict, _position: list[int]) -> None:
    bands = _onestop(data).get("classification")
    if isinstance(bands, list):
        bands.append({"minimum": 0, "key": f"band_{len(bands) + 1}", "label": _blank_texts()})


_SCORING_ACTIONS = {
    "add_factor": _add_factor,
    "remove_factor": lambda data, position: _remove(
        _list_at(data, ["scoring", "factors"]), position
    ),
    "add_index": _add_index,
    "remove_index": lambda data, position: _remove(
        _list_at(data, ["scoring", "onestop", "indices"]), position
    ),
    "add_rule": _add_rule,
    "remove_rule": _remove_rule,
    "add_band": _add_band,
    "remove_band": lambda data, position: _remove(
        _list_at(data, ["scoring", "onestop", "classification"]), position
    ),
}


def changed_values(before: Any, after: Any, path: str = "") -> list[dict]:
    """Every value that differs, with its path: what the audit log keeps for a save."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes = []
        for key in sorted(set(before) | set(after), key=str):
            changes += changed_values(
                before.get(key), after.get(key), f"{path}.{key}" if path else str(key)
            )
        return changes
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        changes = []
        for position, (old, new) in enumerate(zip(before, after, strict=True)):
            changes += changed_values(old, new, f"{path}[{position}]")
        return changes
    return [] if before == after else [{"path": path, "before": before, "after": after}]
