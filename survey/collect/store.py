"""Storing a response exactly once, whatever the retries.

The single write path for responses (phone form, kiosk API, paper entry and the
demo seeder): one transaction for the response and all its answers, and an
``INSERT … ON CONFLICT (uuid) DO NOTHING`` so concurrent copies of the same
submission store one row, on SQLite and PostgreSQL alike. Each new response is also
queued for the count tables (:func:`survey.results.counts.fold_counts` adds it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from survey.collect.models import Answer, Response
from survey.results.models import UncountedResponse


class UuidConflict(Exception):
    """The identifier was already used for a different submission."""


@dataclass(frozen=True)
class StoredResponse:
    id: int
    #: False when this was a repeat of an already stored submission.
    created: bool


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
    return hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def _insert_ignoring_duplicates(session: Session, table):
    dialect = session.get_bind().dialect.name
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    if module is None:
        raise RuntimeError(f"unsupported database {dialect!r}")
    return module.insert(table).on_conflict_do_nothing(index_elements=["uuid"])


def store_responses(
    session: Session, rows: Sequence[Mapping], answers_by_uuid: Mapping[object, Iterable[Mapping]]
) -> dict[object, StoredResponse]:
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
    statement = _insert_ignoring_duplicates(session, Response).returning(Response.id, Response.uuid)
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
    return result
