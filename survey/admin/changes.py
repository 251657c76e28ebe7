"""Writing one record from an administration page, with its audit event.

Every change goes through :func:`survey.db.write_session` (one transaction: the change and
its audit event are written together or not at all) and is audited with the record's
values before and after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from survey.accounts import audit
from survey.db import write_session


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


Record = TypeVar("Record", bound=_Identified)


@dataclass(frozen=True)
class Audited(Generic[Record]):
    """One kind of record the administration changes.

    ``name`` makes the audit action (``service_point.updated``) and target
    (``service_point:12``, after ``key``); ``values`` is what the log keeps before and after.
    """

    model: type[Record]
    name: str
    values: Callable[[Record], dict]
    key: str = "id"

    def save(
        self,
        record: Record | None,
        change: Callable[[Session, Record | None], Record],
        verb: str | None = None,
    ) -> Record:
        """Load ``record`` again in a write transaction (None: a new one), let ``change``
        create or change it and return it, and audit the change as ``verb`` (default
        "created" or "updated"). Returns the record written."""
        with write_session() as session:
            current = session.get(self.model, record.id) if record is not None else None
            before = self.values(current) if current is not None else None
            record = change(session, current)
            session.add(record)
            session.flush()
            audit.record(
                f"{self.name}.{verb or ('created' if current is None else 'updated')}",
                target=f"{self.name}:{getattr(record, self.key)}",
                details={"before": before, "after": self.values(record)},
                session=session,
            )
        return record


Done = TypeVar("Done")


def audited_write(
    action: str, target: str, change: Callable[[Session], Done], details: Callable[[Done], dict]
) -> Done:
    """Run ``change`` in one write transaction together with its audit event, whose
    ``details`` are made from what ``change`` returns (the work done); returns it."""
    with write_session() as session:
        done = change(session)
        audit.record(action, target=target, details=details(done), session=session)
    return done
