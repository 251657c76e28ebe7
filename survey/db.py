"""The database handle, shared model base and the SQLite settings that make writes safe.

Convention: every ``*_dt`` column is a naive ``datetime`` in UTC (SQLite has no time
zones, so both databases store the same thing); use :func:`utcnow`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import g
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BigInteger, Enum, Integer, MetaData, event, or_
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session

# Stable constraint names, so Alembic can alter and drop them on SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Responses and answers grow to many millions: 64-bit keys on PostgreSQL; SQLite's INTEGER
# PRIMARY KEY is already 64-bit and only autoincrements when declared exactly as INTEGER.
BigIdentifier = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    # Flask-SQLAlchemy makes db.Model at run time, out of the type checker's sight.
    Model = Base
else:
    Model = db.Model


def string_enum(enum_class: type) -> Enum:
    """A portable enum column storing the members' values as short strings.

    Not a native PostgreSQL enum: adding a member is then a code change, not a migration.
    """
    return Enum(
        enum_class,
        native_enum=False,
        length=32,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


def utcnow() -> datetime:
    """The current time in UTC, naive (see the module convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def configure_engine(engine: Engine) -> None:
    """Make SQLite fit for concurrent writers: WAL, a busy timeout and ``BEGIN IMMEDIATE``.

    pysqlite starts transactions lazily with a plain ``BEGIN``, so two writers that
    both read first deadlock and one gets "database is locked" at once, whatever the
    timeout. We take over transaction control: reads begin ``DEFERRED`` (they never
    block in WAL mode), writes opened through :func:`write_session` begin
    ``IMMEDIATE`` and so queue politely behind each other for up to ``busy_timeout``.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = "IMMEDIATE" if connection.get_execution_options().get("sqlite_immediate") else ""
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


#: The bind name of the reports database (a read replica), when REPORTS_DATABASE_URL is set.
REPORTS_BIND = "reports"


def reports_engine() -> Engine:
    """The engine reports read from: the replica when ``REPORTS_DATABASE_URL`` is set."""
    return db.engines.get(REPORTS_BIND, db.engine)


def reports_session() -> Session:
    """The session reports read with: on the replica named by ``REPORTS_DATABASE_URL``, else
    the main database's session. One per request, closed when the request ends.

    Dashboards, downloads, the public page and scheduled reports read through it, so heavy
    reports can run on a replica and never slow down citizens' submissions.
    """
    if REPORTS_BIND not in db.engines:
        return db.session()
    if "reports_session" not in g:
        engine = db.engines[REPORTS_BIND]
        if engine.dialect.name == "postgresql":
            # One snapshot for the whole request: a replica replays the primary meanwhile,
            # and a report's numbers must agree with each other and with their "data as
            # of" (survey.results.fold.counts_as_of).
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
        g.reports_session = Session(engine)
    return g.reports_session


def close_reports_session(_error=None) -> None:
    session = g.pop("reports_session", None)
    if session is not None:
        session.close()


@contextmanager
def write_session() -> Iterator[Session]:
    """A session for one write transaction: committed on success, rolled back on error.

    On SQLite it begins ``IMMEDIATE`` (see :func:`configure_engine`); on PostgreSQL
    it is an ordinary transaction.
    """
    engine = db.engine.execution_options(sqlite_immediate=True)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


def one_page(statement, page: int, size: int) -> tuple[list, bool]:
    """The rows of page ``page`` (from 1) of ``statement``, ``size`` to a page, and whether a
    next page exists: one query, reading one row more than it shows."""
    rows = list(db.session.execute(statement.limit(size + 1).offset((page - 1) * size)))
    return rows[:size], len(rows) > size


def keyset_page(
    statement, keys: tuple, after: tuple | None, size: int
) -> tuple[list, tuple | None]:
    """The ``size`` rows of ``statement`` that follow ``after`` in the descending order of
    ``keys`` (a time, then a unique id that breaks ties), and the key of the page's last row
    when a next page exists (else None). Keyset paging: a deep page costs what the first
    does, where an OFFSET reads and drops every row before it. ``statement`` must select
    the key columns last, in the order of ``keys``; the condition is written so that both
    SQLite and PostgreSQL walk an index on ``keys`` from ``after``."""
    first, second = keys
    if after is not None:
        statement = statement.where(first <= after[0], or_(first < after[0], second < after[1]))
    statement = statement.order_by(None).order_by(first.desc(), second.desc()).limit(size + 1)
    rows = list(db.session.execute(statement))
    if len(rows) <= size:
        return rows, None
    last = rows[size - 1]
    return rows[:size], (last[-2], last[-1])
