"""Storing a response exactly once, whatever the retries.

The single write path for responses (phone form, kiosk API, paper entry and the
demo seeder): one transaction for the response and all its answers, and an
``INSERT … ON CONFLICT (uuid) DO NOTHING`` so concurrent copies of the same
submission store one row, on SQLite and PostgreSQL alike. Each new response is also
queued for the count tables (:func:`survey.results.counts.fold_counts` adds it). On
PostgreSQL, a single response (every citizen's rating) is stored with its answers and its
place in the queue in one statement (a data-modifying ``WITH``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast
from uuid import UUID

from sqlalchemy import (
    ColumnDefault,
    Connection,
    Table,
    TextualSelect,
    bindparam,
    insert,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from survey.collect.models import Answer, Response, UncountedResponse


class UuidConflict(Exception):
    """The identifier was already used for a different submission."""


@dataclass(frozen=True)
class StoredResponse:
    id: int
    #: False when this was a repeat of an already stored submission.
    created: bool
    #: The receipt code of the feedback case the submission opened, if it opened one.
    receipt: str | None = None


def canonical_body_hash(body: Mapping) -> str:
    """SHA-256 of a submission with sorted keys, so equal submissions hash equally."""
    canonical = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def dossier_hash(dossier_code: str, key: bytes) -> str:
    """Keyed hash of a dossier code: equal codes match, but the code cannot be read back.

    Spaces and case are ignored, because citizens type the code from a receipt.
    """
    normalised = "".join(dossier_code.split()).upper()
    keyed = _keyed_sha256(key).copy()
    keyed.update(normalised.encode("utf-8"))
    return keyed.hexdigest()


@functools.lru_cache(maxsize=4)
def _keyed_sha256(key: bytes) -> hmac.HMAC:
    """The HMAC of the key alone, copied for each code: a third of the cost of a new one
    (an import hashes a million codes)."""
    return hmac.new(key, digestmod=hashlib.sha256)


def _insert_ignoring_duplicates(session: Session, table):
    dialect = session.get_bind().dialect.name
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    if module is None:
        raise RuntimeError(f"unsupported database {dialect!r}")
    return module.insert(table).on_conflict_do_nothing(index_elements=["uuid"])


def store_responses(
    session: Session, rows: Sequence[Mapping], answers_by_uuid: Mapping[UUID, Iterable[Mapping]]
) -> dict[UUID, StoredResponse]:
    """Insert responses and their answers in the caller's transaction.

    ``rows`` are column values of :class:`Response` (``uuid`` and ``body_hash``
    required); ``answers_by_uuid`` maps each uuid to its answers' column values
    (``item_key``, ``value``, ``text``, ``is_not_applicable``). Rows whose uuid is
    already stored are not written again: they come back with ``created=False`` when
    the body hash matches, and raise :class:`UuidConflict` when it does not.
    """
    if not rows:
        return {}
    # Core execution on the session's connection: the ORM's bulk path costs more than the
    # database work for the one response of a citizen's submission.
    connection = session.connection()
    # A citizen's rating on PostgreSQL: the response, its answers and its place in the queue
    # in one statement, one round trip instead of three.
    in_one_statement = len(rows) == 1 and connection.dialect.name == "postgresql"
    if in_one_statement:
        inserted = _insert_one_postgresql(connection, rows[0], answers_by_uuid)
    else:
        statement = _insert_ignoring_duplicates(session, Response).returning(
            Response.id, Response.uuid
        )
        inserted = {row.uuid: row.id for row in connection.execute(statement, list(rows))}
    result = {
        uuid: StoredResponse(id=response_id, created=True) for uuid, response_id in inserted.items()
    }
    repeated = [row for row in rows if row["uuid"] not in inserted]
    if repeated:
        stored = {
            uuid: (response_id, body_hash)
            for response_id, uuid, body_hash in session.execute(
                select(Response.id, Response.uuid, Response.body_hash).where(
                    Response.uuid.in_([row["uuid"] for row in repeated])
                )
            )
        }
        for row in repeated:
            response_id, body_hash = stored[row["uuid"]]
            if body_hash != row["body_hash"]:
                raise UuidConflict(f"response {row['uuid']} was already stored with another body")
            result[row["uuid"]] = StoredResponse(id=response_id, created=False)
    if not in_one_statement:
        _insert_answers_and_queue(connection, inserted, answers_by_uuid)
    return result


def _insert_answers_and_queue(
    connection: Connection, inserted: Mapping, answers_by_uuid: Mapping[UUID, Iterable[Mapping]]
) -> None:
    answer_rows = [
        {"response_id": inserted[uuid], **answer}
        for uuid in inserted
        for answer in answers_by_uuid.get(uuid, ())
    ]
    if answer_rows:
        connection.execute(insert(Answer), answer_rows)
    if inserted:
        connection.execute(
            insert(UncountedResponse), [{"response_id": i} for i in inserted.values()]
        )


_ANSWER_COLUMNS = ("item_key", "value", "text", "is_not_applicable")
# A declarative model's __table__ is its Table; it is typed only as a FromClause.
_RESPONSES = cast(Table, Response.__table__)
_ANSWERS = cast(Table, Answer.__table__)


@functools.cache
def _one_statement_postgresql(response_columns: tuple[str, ...], answers: int) -> TextualSelect:
    """The statement of :func:`_insert_one_postgresql`, written once for each shape, so
    that SQLAlchemy compiles it once (a statement built of constructs with a VALUES list
    inside ``WITH`` cannot be cached, and compiling it costs more than the round trips)."""
    responses, answer_table = _RESPONSES, _ANSWERS
    given = ", ".join(
        "(" + ", ".join(f":{name}_{number}" for name in _ANSWER_COLUMNS) + ")"
        for number in range(answers)
    )
    stored_answers = (
        f""", stored_answers AS (
            INSERT INTO answers (response_id, {", ".join(_ANSWER_COLUMNS)})
            SELECT response.id, given.* FROM response
            CROSS JOIN (VALUES {given}) AS given ({", ".join(_ANSWER_COLUMNS)})
        )"""
        if answers
        else ""
    )
    statement = text(
        f"""WITH response AS (
            INSERT INTO responses ({", ".join(response_columns)})
            VALUES ({", ".join(f":{name}" for name in response_columns)})
            ON CONFLICT (uuid) DO NOTHING RETURNING id, uuid
        ), queued AS (
            INSERT INTO uncounted_responses (response_id) SELECT id FROM response
        ){stored_answers}
        SELECT id, uuid FROM response"""
    )
    # Typed parameters (sent with a cast): else a column of NULL values only (every answer
    # "not applicable") would be of type text.
    return statement.bindparams(
        *(bindparam(name, type_=responses.c[name].type) for name in response_columns),
        *(
            bindparam(f"{name}_{number}", type_=answer_table.c[name].type)
            for number in range(answers)
            for name in _ANSWER_COLUMNS
        ),
    ).columns(responses.c.id, responses.c.uuid)


def _insert_one_postgresql(
    connection: Connection, row: Mapping, answers_by_uuid: Mapping[UUID, Iterable[Mapping]]
) -> dict:
    """One response, its answers and its place in the queue in one statement (PostgreSQL's
    data-modifying ``WITH``): one round trip instead of three, for every citizen's rating.
    Nothing is written when the uuid is already stored. Returns ``{uuid: id}`` if inserted."""
    row = _with_python_defaults(_RESPONSES, row)
    answers = [
        _with_python_defaults(_ANSWERS, answer) for answer in answers_by_uuid.get(row["uuid"], ())
    ]
    parameters = dict(row)
    for number, answer in enumerate(answers):
        parameters.update({f"{name}_{number}": answer.get(name) for name in _ANSWER_COLUMNS})
    statement = _one_statement_postgresql(tuple(sorted(row)), len(answers))
    return {uuid: response_id for response_id, uuid in connection.execute(statement, parameters)}


def _with_python_defaults(table: Table, row: Mapping) -> dict:
    """``row`` with the columns' Python-side defaults filled in (``received_dt``...):
    SQLAlchemy applies them to its own INSERT, not to a textual one."""
    filled = dict(row)
    for name, column_ in table.c.items():
        default = column_.default
        if name in filled or default is None:
            continue
        if isinstance(default, ColumnDefault) and default.is_callable:
            # Wrapped by SQLAlchemy to take the execution context.
            filled[name] = default.arg(None)
        elif isinstance(default, ColumnDefault) and default.is_scalar:
            filled[name] = default.arg
        else:
            raise NotImplementedError(f"the default of {table.name}.{name} is not a value")
    return filled
