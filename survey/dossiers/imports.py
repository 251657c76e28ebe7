"""The one way dossiers come in: the command line, the administration page and the API.

A file or batch is streamed row by row, so memory does not grow with it:

1. :func:`read_dossier_csv` decodes UTF-8 (a byte-order mark is accepted), checks the
   header (personal-data columns are refused with the reason) and yields each line's
   values, or its problems.
2. :class:`RowChecker` turns one row's values into a record, hashing the dossier code with
   the key ratings use, or names the columns that are wrong.
3. :func:`import_dossiers` puts the checked records in a temporary table inside one write
   transaction (``COPY`` on PostgreSQL), finds codes repeated within the file there, counts
   what would be created, updated or left unchanged, and only then, if nothing is wrong
   and it is not a dry run, upserts them by code hash. Any error rolls the whole
   transaction back: a file is written entirely or not at all.
"""

from __future__ import annotations

import codecs
import csv
import enum
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import repeat
from typing import IO, Any, NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    and_,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from survey.accounts import audit
from survey.collect.openapi import DOSSIER_PATTERN
from survey.collect.store import dossier_hash
from survey.collect.submit import DOSSIER_CODE_MAX_LENGTH, normalise_dossier_code
from survey.db import utcnow, write_session
from survey.dossiers.models import (
    Complaint,
    Dossier,
    DossierChannel,
    FeedbackHandling,
    OneStopDesk,
    OnlineService,
    Publication,
)
from survey.org.models import Agency, Official, Procedure, PublicCode, ServicePoint
from survey.org.reorganise import FORMULA_PREFIXES, looks_like_formula
from survey.vietnam_calendar import VIETNAM_UTC_OFFSET

#: The columns of the file, in the order docs/DOSSIERS.md lists them.
COLUMNS = (
    "dossier_code",
    "agency_code",
    "service_point_code",
    "official_code",
    "procedure_code",
    "channel",
    "received_at",
    "due_at",
    "returned_at",
    "extra_visits",
    "agencies_contacted",
    "complaint",
    "one_stop_desk",
    "procedure_published",
    "feedback_handling",
    "online_service",
)
REQUIRED = ("dossier_code", "agency_code", "received_at", "due_at")
#: The most a count column may say (a larger number is a typing error).
MAXIMUM_COUNT = 100
#: Errors listed at most; the count of all of them is given beside.
MAXIMUM_LISTED_ERRORS = 200
#: Records sent to the temporary table at a time.
CHUNK_ROWS = 5_000

#: Parts of a column name that mean personal data, and what kind it is. The platform keeps
#: no personal data of citizens (Decree 61/2018 Art. 27, Law 91/2025/QH15).
PERSONAL_DATA_HINTS: tuple[tuple[tuple[str, ...], Any], ...] = (
    (("name", "ho_ten", "hoten", "ten_", "citizen"), _l("a person's name")),
    (
        ("id_number", "identity", "cccd", "cmnd", "passport", "ho_chieu", "national_id"),
        _l("an identity number"),
    ),
    (("phone", "dien_thoai", "sdt", "mobile", "email"), _l("a phone number or e-mail address")),
    (("address", "dia_chi", "diachi"), _l("an address")),
    (("birth", "ngay_sinh", "gender", "gioi_tinh", "ethnic", "dan_toc"), _l("personal details")),
)

#: What a dossier code may hold once its spaces are removed (as the rating form accepts it).
_DOSSIER_CODE = re.compile(DOSSIER_PATTERN)

_STAGING = Table(
    "dossier_staging",
    MetaData(),
    Column("line", Integer, nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("agency_id", Integer, nullable=False),
    Column("service_point_id", Integer),
    Column("official_id", Integer),
    Column("procedure_id", Integer),
    Column("channel", String(32)),
    Column("received_dt", DateTime, nullable=False),
    Column("due_dt", DateTime, nullable=False),
    Column("returned_dt", DateTime),
    Column("extra_visits", SmallInteger),
    Column("agencies_contacted", SmallInteger),
    Column("complaint", String(32)),
    Column("one_stop_desk", String(32)),
    Column("procedure_published", String(32)),
    Column("feedback_handling", String(32)),
    Column("online_service", String(32)),
    prefixes=["TEMPORARY"],
)
#: PostgreSQL's names of the staging table's types, for a binary ``COPY``.
_COPY_TYPES = {Integer: "int4", SmallInteger: "int2", String: "varchar", DateTime: "timestamp"}
#: The dossier's own fields, which an import writes and compares (not the line).
FIELDS = tuple(column.name for column in _STAGING.columns if column.name != "line")


@dataclass(frozen=True)
class DossierError:
    """A problem with one line of the file (line 1 is the header) or one item of a batch."""

    line: int
    column: str | None
    message: Any

    def __str__(self) -> str:
        if self.column is None:
            return str(_l("Line %(line)s: %(message)s", line=self.line, message=self.message))
        return str(
            _l(
                "Line %(line)s, column %(column)s: %(message)s",
                line=self.line,
                column=self.column,
                message=self.message,
            )
        )


@dataclass
class ImportResult:
    """What an import did, or would do (a dry run), or why it wrote nothing."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: The first errors (at most MAXIMUM_LISTED_ERRORS), by line.
    errors: list[DossierError] = field(default_factory=list)
    error_count: int = 0
    written: bool = False

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0

    def add_error(self, error: DossierError) -> None:
        self.error_count += 1
        if len(self.errors) < MAXIMUM_LISTED_ERRORS:
            self.errors.append(error)


class HeaderRefused(Exception):
    """The file's first line cannot be read as the dossier header."""

    def __init__(self, errors: list[DossierError]):
        super().__init__(f"{len(errors)} problems with the header")
        self.errors = errors


class SourceRow(NamedTuple):
    """One line of a file or item of a batch: its values, or what made it unreadable."""

    line: int
    values: Mapping[str, str] | None
    problems: tuple[DossierError, ...] = ()


# --------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------


def personal_data_kind(column: str) -> Any | None:
    """What personal data a column's name suggests, or None."""
    name = column.lower()
    for hints, kind in PERSONAL_DATA_HINTS:
        if any(hint in name for hint in hints):
            return kind
    return None


def header_errors(names: list[str]) -> list[DossierError]:
    """What is wrong with a header: personal data, unknown, repeated or missing columns."""
    errors = []
    for name in names:
        if name in COLUMNS:
            continue
        kind = personal_data_kind(name)
        if kind is not None:
            message = _l(
                "the column looks like personal data (%(kind)s). The platform keeps no "
                "personal data of citizens: remove the column and import again.",
                kind=kind,
            )
        else:
            message = _l(
                "unknown column (the columns are: %(expected)s).", expected=", ".join(COLUMNS)
            )
        errors.append(DossierError(1, name or "?", message))
    for name in sorted({name for name in names if name and names.count(name) > 1}):
        errors.append(DossierError(1, name, _l("this column is repeated.")))
    for name in REQUIRED:
        if name not in names:
            errors.append(DossierError(1, name, _l("this required column is missing.")))
    return errors


class _NotUtf8(Exception):
    def __init__(self, line: int):
        super().__init__(f"line {line} is not UTF-8")
        self.line = line


def _decoded_lines(stream: IO[bytes]) -> Iterator[str]:
    """The file's lines as text, decoded one by one so that a bad byte names its line."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _NotUtf8(number) from None


def read_dossier_csv(stream: IO[bytes]) -> Iterator[SourceRow]:
    """The lines of a dossier CSV, read as they are needed; :class:`HeaderRefused` if the
    header is wrong. A line that is not valid CSV or not UTF-8 ends the reading with its
    problem (nothing after it can be trusted)."""
    reader = csv.reader(_decoded_lines(stream), strict=True)
    try:
        header = next(reader, None)
    except (csv.Error, _NotUtf8):
        raise HeaderRefused(
            [DossierError(1, None, _l("the header line is not UTF-8 CSV text."))]
        ) from None
    if not header or not any(cell.strip() for cell in header):
        raise HeaderRefused([DossierError(1, None, _l("the file is empty: it needs a header."))])
    names = [cell.strip().lower() for cell in header]
    errors = header_errors(names)
    if errors:
        raise HeaderRefused(errors)
    yield from _data_rows(reader, names)


def _data_rows(reader, names: list[str]) -> Iterator[SourceRow]:
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except _NotUtf8 as failure:
            message = _l(
                'the file is not UTF-8 text from here on. Save it as "CSV UTF-8" and try again.'
            )
            yield SourceRow(failure.line, None, (DossierError(failure.line, None, message),))
            return
        except csv.Error:
            message = _l("this line is not valid CSV (check the quotes).")
            yield SourceRow(line, None, (DossierError(line, None, message),))
            return
        line = reader.line_num  # a quoted value may span lines: name the one it ends on
        if not "".join(cells).strip():  # a line of empty cells
            continue
        if len(cells) != len(names):
            message = _l(
                "%(found)s values where the header has %(expected)s columns.",
                found=len(cells),
                expected=len(names),
            )
            yield SourceRow(line, None, (DossierError(line, None, message),))
            continue
        yield SourceRow(line, dict(zip(names, cells, strict=True)))


# --------------------------------------------------------------------------------------
# Checking one row
# --------------------------------------------------------------------------------------


@dataclass
class References:
    """The platform's codes a row may name, read once per import (they are few)."""

    agencies: dict[str, int]
    #: A desk's public code → (desk id, its agency id).
    service_points: dict[str, tuple[int, int]]
    officials: dict[str, int]
    procedures: dict[str, int]

    @classmethod
    def load(cls, session: Session) -> References:
        desks = session.execute(
            select(PublicCode.code, ServicePoint.id, Agency.id)
            .join(PublicCode.service_point)
            .join(Agency)
        )
        officials = session.execute(select(PublicCode.code, Official.id).join(PublicCode.official))
        agencies = session.execute(select(Agency.code, Agency.id))
        procedures = session.execute(select(Procedure.code, Procedure.id))
        return cls(
            agencies={code: agency for code, agency in agencies},
            service_points={code: (desk, agency) for code, desk, agency in desks},
            officials={code: official for code, official in officials},
            procedures={code: procedure for code, procedure in procedures},
        )


class _Problem(ValueError):
    """One cell's problem (a translatable message)."""

    def __init__(self, message: Any):
        super().__init__("a cell's problem")
        self.message = message


_REQUIRED_EMPTY = _l("this required value is empty.")
_FORMULA = _l("starts with a character that would run as a formula.")

#: A date as 01/07/2025 (day/month/year, as Vietnamese spreadsheets write it), digits 0-9.
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)


def _day(text: str) -> date | None:
    """The date written as 2025-07-01 or 01/07/2025, None if it is written otherwise."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return date.fromisoformat(text)
    match = _DAY_MONTH_YEAR.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        return date(year, month, day)
    return None


# A file repeats its dates (a year has 365 days): remembering the last few thousand spares
# most of the parsing, and the memory stays bounded.
@lru_cache(maxsize=8192)
def parse_time(text: str, end_of_day: bool) -> datetime:
    """A date or ISO date-time as naive UTC; Vietnam's time when it has no offset.

    A date alone is the start of that day in Vietnam, or its end with ``end_of_day``
    (a return "on 5/7" is on time for a dossier due on 5/7). A moment that is not one in
    UTC (on 1 January of year 1 in Vietnam, or after year 9999 in UTC) is not a date.
    """
    try:
        day = _day(text)
        if day is not None:
            moment = datetime.combine(day, time(23, 59, 59) if end_of_day else time.min)
        elif "T" not in text and " " not in text:
            raise ValueError(text)
        else:
            moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            return moment - VIETNAM_UTC_OFFSET
        return moment.replace(tzinfo=None) - (moment.utcoffset() or timedelta(0))
    except (ValueError, OverflowError):
        raise _Problem(
            _l(
                "%(value)s is not a date (write 2025-07-01, 01/07/2025 or 2025-07-01T08:30).",
                value=text[:40],
            )
        ) from None


#: A count as written: digits 0-9, no more of them than the maximum has.
_COUNT = re.compile(rf"[0-9]{{1,{len(str(MAXIMUM_COUNT))}}}")


def _count(text: str) -> int | None:
    if not text:
        return None
    # Digits 0-9 only: str.isdigit() also takes "²" (which int() refuses) and "١٢".
    if not _COUNT.fullmatch(text) or int(text) > MAXIMUM_COUNT:
        raise _Problem(_l("write a whole number from 0 to %(maximum)s.", maximum=MAXIMUM_COUNT))
    return int(text)


def _choice(choices: type[enum.StrEnum]) -> Callable[[str], str | None]:
    values = tuple(member.value for member in choices)
    known = {value: value for value in values}

    def check(text: str) -> str | None:
        if not text:
            return None
        value = known.get(text) or known.get(text.lower())
        if value is None:
            raise _Problem(
                _l(
                    "%(value)s is not one of %(choices)s.",
                    value=text[:40],
                    choices=", ".join(values),
                )
            )
        return value

    return check


def _code(known: Mapping[str, Any], message: Any, *, required: bool = False):
    def check(text: str) -> Any:
        if not text:
            if required:
                raise _Problem(_REQUIRED_EMPTY)
            return None
        found = known.get(text)
        if found is None:
            raise _Problem(message)
        return found

    return check


def _time(*, end_of_day: bool, required: bool = True) -> Callable[[str], datetime | None]:
    def check(text: str) -> datetime | None:
        if not text:
            if required:
                raise _Problem(_REQUIRED_EMPTY)
            return None
        return parse_time(text, end_of_day)

    return check


def _dossier_code(key: bytes) -> Callable[[str], str]:
    def check(text: str) -> str:
        if not text:
            raise _Problem(_REQUIRED_EMPTY)
        code = normalise_dossier_code(text) or ""
        if len(code) > DOSSIER_CODE_MAX_LENGTH:
            raise _Problem(
                _l("longer than %(maximum)s characters.", maximum=DOSSIER_CODE_MAX_LENGTH)
            )
        if not _DOSSIER_CODE.match(code):
            raise _Problem(_l("a dossier code has only letters, digits and . / _ -"))
        return dossier_hash(code, key)

    return check


class RowChecker:
    """Turns one row's values into a record for the staging table, or names the columns
    that are wrong. Built once per import: the platform's codes and the key are bound to
    the check of each column, so a row costs one pass over its cells."""

    def __init__(self, references: References, key: bytes):
        #: How each column's stripped text becomes its value, or a :class:`_Problem`;
        #: in the order of COLUMNS, which is the staging table's order after the line.
        self._checks: tuple[Callable[[str], Any], ...] = (
            _dossier_code(key),
            _code(references.agencies, _l("no agency has this code."), required=True),
            _code(references.service_points, _l("no desk has this public code.")),
            _code(references.officials, _l("no official has this code.")),
            _code(references.procedures, _l("no procedure has this code.")),
            _choice(DossierChannel),
            _time(end_of_day=False),
            _time(end_of_day=True),
            _time(end_of_day=True, required=False),
            _count,
            _count,
            _choice(Complaint),
            _choice(OneStopDesk),
            _choice(Publication),
            _choice(FeedbackHandling),
            _choice(OnlineService),
        )

    def __call__(
        self, line: int, values: Mapping[str, str]
    ) -> tuple[tuple | None, list[DossierError]]:
        """The record (the staging table's columns, in order), or the row's errors."""
        cells = [values.get(column) or "" for column in COLUMNS]
        # looks_like_formula, without a Python call per cell
        if any(map(str.startswith, cells, repeat(FORMULA_PREFIXES))):
            return None, self._errors(line, cells)
        try:
            parsed = [check(cell.strip()) for check, cell in zip(self._checks, cells, strict=True)]
        except _Problem:
            return None, self._errors(line, cells)
        agency, desk = parsed[1], parsed[2]
        received, due, returned = parsed[6:9]
        if (
            due < received
            or (returned is not None and returned < received)
            or (desk is not None and desk[1] != agency)
        ):
            return None, _consistency_errors(line, agency, desk, received, due, returned)
        if desk is not None:
            parsed[2] = desk[0]
        return (line, *parsed), []

    def _errors(self, line: int, cells: list[str]) -> list[DossierError]:
        """What is wrong with a row: formulas first, then empty required values, then
        every other cell's problem."""
        formulas = [
            DossierError(line, column, _FORMULA)
            for column, cell in zip(COLUMNS, cells, strict=True)
            if looks_like_formula(cell)
        ]
        if formulas:
            return formulas
        problems = []
        for column, check, cell in zip(COLUMNS, self._checks, cells, strict=True):
            try:
                check(cell.strip())
            except _Problem as problem:
                problems.append(DossierError(line, column, problem.message))
        required = [error for error in problems if error.message is _REQUIRED_EMPTY]
        return required or problems


def _consistency_errors(
    line: int,
    agency: int,
    desk: tuple[int, int] | None,
    received: datetime,
    due: datetime,
    returned: datetime | None,
) -> list[DossierError]:
    errors = []
    if due < received:
        errors.append(DossierError(line, "due_at", _l("the due date is before the receipt.")))
    if returned is not None and returned < received:
        errors.append(DossierError(line, "returned_at", _l("the return is before the receipt.")))
    if desk is not None and desk[1] != agency:
        errors.append(
            DossierError(line, "service_point_code", _l("this desk belongs to another agency."))
        )
    return errors


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


class _Abandoned(Exception):
    """Leaves the write transaction without writing (errors, or a dry run)."""


def import_dossiers(
    rows: Iterable[SourceRow],
    key: bytes,
    *,
    dry_run: bool = False,
    source: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Check every row and, when nothing is wrong and it is not a dry run, upsert them all.

    ``key`` is the dossier-code key (:func:`survey.collect.keys.dossier_key`); ``source``
    says in the audit log where the rows came from; ``progress`` is told how many rows
    were read after each chunk.
    """
    result = ImportResult()
    try:
        with write_session() as session:
            _STAGING.create(session.connection())
            _stage(session, rows, key, result, progress)
            _find_repeated_codes(session, result)
            if result.is_valid:
                _count_changes(session, result)
            if not result.is_valid or dry_run:
                raise _Abandoned
            if result.created or result.updated:  # a file sent again changes nothing
                _upsert(session)
            _STAGING.drop(session.connection())
            audit.record(
                "dossiers.imported",
                target="dossiers",
                details={
                    "source": source,
                    "rows": result.rows,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
                session=session,
            )
    except _Abandoned:
        return result
    result.written = True
    return result


def _stage(session, rows, key, result: ImportResult, progress) -> None:
    check = RowChecker(References.load(session), key)
    write = _staging_writer(session)
    chunk: list[tuple] = []
    for row in rows:
        for problem in row.problems:
            result.add_error(problem)
        if row.values is None:
            continue
        result.rows += 1
        record, errors = check(row.line, row.values)
        if record is not None:
            chunk.append(record)
            if len(chunk) >= CHUNK_ROWS:
                write(chunk)
                chunk = []
                if progress is not None:
                    progress(result.rows)
        for error in errors:
            result.add_error(error)
    if chunk:
        write(chunk)
    if progress is not None:
        progress(result.rows)


def _staging_writer(session: Session) -> Callable[[list[tuple]], None]:
    """How chunks reach the temporary table: ``COPY`` on PostgreSQL, a bulk insert else."""
    connection = session.connection()
    names = [column.name for column in _STAGING.columns]
    if connection.dialect.name != "postgresql":

        def insert_rows(chunk: list[tuple]) -> None:
            records = [dict(zip(names, record, strict=True)) for record in chunk]
            connection.execute(insert(_STAGING), records)

        return insert_rows
    # Binary: psycopg's C code writes the values, three times faster than text.
    statement = f"COPY {_STAGING.name} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    types = [_COPY_TYPES[type(column.type)] for column in _STAGING.columns]

    def copy(chunk: list[tuple]) -> None:
        # psycopg's own cursor: COPY is not part of the DB-API that SQLAlchemy types.
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(statement) as writer:
            writer.set_types(types)
            for record in chunk:
                writer.write_row(record)

    return copy


def _find_repeated_codes(session: Session, result: ImportResult) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Hash the staged rows in memory rather than sorting them on disk, and give the
        # planner the table's statistics (a temporary table is never analysed by itself).
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text(f"ANALYZE {_STAGING.name}"))
    else:
        session.execute(
            text(f"CREATE INDEX ix_{_STAGING.name}_code ON {_STAGING.name} (code_hash)")
        )
    first = (
        select(_STAGING.c.code_hash, func.min(_STAGING.c.line).label("first_line"))
        .group_by(_STAGING.c.code_hash)
        .having(func.count() > 1)
        .subquery()
    )
    repeats = session.execute(
        select(_STAGING.c.line, first.c.first_line)
        .join(first, first.c.code_hash == _STAGING.c.code_hash)
        .where(_STAGING.c.line > first.c.first_line)
        .order_by(_STAGING.c.line)
    )
    for line, first_line in repeats:
        result.add_error(
            DossierError(
                line,
                "dossier_code",
                _l("the same dossier code is already on line %(first)s.", first=first_line),
            )
        )


def _count_changes(session: Session, result: ImportResult) -> None:
    """How many staged dossiers are new, differ from the stored ones, or equal them."""
    stored = Dossier.__table__.c
    same = and_(*(stored[name].is_not_distinct_from(_STAGING.c[name]) for name in FIELDS))
    created, unchanged, total = session.execute(
        select(
            func.count().filter(stored.id.is_(None)),
            func.count().filter(stored.id.is_not(None), same),
            func.count(),
        ).select_from(
            _STAGING.outerjoin(Dossier.__table__, stored.code_hash == _STAGING.c.code_hash)
        )
    ).one()
    result.created, result.unchanged = created, unchanged
    result.updated = total - created - unchanged


def _upsert(session: Session) -> None:
    """Insert the new dossiers and update the changed ones, in one statement."""
    stored = Dossier.__table__.c
    now = utcnow()
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[session.get_bind().dialect.name]
    staged = [_STAGING.c[name] for name in FIELDS]
    # SQLite needs a WHERE to tell the SELECT's end from the ON CONFLICT clause.
    rows = select(*staged, literal(now), literal(now)).where(true())
    statement = dialect.insert(Dossier.__table__).from_select(
        [*FIELDS, "imported_dt", "updated_dt"], rows
    )
    statement = statement.on_conflict_do_update(
        index_elements=[stored.code_hash],
        set_={
            **{name: statement.excluded[name] for name in FIELDS if name != "code_hash"},
            "updated_dt": now,
        },
        where=or_(*(stored[name].is_distinct_from(statement.excluded[name]) for name in FIELDS)),
    )
    session.execute(statement)
