"""What a public code points at, and which questionnaire version its desk asks: kept a moment.

Every citizen page view and submission needs both (``submit.resolve_code`` and
``submit.current_version``); reading them from the database each time cost more than
storing the response. Each process keeps what it read, as plain immutable data (never
ORM objects, which belong to one session), for ``TARGETS_CACHE_SECONDS`` (a few seconds),
like the administrator's settings (``survey/settings.py``):

- a change committed by this process (an administrator revokes a code, closes a desk,
  publishes or assigns a version, the command line...) empties the cache at once:
  a listener notes every flush or ``Session.execute`` that writes to the tables it is read
  from (:data:`WATCHED`), and the commit empties it;
- other processes and hosts see the change within ``TARGETS_CACHE_SECONDS``.

Only data is kept, never a decision that depends on the day: whether an official or an
agency serves today is decided on each request from the cached dates. A direct SQL change
(``connection.execute``, ``psql``) is seen within the cache time, or at once after
:func:`forget_lookups`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from itertools import chain
from time import monotonic
from typing import Any, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from survey.org.models import Agency, Official, PublicCode, ServicePoint, official_service_points
from survey.questionnaires.assignments import QuestionnaireAssignment
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion

#: The models whose rows the cached lookups are read from: any change to one empties the cache.
WATCHED = (
    Agency,
    ServicePoint,
    Official,
    PublicCode,
    Questionnaire,
    QuestionnaireVersion,
    QuestionnaireAssignment,
)
_WATCHED_TABLES = frozenset(model.__table__ for model in WATCHED) | {official_service_points}

#: Beyond this many entries in one kind of lookup, the kind is emptied (a bound on memory).
MAXIMUM_ENTRIES = 20_000

#: The session flag: this transaction wrote to a watched table (see _note_changes).
_CHANGED = "survey.lookups_changed"
#: The cache's generation when the session's transaction began (see _note_begin).
_BEGUN_IN = "survey.lookups_generation"

T = TypeVar("T")


class _Lookups:
    """One application's cached lookups: ``{kind: {key: (read_at, value)}}``.

    ``generation`` changes whenever the cache is emptied. A value is kept only if it was
    read in a transaction that began after the last emptying: one begun before may see the
    database as it was before the change (a SQLite read transaction keeps its snapshot).
    """

    def __init__(self) -> None:
        self.generation = 0
        self.kinds: dict[str, dict[Hashable, tuple[float, Any]]] = {}


def _lookups() -> _Lookups:
    lookups = current_app.extensions.get("collect_lookups")
    if lookups is None:
        lookups = current_app.extensions.setdefault("collect_lookups", _Lookups())
    return lookups


def cached(session: Session, kind: str, key: Hashable, load: Callable[[], T]) -> T:
    """The value of ``load()`` for ``key``, read at most once per ``TARGETS_CACHE_SECONDS``.

    ``load`` reads through ``session``; a session that has written to a watched table
    in its open transaction reads its own, uncommitted, view and shares none of it.
    """
    if session.info.get(_CHANGED):
        return load()
    lookups = _lookups()
    entries = lookups.kinds.setdefault(kind, {})
    now = monotonic()
    entry = entries.get(key)
    if entry is not None and now - entry[0] < current_app.config["TARGETS_CACHE_SECONDS"]:
        return entry[1]
    value = load()
    if session.info.get(_BEGUN_IN) == lookups.generation:
        if len(entries) >= MAXIMUM_ENTRIES:
            entries.clear()
        entries[key] = (now, value)
    return value


def forget_lookups() -> None:
    """Empty this process's cache (of the current application): the next lookups read the
    database. Commits that change a watched table call it by themselves."""
    lookups = _lookups()
    lookups.generation += 1
    lookups.kinds = {}


@event.listens_for(Session, "after_begin")
def _note_begin(session: Session, _transaction, _connection) -> None:
    if has_app_context():
        session.info[_BEGUN_IN] = _lookups().generation


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context) -> None:
    if not session.info.get(_CHANGED) and any(
        isinstance(instance, WATCHED)
        for instance in chain(session.new, session.dirty, session.deleted)
    ):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state: ORMExecuteState) -> None:
    """``session.execute(update(PublicCode)...)`` and the like bypass the flush."""
    if state.is_select:
        return
    if getattr(state.statement, "table", None) in _WATCHED_TABLES:
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context():
        forget_lookups()


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(_CHANGED, None)
