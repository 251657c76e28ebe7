"""The shape the code keeps: short functions, no import loops, statistics without Flask.

Each rule is checked on the source itself (Python's own parser), so a change that breaks
one fails here with the place named, not in a review months later.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The longest a function in survey/ may be, in lines (migrations are generated: exempt).
MAX_FUNCTION_LINES = 80


def _modules(package: str) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.relative_to(ROOT).parts:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _part_of(module: str) -> str | None:
    """The top-level part of survey/ a dotted module name belongs to (``survey.results.x`` →
    ``results``; ``survey`` itself → ``survey``), or None outside survey/."""
    names = module.split(".")
    if names[0] != "survey":
        return None
    return names[1] if len(names) > 1 else "survey"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import, those inside functions included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def import_graph() -> dict[str, dict[str, set[str]]]:
    """part → imported part → the files that import it."""
    graph: dict[str, dict[str, set[str]]] = {}
    for path, tree in _modules("survey"):
        source = _part_of(_module_name(path))
        assert source is not None
        for _line, module in _imports(tree):
            part = _part_of(module)
            if part is not None and part != source:
                rel = str(path.relative_to(ROOT))
                graph.setdefault(source, {}).setdefault(part, set()).add(rel)
    return graph


def import_loops(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """The strongly connected groups of more than one part (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    loops: list[list[str]] = []

    def visit(part: str) -> None:
        index[part] = lowest[part] = len(index)
        stack.append(part)
        for other in graph.get(part, {}):
            if other not in index:
                visit(other)
                lowest[part] = min(lowest[part], lowest[other])
            elif other in stack:
                lowest[part] = min(lowest[part], index[other])
        if lowest[part] == index[part]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == part:
                    break
            if len(group) > 1:
                loops.append(sorted(group))

    for part in sorted(graph):
        if part not in index:
            visit(part)
    return loops


def test_no_import_loop_between_the_parts_of_survey():
    graph = import_graph()
    described = [
        f"{loop}: "
        + "; ".join(
            f"{a} → {b} ({', '.join(sorted(graph[a][b]))})"
            for a in loop
            for b in loop
            if b in graph.get(a, {})
        )
        for loop in import_loops(graph)
    ]
    assert not described, "\n".join(described)


def test_the_loop_check_finds_a_loop():
    graph = {"a": {"b": {"a.py"}}, "b": {"c": {"b.py"}}, "c": {"a": {"c.py"}}, "d": {"a": set()}}
    assert import_loops(graph) == [["a", "b", "c"]]


def test_no_function_in_survey_is_longer_than_the_limit():
    long_functions = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)"
        for path, tree in _modules("survey")
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := node.end_lineno - node.lineno + 1) > MAX_FUNCTION_LINES
    ]
    assert not long_functions, "\n".join(long_functions)


@pytest.mark.parametrize("forbidden", ["flask", "flask_babel", "sqlalchemy", "survey"])
def test_the_statistics_library_imports_no_web_or_database_code(forbidden):
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path, tree in _modules("analysis")
        for line, module in _imports(tree)
        if module.split(".")[0] == forbidden
    ]
    assert not offending, offending
