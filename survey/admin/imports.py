"""Safe CSV import, shared by the agency tree, officials and procedures.

An import is read whole, checked whole, and written whole or not at all:

1. :func:`read_csv` decodes UTF-8 (a byte-order mark is accepted), checks the header and
   returns the rows with their line numbers, or errors naming the line.
2. An importer (:class:`Importer` subclass) checks every row against the file and the
   database and makes a :class:`Plan`: each row is a create, an update or unchanged.
3. Only a plan without errors is applied, in one write transaction, each change written
   to the audit log with its before and after.

A kind of import is an :class:`Importer` subclass: its columns, its key, its text lengths
and period, and the few checks and writes only it has. The page around it (upload, dry
run, confirm) is :func:`survey.admin.pages.import_page`; exports are
:mod:`survey.admin.exports`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.accounts import audit
from survey.db import write_session
from survey.org.reorganise import looks_like_formula

#: Largest file accepted (bytes): a province's whole tree is far smaller.
MAXIMUM_FILE_BYTES = 2 * 1024 * 1024
#: The largest request of an import page: the file, or the checked text sent back to confirm.
IMPORT_BODY_BYTES = 2 * MAXIMUM_FILE_BYTES + 64 * 1024
#: Most data rows in one file.
MAXIMUM_ROWS = 20_000
#: Dates as written in files: ISO first, then the Vietnamese day/month/year.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


@dataclass(frozen=True)
class LineError:
    """A problem with one line of the file (line 1 is the header)."""

    line: int
    message: str

    def __str__(self) -> str:
        return str(_l("Line %(line)s: %(message)s", line=self.line, message=self.message))


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


class CsvRefused(Exception):
    """The file cannot be read as the expected CSV; ``errors`` name the lines."""

    def __init__(self, errors: list[LineError]):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CsvRefused(
            [
                LineError(
                    line,
                    _l(
                        "the file is not UTF-8 text. Save it from the spreadsheet as "
                        '"CSV UTF-8" and try again.'
                    ),
                )
            ]
        ) from None


def read_csv(raw: bytes, columns: Sequence[str], required: Iterable[str]) -> list[Row]:
    """The data rows of ``raw`` with every value stripped; :class:`CsvRefused` if unreadable.

    The header must name every column of ``columns`` (in any order) and nothing else.
    Values must not look like spreadsheet formulas (=, +, -, @, tab, carriage return)
    and ``required`` columns must not be empty.
    """
    if len(raw) > MAXIMUM_FILE_BYTES:
        raise CsvRefused(
            [
                LineError(
                    1,
                    _l(
                        "the file is larger than %(megabytes)s MB.",
                        megabytes=MAXIMUM_FILE_BYTES // (1024 * 1024),
                    ),
                )
            ]
        )
    text = _decode(raw)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise CsvRefused([LineError(line, _l("the file contains a NUL character."))])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error:
        raise CsvRefused([LineError(1, _l("the header line is not valid CSV."))]) from None
    if not header or not any(cell.strip() for cell in header):
        raise CsvRefused([LineError(1, _l("the file is empty: it needs a header line."))])
    names = [cell.strip().lower() for cell in header]
    errors = []
    missing = [column for column in columns if column not in names]
    if missing:
        errors.append(LineError(1, _l("missing columns: %(columns)s.", columns=", ".join(missing))))
    unknown = [name for name in names if name not in columns]
    if unknown:
        errors.append(
            LineError(
                1,
                _l(
                    "unknown columns: %(columns)s (expected: %(expected)s).",
                    columns=", ".join(unknown),
                    expected=", ".join(columns),
                ),
            )
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        errors.append(
            LineError(1, _l("repeated columns: %(columns)s.", columns=", ".join(repeated)))
        )
    if errors:
        raise CsvRefused(errors)
    rows = list(_data_rows(reader, names, set(required), errors))
    if errors:
        raise CsvRefused(errors)
    return rows


def _data_rows(
    reader, names: list[str], required: set[str], errors: list[LineError]
) -> Iterator[Row]:
    count = 0
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            errors.append(LineError(line, _l("this line is not valid CSV (check the quotes).")))
            return
        line = reader.line_num  # a quoted value may span lines: name the one it ends on
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > MAXIMUM_ROWS:
            errors.append(
                LineError(line, _l("too many rows (at most %(rows)s).", rows=MAXIMUM_ROWS))
            )
            return
        if len(cells) != len(names):
            errors.append(
                LineError(
                    line,
                    _l(
                        "%(found)s values where the header has %(expected)s columns.",
                        found=len(cells),
                        expected=len(names),
                    ),
                )
            )
            continue
        values = {name: cell.strip() for name, cell in zip(names, cells, strict=True)}
        problem = False
        for name, cell in zip(names, cells, strict=True):
            if looks_like_formula(cell) or looks_like_formula(cell.strip()):
                errors.append(
                    LineError(
                        line,
                        _l(
                            'the value of %(column)s starts with "%(character)s" and would '
                            "run as a spreadsheet formula.",
                            column=name,
                            character=cell.lstrip(" ")[:1].replace("\t", "TAB").replace("\r", "CR"),
                        ),
                    )
                )
                problem = True
        for name in sorted(required):
            if not values[name]:
                errors.append(LineError(line, _l("%(column)s is empty.", column=name)))
                problem = True
        if not problem:
            yield Row(line, values)


def parse_date(text: str) -> date | None:
    """A date written as 2025-07-01 or 01/07/2025; None for an empty cell; ValueError else."""
    if not text:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def date_text(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


@dataclass
class Change:
    """What one row would do: ``action`` is "create", "update" or "unchanged"."""

    line: int
    key: str
    action: str
    before: dict | None
    after: dict


@dataclass
class Plan:
    """An import checked against the database: the changes, or the errors that forbid it."""

    changes: list[Change] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def is_valid(self) -> bool:
        return not self.errors


class Importer:
    """One kind of import, configured by its class attributes and hooks.

    The base reads the file, refuses a repeated key, checks the lengths and dates every
    kind shares, and sorts each checked row into create, update or unchanged; a kind adds
    what only it checks (:meth:`row_problems`, :meth:`file_problems`), says what a row
    changes (:meth:`before`) and writes the changes (:meth:`write`).
    """

    #: The columns of the file, in export order.
    columns: tuple[str, ...] = ()
    #: Columns that must have a value.
    required: tuple[str, ...] = ()
    #: The audit action prefix, e.g. "agency" gives "agency.imported".
    audit_prefix = ""
    #: The column naming the record: a value may stand on one line only (empty: a new record).
    key = "code"
    #: The most characters of each text column.
    lengths: tuple[tuple[str, int], ...] = ()
    #: The columns of a period's first and last day, and the message when they are reversed.
    period: tuple[str, str, Any] | None = None

    def plan(self, session: Session, raw: bytes) -> Plan:
        """Read and check the whole file; never writes."""
        try:
            rows = read_csv(raw, self.columns, self.required)
        except CsvRefused as refused:
            return Plan(errors=refused.errors)
        plan = Plan()
        by_key, plan.errors = duplicate_errors(rows, self.key)
        context = self.context(session, rows)
        checked = []
        for row in rows:
            key = row.values[self.key]
            if key and by_key[key] is not row:
                continue
            problems = self._shared_problems(row.values) + self.row_problems(row.values, context)
            plan.errors += [LineError(row.line, problem) for problem in problems]
            if not problems:
                checked.append((row, self._normalised(row.values)))
        plan.errors += self.file_problems(checked, context)
        plan.errors.sort(key=lambda error: error.line)
        if plan.is_valid:
            plan.changes = [self._change(row, values, context) for row, values in checked]
        return plan

    def _shared_problems(self, values: dict[str, str]) -> list:
        problems = [
            _l("%(column)s has more than %(max)s characters.", column=column, max=limit)
            for column, limit in self.lengths
            if len(values[column]) > limit
        ]
        if self.period is None:
            return problems
        first, last, reversed_message = self.period
        days = {}
        for column in (first, last):
            try:
                days[column] = parse_date(values[column])
            except ValueError:
                problems.append(
                    _l(
                        "%(column)s %(value)s is not a date (write 2025-07-01 or 01/07/2025).",
                        column=column,
                        value=values[column],
                    )
                )
        start, end = days.get(first), days.get(last)
        if start and end and end <= start:
            problems.append(reversed_message)
        return problems

    def _normalised(self, values: dict[str, str]) -> dict[str, str]:
        """The row's values with its dates written as 2025-07-01 (as exports write them)."""
        if self.period is None:
            return dict(values)
        first, last, _message = self.period
        return {
            **values,
            first: date_text(parse_date(values[first])),
            last: date_text(parse_date(values[last])),
        }

    def _change(self, row: Row, values: dict[str, str], context: Any) -> Change:
        before = self.before(values, context)
        action = "create" if before is None else "unchanged" if before == values else "update"
        return Change(row.line, values[self.key] or f"line {row.line}", action, before, values)

    def context(self, session: Session, rows: list[Row]) -> Any:
        """What the rows are checked against (the database's records, read once)."""
        return None

    def row_problems(self, values: dict[str, str], context: Any) -> list:
        """What is wrong with one row beyond the shared checks (messages)."""
        return []

    def file_problems(self, checked: list[tuple[Row, dict]], context: Any) -> list[LineError]:
        """What is wrong with the checked rows taken together."""
        return []

    def before(self, values: dict[str, str], context: Any) -> dict | None:
        """The current values of the record the row names, None for a new one."""
        raise NotImplementedError

    def write(self, session: Session, changes: list[Change]) -> None:
        raise NotImplementedError

    def apply(self, raw: bytes) -> Plan:
        """Check the file again inside one write transaction and apply it if valid."""
        with write_session() as session:
            plan = self.plan(session, raw)
            if not plan.is_valid:
                return plan
            changed = [change for change in plan.changes if change.action != "unchanged"]
            self.write(session, changed)
            for change in changed:
                audit.record(
                    f"{self.audit_prefix}.imported",
                    target=f"{self.audit_prefix}:{change.key}",
                    details={
                        "action": change.action,
                        "before": change.before,
                        "after": change.after,
                    },
                    session=session,
                )
        return plan


def records_by(session: Session, column: Any, keys: Iterable) -> dict:
    """The records whose ``column`` (e.g. ``Agency.code``) is one of ``keys``, by it."""
    model, keys = column.class_, list(keys)
    records: Iterable[Any] = session.scalars(select(model).where(column.in_(keys))) if keys else []
    return {getattr(record, column.key): record for record in records}


def duplicate_errors(rows: list[Row], column: str) -> tuple[dict[str, Row], list[LineError]]:
    """The rows by the value of ``column``, and an error for every repeat naming the first."""
    by_key: dict[str, Row] = {}
    errors = []
    for row in rows:
        key = row.values[column]
        if not key:
            continue
        if key in by_key:
            errors.append(
                LineError(
                    row.line,
                    _l(
                        "the %(column)s %(value)s is already on line %(first)s.",
                        column=column,
                        value=key,
                        first=by_key[key].line,
                    ),
                )
            )
        else:
            by_key[key] = row
    return by_key, errors
