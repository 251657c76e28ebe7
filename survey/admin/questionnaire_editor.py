"""The questionnaire editor's data side: the posted fields of the editor page applied to the
working definition, and what changed between two definitions.

The editor is stateless: the page carries the working definition and posts every field;
:func:`apply_edits` applies them (and a structural action: add or remove an item or a
scale value); :func:`survey.questionnaires.definition.load_definition` then decides.
"""

from __future__ import annotations

import copy
import unicodedata
from dataclasses import dataclass
from typing import Any

from survey.json_input import JsonRefused, parse_json
from survey.languages import LANGUAGES


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
    #: Problems found before validation (a field that is not a number, JSON that does not parse).
    problems: list[str]


#: Optional texts that may be added or emptied in the editor, by the path of their parent.
OPTIONAL_TEXTS = {"introduction", "closing", "description", "not_applicable_label"}


def apply_edits(base: dict, form: dict[str, list[str]], key: str, number: int) -> Edit:
    """The working definition with the posted fields and the requested action applied."""
    data = copy.deepcopy(base)
    data["key"], data["version"] = key, number
    problems: list[str] = []
    for name, values in form.items():
        kind, _bar, rest = name.partition("|")
        value = values[-1]
        if kind == "text":
            path, _bar, language = rest.rpartition("|")
            _set_text(data, _split(path), language, _clean(value))
        elif kind == "item":
            path, _bar, attribute = rest.rpartition("|")
            item = value_at(data, _split(path))
            if isinstance(item, dict) and attribute in ("key", "scale"):
                item[attribute] = value.strip()
            elif (
                isinstance(item, dict) and attribute == "max_length" and item.get("type") == "text"
            ):
                if value.strip().isdigit():
                    item["max_length"] = int(value)
                else:
                    problems.append(f"{json_path(_split(path))}.max_length: must be a number")
        elif kind == "flag":
            path, _bar, attribute = rest.rpartition("|")
            item = value_at(data, _split(path))
            if isinstance(item, dict) and attribute in ("required", "allow_not_applicable"):
                item[attribute] = f"check|{path}|{attribute}" in form
        elif kind == "value":
            option = value_at(data, _split(rest))
            if isinstance(option, dict):
                text = value.strip()
                if text.lstrip("-").isdigit():
                    option["value"] = int(text)
                else:
                    problems.append(f"{json_path(_split(rest))}.value: must be a whole number")
    if "scoring" in form:
        try:
            data["scoring"] = parse_json(form["scoring"][-1])
        except JsonRefused as refused:
            problems.append(f"scoring: {refused}")
        except ValueError as error:
            problems.append(f"scoring: not valid JSON ({error})")
    _apply_action(data, form.get("action", ["save"])[-1])
    return Edit(data, problems)


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
    """Structural changes: add or remove an item of a section, a value of a scale."""
    verb, _colon, argument = action.partition(":")
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


def problems_by_field(problems: list[str]) -> dict[str, list[str]]:
    """Problems keyed by the path they start with ("(root)" for the whole definition)."""
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        path, _colon, message = problem.partition(": ")
        grouped.setdefault(path, []).append(message or problem)
    return grouped
